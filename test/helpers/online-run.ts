import { emptyRun, type RunResults } from "../../src/core/results/index.js";

/**
 * A synthetic Grok-1 online run on mi30x: request rates 1–16, `repeats` repeats each, the metrics of
 * repeat `i` (1-based) at `rate` from `metricsOf` — for tests that need a run shaped like a real one.
 */
export function onlineRun(
  tag: string,
  repeats: number,
  metricsOf: (rate: number, i: number) => Record<string, number>,
): RunResults {
  return emptyRun({
    kind: "online",
    suite: "grok-online",
    model: { name: "GROK1" },
    hardware: "mi30x",
    image: { full: `rocm/sgl-dev:${tag}`, tag },
    points: [1, 2, 4, 8, 16].map((rate) => ({
      point: { request_rate: rate },
      repeats: Array.from({ length: repeats }, (_, k) => ({ index: k + 1, metrics: metricsOf(rate, k + 1) })),
    })),
  });
}
