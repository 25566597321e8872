/**
 * The original plot scripts' selections applied to chart data: only some request rates
 * (`--request-rates`), only some serving variants (`--variant-filter`), and low / high request
 * rates drawn apart (`--split-request-rates`, the original's `_low_rr` / `_high_rr` figures).
 */
import type { SuiteChartData } from "./chart-data.js";

/** Request rates the original's split put in the low figure (1, 2, 4); the rest are high. */
export const LOW_RATE_MAX = 4;

const isRateSuite = (d: SuiteChartData): boolean => d.kind === "online" && d.axis === "request rate";

/** Keeps an online suite's lines at these loads (request rates or concurrencies); others untouched. */
export function keepLoads(data: readonly SuiteChartData[], loads: readonly number[]): SuiteChartData[] {
  const wanted = new Set(loads);
  return data.map((d) =>
    d.kind !== "online"
      ? d
      : { ...d, metrics: d.metrics.map((m) => ({ ...m, lines: m.lines.filter((l) => wanted.has(l.order)) })) },
  );
}

/** The serving variant a suite's lines belong to: `standard`, or its configuration suffix. */
export function suiteVariant(d: Pick<SuiteChartData, "suite" | "baseSuite">): string {
  return d.suite === d.baseSuite ? "standard" : d.suite.slice(d.baseSuite.length).replace(/^[-_]/, "");
}

/** Keeps the suites of these variants (`standard`, `dp_attention`, `mtp_test` …). */
export function keepVariants(data: readonly SuiteChartData[], variants: readonly string[]): SuiteChartData[] {
  return data.filter((d) => variants.includes(suiteVariant(d)));
}

/** Each request-rate suite becomes `<suite>_low_rr` (rates ≤ 4) and `<suite>_high_rr` (the rest). */
export function splitRequestRates(data: readonly SuiteChartData[]): SuiteChartData[] {
  return data.flatMap((d) => {
    if (!isRateSuite(d)) return [d];
    const part = (suffix: string, keep: (rate: number) => boolean): SuiteChartData => ({
      ...d,
      suite: `${d.suite}_${suffix}`,
      metrics: d.metrics.map((m) => ({ ...m, lines: m.lines.filter((l) => keep(l.order)) })),
    });
    return [part("low_rr", (r) => r <= LOW_RATE_MAX), part("high_rr", (r) => r > LOW_RATE_MAX)].filter((p) =>
      p.metrics.some((m) => m.lines.length > 0),
    );
  });
}
