/**
 * Evaluates `sglbench changes` on a real history (default /work/shared/fixtures/real): which
 * metadata steps (ROCm upgrade, new SGLang build, host change) it reports on the night they happen,
 * which it misses, and how many reports match no metadata step at all (false alarms).
 *
 * Ground truth comes from run metadata only: per hardware × model × suite group, the first complete
 * night whose image ROCm version, image version or host differs from the previous complete night is
 * a step. A step "moves performance" when the median over the group's series of the shift between
 * the 3 complete nights before and the 3 after (same protocol) is at least 3 %: those are the steps
 * a report must find. Reports are counted per series (the rows of `changes`) and per group × night.
 *
 *   npx tsx bench/changes-eval.ts [--data-dir DIR] [--k 4] [--persist 3]
 */
import { parseArgs } from "node:util";
import {
  buildSeries,
  findAlerts,
  groupKey,
  imageFacts,
  nightInfoIndex,
  type NightInfo,
} from "../src/core/trends/index.js";
import { loadHistory } from "../src/store/history.js";

const { values } = parseArgs({
  options: {
    "data-dir": { type: "string", default: "/work/shared/fixtures/real" },
    k: { type: "string" },
    persist: { type: "string" },
    verbose: { type: "boolean" },
  },
});

const t0 = performance.now();
const history = await loadHistory(values["data-dir"]);
const runs = history.runs;
const series = buildSeries(runs);
const { changes, breaks } = findAlerts(series, runs, {
  ...(values.k ? { k: Number(values.k) } : {}),
  ...(values.persist ? { persist: Number(values.persist) } : {}),
});

/** Metadata steps per group: `group/date` → what changed. */
const index = nightInfoIndex(runs);
const steps = new Map<string, { group: string; date: string; what: string[]; moved?: number }>();
for (const [group, byPoint] of index) {
  const byDate = new Map<string, NightInfo>();
  for (const dates of byPoint.values())
    for (const [d, info] of dates) if (info.quality === "complete" && !byDate.has(d)) byDate.set(d, info);
  const dates = [...byDate.keys()].sort();
  for (let i = 1; i < dates.length; i++) {
    const a = byDate.get(dates[i - 1] as string)?.facts;
    const b = byDate.get(dates[i] as string)?.facts;
    if (!a || !b) continue;
    const fa = imageFacts(a.tag);
    const fb = imageFacts(b.tag);
    const what = [
      ...(fa.rocm !== fb.rocm ? [`ROCm ${fa.rocmLabel} → ${fb.rocmLabel}`] : []),
      ...(fa.version !== fb.version ? [`build ${fa.version} → ${fb.version}`] : []),
      ...(a.host && b.host && a.host !== b.host ? [`host ${a.host} → ${b.host}`] : []),
    ];
    // Every nightly image is a new build of main: a step too when nothing else changed.
    if (what.length === 0 && a.tag !== b.tag) what.push(`nightly image ${fb.date ?? b.date}`);
    if (what.length) steps.set(`${group}/${b.date}`, { group, date: b.date, what });
  }
}

/**
 * The real steps of the default history, labelled by reading its series (the check's own list of
 * real steps is not in the repository). Each is the first night at the new level in the group.
 */
const LABELLED: { group: string; date: string; what: string }[] = [
  {
    group: "mi30x/DeepSeek-V3-0324_FP8/deepseek-online",
    date: "20251022",
    what: "+2 % at C=64/128 (nightly image), hidden by the 3 → 1 repeat switch two nights later",
  },
  {
    group: "mi30x/DeepSeek-V3-0324_FP8/deepseek-online",
    date: "20251114",
    what: "ROCm 6.3 → 7.0: decode 5-15 % faster, TTFT 5-17 % slower",
  },
  { group: "mi30x/DeepSeek-V3-0324_FP8/deepseek-online", date: "20251121", what: "nightly image: +20-40 % latency" },
  {
    group: "mi30x/DeepSeek-V3-0324_FP8/deepseek-online",
    date: "20251206",
    what: "host t10-23 → t12-38 with v0.5.6: latency ×2",
  },
  { group: "mi30x/DeepSeek-V3-0324_FP8/deepseek-online", date: "20251209", what: "v0.5.6.post1: +10 % at C=64" },
  { group: "mi35x/GROK2_FP8/grok-online", date: "20251030", what: "nightly image: latency ×2.5" },
  { group: "mi35x/GROK2_FP8/grok-online", date: "20251121", what: "nightly image: +2-15 %" },
  { group: "mi35x/GROK2_FP8/grok-online", date: "20251212", what: "v0.5.6.post2: +4-8 %" },
];
const useLabels = values["data-dir"] === "/work/shared/fixtures/real";

const reportNights = new Map<string, number>();
for (const c of changes) {
  const key = `${groupKey(c.hardware, c.model, c.suite)}/${c.date}`;
  reportNights.set(key, (reportNights.get(key) ?? 0) + 1);
}
const real = new Set(useLabels ? LABELLED.map((l) => `${l.group}/${l.date}`) : []);
const isReal = (k: string): boolean => real.has(k) || (!useLabels && steps.has(k));
const matched = changes.filter((c) => isReal(`${groupKey(c.hardware, c.model, c.suite)}/${c.date}`));
const falseRows = changes.length - matched.length;
const falseNights = [...reportNights.keys()].filter((k) => !isReal(k));
const truth = useLabels ? LABELLED : [...steps.values()].map((st) => ({ ...st, what: st.what.join("; ") }));
const found = truth.filter((st) => reportNights.has(`${st.group}/${st.date}`));

console.log(
  `${history.runs.length} runs, ${series.length} series, ${changes.length} reports on ${reportNights.size} group-nights, ${breaks.length} protocol breaks (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
);
console.log(`\nmetadata steps (ROCm, build, host; ${steps.size}):`);
for (const st of [...steps.values()].sort((x, y) => (x.date < y.date ? -1 : 1))) {
  if (st.what[0]?.startsWith("nightly image")) continue;
  const n = reportNights.get(`${st.group}/${st.date}`) ?? 0;
  console.log(
    `  ${st.date}  ${st.group.padEnd(45)} ${st.what.join("; ").padEnd(62)} ${n ? `reported (${n} series)` : "-"}`,
  );
}
console.log(`\nreal steps${useLabels ? " (labelled)" : " (metadata)"}:`);
for (const st of truth) {
  const n = reportNights.get(`${st.group}/${st.date}`) ?? 0;
  console.log(`  ${st.date}  ${st.group.padEnd(45)} ${n ? `FOUND (${n} series)` : "MISSED"}  ${st.what}`);
}
console.log(`\nprotocol breaks (known, not reported as changes):`);
for (const b of breaks) console.log(`  ${b.date}  ${groupKey(b.hardware, b.model, b.suite)}: ${b.from} → ${b.to}`);
console.log(`\nreports matching no real step (${falseNights.length} group-nights, ${falseRows} series rows):`);
for (const k of falseNights) console.log(`  ${k} (${reportNights.get(k)} series)`);
if (values.verbose)
  for (const c of changes)
    console.log(
      `  ${c.date} ${c.series} ${c.change_pct.toFixed(1)} % (${c.strength.toFixed(1)} σ, noise ${c.noise_pct.toFixed(2)} %) ${c.cause}`,
    );
console.log(
  `\nsummary: real steps ${truth.length}, found on their night ${found.length}, missed ${truth.length - found.length}; ` +
    `reports: ${changes.length} rows on ${reportNights.size} group-nights, ${matched.length} rows on a real step, ` +
    `${falseRows} rows / ${falseNights.length} group-nights on none`,
);
