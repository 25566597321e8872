/**
 * What a layout of launches buys between launches, as measured by `npm run bench:verdicts` on the
 * real nightlies (DeepSeek-V3 on MI300X, Grok-2 on MI355X; prior only, out of sample; docs/verdicts.md
 * "Session 12"): the share of unchanged cells flagged 🔴/🟢 and of ×1.10 latency / ×0.90 throughput
 * cells caught (run-level P99 cells left out: request-level data covers tails). `sglbench plan`
 * prints the row of the layout it plans, so the cost and what it buys sit side by side.
 */

/** A/A flagged and ×1.10 caught, in %. */
export interface LayoutRates {
  falseAlarms: number;
  caught: number;
}

/** Layout → rates: `m+p` = m launches of main all before p of the PR (a reused nightly and its companions), `mip` = interleaved. */
const MEASURED: Record<string, LayoutRates> = {
  "1+1": { falseAlarms: 1.0, caught: 76.1 },
  "1+2": { falseAlarms: 0.9, caught: 89.2 },
  // An earlier request's kept main (two launches) and the PR's two after it (session 15).
  "2+2": { falseAlarms: 0.5, caught: 97.4 },
  "3+1": { falseAlarms: 0.4, caught: 91.9 },
  "3+2": { falseAlarms: 0.4, caught: 96.7 },
  "2i2": { falseAlarms: 0.2, caught: 98.1 },
  "3i3": { falseAlarms: 0.0, caught: 99.1 },
};

/** The measured rates of a layout, when it was measured. */
export function layoutRates(main: number, pr: number, interleaved: boolean): LayoutRates | undefined {
  return MEASURED[interleaved && main >= 2 && pr >= 2 ? `${main}i${pr}` : `${main}+${pr}`];
}

/** `measured on the real nightlies: 0.4 % of unchanged cells flagged, 97 % of ×1.10 caught`, or "". */
export function describeLayout(main: number, pr: number, interleaved: boolean): string {
  const r = layoutRates(main, pr, interleaved);
  if (!r) return "";
  const where = main === 1 && pr === 1 ? "one a side" : interleaved ? "interleaved" : "main's before the PR's";
  return `${main} + ${pr} launches (${where}) on the real online nightlies: ${r.falseAlarms.toFixed(1)} % of unchanged cells flagged, ${Math.round(r.caught)} % of ×1.10 caught (P99 aside)`;
}
