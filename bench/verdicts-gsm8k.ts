/**
 * GSM8K accuracy between launches (issue 16 item 5), on the real nightly series, judged by compareRuns
 * as a PR comparison would be (catalogue floor on):
 *
 * - Night vs next night of one series (same hardware/model/suite/mode, no host/ROCm/release break),
 *   without history and with the series' earlier nights as history (broken nights included).
 * - The same image on the same night with another option (mode): DP attention or torch compile.
 * - A 2- and 5-point drop injected into the later night of every A/A pair.
 *
 * Ground truth by hindsight over the whole series: a night whose level (mean of its runs) lies more
 * than 4 robust sds (1.4826 × MAD of the series' night levels, at least 0.002) and at least a point
 * from the series median is off-level — a broken night (0.000, 0.011), a regressed image (0.905,
 * 0.856) or a broken run dragging the mean (0.810 among 0.938s). A pair is a real accuracy change
 * when one side is off-level, or both are and their levels differ by that much; it is reported on its
 * own (caught = flagged the right way), not as an A/A. Drops are injected into A/A pairs of on-level
 * nights only: on a pair that already moves for real, "−5 points" is not what separates the two
 * sides, and a broken night (0.000) has nothing left to lose.
 */
import { type RunResults } from "../src/core/results/index.js";
import {
  compareRuns,
  mean,
  median,
  metadataBreak,
  priorHardware,
  runRegimeKey,
  type ComparisonCell,
} from "../src/core/verdict/index.js";
import { zero, type Tally } from "./verdicts-eval.js";

const nightOf = (r: RunResults): string => r.date ?? "";
const levelOf = (r: RunResults): number => mean(r.gsm8k!.runs.map((x) => x.accuracy));

/** A run's GSM8K accuracies moved by `delta` (absolute), points dropped (GSM8K cells only), compared as `as`'s mode. */
function gsm8kOnly(run: RunResults, delta: number, as: RunResults = run): RunResults {
  return {
    ...run,
    mode: as.mode,
    points: [],
    kv_cache: undefined,
    failures: [],
    gsm8k: run.gsm8k && { ...run.gsm8k, runs: run.gsm8k.runs.map((x) => ({ ...x, accuracy: x.accuracy + delta })) },
  };
}

/**
 * One run per series and launch. Not the performance dedupe (hardware, date and perf values): the
 * DeepSeek GSM8K nights carry no perf points, so every mode of one night looked like one run and 33 of
 * 184 GSM8K launches (most of torch_compile and dp_attention) were dropped.
 */
function dedupeGsm8k(runs: readonly RunResults[]): RunResults[] {
  const seen = new Set<string>();
  return runs.filter((r) => {
    const key = JSON.stringify([seriesOf(r), nightOf(r), r.image?.tag, r.gsm8k?.runs.map((x) => x.accuracy)]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const seriesOf = (r: RunResults): string =>
  [r.hardware, r.model.name, r.model.variant, r.suite, r.mode ?? ""].join("/");

/** Hindsight over a series: the nights whose level is off the series' usual level, and that margin. */
export function offLevelNights(series: readonly RunResults[]): { off: Set<RunResults>; margin: number } {
  const levels = series.map(levelOf);
  const mid = median(levels);
  const sd = Math.max(1.4826 * median(levels.map((v) => Math.abs(v - mid))), 0.002);
  const margin = Math.max(4 * sd, 0.01);
  return { off: new Set(series.filter((_, i) => Math.abs(levels[i]! - mid) > margin)), margin };
}

/** Evaluates the GSM8K scenarios on nightly runs; adds `scenario|method` tallies. */
export function evaluateGsm8k(all: readonly RunResults[], tallies: Map<string, Tally>): void {
  const withAcc = dedupeGsm8k(all).filter((r) => (r.gsm8k?.runs.length ?? 0) > 0 && priorHardware(r.hardware));
  const bump = (
    name: string,
    method: string,
    cell: ComparisonCell | undefined,
    want: "regressed" | "improved" = "regressed",
  ): void => {
    if (!cell) return;
    const t = tallies.get(`${name}|${method}`) ?? zero();
    t.cells++;
    if (cell.verdict === "regressed" || cell.verdict === "improved") t.flagged++;
    if (cell.verdict === want) t.regressed++;
    if (cell.verdict === "inconclusive") t.inconclusive++;
    tallies.set(`${name}|${method}`, t);
  };
  const gsmCell = (base: RunResults, cand: RunResults, history?: RunResults[]): ComparisonCell | undefined =>
    compareRuns([base], [cand], history ? { history } : {}).cells.find((c) => c.kind === "gsm8k");
  const groups = new Map<string, RunResults[]>();
  for (const r of withAcc) groups.set(seriesOf(r), [...(groups.get(seriesOf(r)) ?? []), r]);
  const offOf = new Map<RunResults, boolean>();
  const marginOf = new Map<string, number>();
  for (const [key, group] of groups) {
    const { off, margin } = offLevelNights(group);
    for (const r of group) offOf.set(r, off.has(r));
    marginOf.set(key, margin);
  }
  /** "aa", or the direction of a real change, by hindsight. */
  const truth = (a: RunResults, b: RunResults): "aa" | "regressed" | "improved" => {
    const moved = Math.abs(levelOf(b) - levelOf(a)) > marginOf.get(seriesOf(a))!;
    if (!(offOf.get(a) || offOf.get(b)) || !moved) return "aa";
    return levelOf(b) < levelOf(a) ? "regressed" : "improved";
  };
  for (const group of groups.values()) {
    const nights = [...group].sort((a, b) => nightOf(a).localeCompare(nightOf(b)));
    for (let i = 1; i < nights.length; i++) {
      const [a, b] = [nights[i - 1]!, nights[i]!];
      if (metadataBreak(runRegimeKey(a), runRegimeKey(b))) continue;
      const history = nights.slice(0, i - 1).map((r) => gsm8kOnly(r, 0));
      const kind = truth(a, b);
      for (const [method, hist] of [
        ["engine, no history", undefined],
        ["engine, earlier nights as history", history],
      ] as const) {
        if (kind !== "aa") {
          bump(
            "GSM8K real accuracy change, night vs next night",
            method,
            gsmCell(gsm8kOnly(a, 0), gsm8kOnly(b, 0), hist),
            kind,
          );
          continue;
        }
        bump("GSM8K A/A night vs next night", method, gsmCell(gsm8kOnly(a, 0), gsm8kOnly(b, 0), hist));
        if (offOf.get(a) || offOf.get(b)) continue; // a broken night has no further 2 points to lose
        bump("GSM8K drop −2 points, night vs next night", method, gsmCell(gsm8kOnly(a, 0), gsm8kOnly(b, -0.02), hist));
        bump("GSM8K drop −5 points, night vs next night", method, gsmCell(gsm8kOnly(a, 0), gsm8kOnly(b, -0.05), hist));
      }
    }
  }
  const key = (r: RunResults): string => [r.hardware, r.model.name, r.model.variant, r.suite].join("/");
  for (const a of withAcc) {
    for (const b of withAcc) {
      if (a === b || key(a) !== key(b) || (a.mode ?? "") >= (b.mode ?? "")) continue;
      if (a.image?.tag !== b.image?.tag || nightOf(a) !== nightOf(b)) continue;
      // The option is a real change that night when it moved one side off its series' level.
      const margin = Math.max(marginOf.get(seriesOf(a))!, marginOf.get(seriesOf(b))!);
      const real = (offOf.get(a) || offOf.get(b)) && Math.abs(levelOf(b) - levelOf(a)) > margin;
      const cell = gsmCell(gsm8kOnly(a, 0), gsm8kOnly(b, 0, a));
      if (real)
        bump(
          "GSM8K real accuracy change, same image & night, other option",
          "engine, no history",
          cell,
          levelOf(b) < levelOf(a) ? "regressed" : "improved",
        );
      else bump("GSM8K A/A same image & night, other option", "engine, no history", cell);
    }
  }
}
