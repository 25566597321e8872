/** `sglbench plan`: what a compare-pr request will run and what it costs. Wiring only. */
import { EXIT, parseFlags, type CliIO } from "../io.js";
import { loadCatalogue } from "../../core/catalogue/index.js";
import {
  hardwareName,
  KNOWN_HARDWARE,
  normalizeHardware,
  planSuitesFor,
  planRequest,
  renderPlan,
  UNKNOWN_MERGE_BASE,
  type HistoryRun,
  type PlanRequest,
} from "../../core/plan/index.js";
import { REQUEST_FLAGS, REQUEST_FLAGS_USAGE, requestFromFlags } from "../request-flags.js";
import { loadHistory } from "../../pipeline/compare-pr-job.js";
import { loadMainRuns } from "../../pipeline/main-runs.js";
import { planHistory, timingsFromHistory } from "../../pipeline/baseline.js";
import { resolve } from "node:path";
import { errorMessage } from "../../core/util/index.js";

export const summary = "Show what a request will run and its GPU-minutes";

const USAGE = `Usage: sglbench plan --pr=N [--models=…] [--types=…] [--modes=…] [--repeats=N] [--baseline=…]
       [--merge-base=SHA] [--fresh-baseline] [--skip-build] [--history-dir=DIR] [--main-runs-dir=DIR]
       [--hardware=mi300x]
       [--suites-file=FILE]
${REQUEST_FLAGS_USAGE}
  --merge-base=SHA          the merge base's commit (not known without it: no stored run stands in for main)
  --hardware=H              ${KNOWN_HARDWARE.join(", ")} (default mi300x; mi30x, mi35x mean the same)
  --suites-file=FILE        more models/suites (catalogue YAML, docs/catalogue.md): points and timings from it
  --history-dir=DIR         past runs: fresh merge-base baselines, per-point noise and timings, from the
                            runs of each suite's model and serving set-up on --hardware only
  --main-runs-dir=DIR       main's runs kept by earlier requests (compare-pr --main-runs-dir): with
                            --merge-base, a fresh one is reused as compare-pr would (its image built)
  --fresh-baseline          what-if: a fresh run of the merge base exists (main kept by an earlier
                            request, or a nightly of sglbench's main build), so main's image is built
                            already, with the typical noise of the real MI300X nightlies (fewer PR
                            repeats where noise is low; on other hardware no typical noise is known)
Defaults follow the /benchmark defaults; the flags are checked like a /benchmark comment's keys.
`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseFlags(
    "plan",
    USAGE,
    argv,
    {
      ...REQUEST_FLAGS,
      "merge-base": { type: "string" },
      "fresh-baseline": { type: "boolean", default: false },
      hardware: { type: "string", default: "mi300x" },
      "suites-file": { type: "string" },
      "main-runs-dir": { type: "string" },
    },
    io,
  );
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const asked = requestFromFlags(values);
  if (!asked.ok) return parsed.usage(asked.problems.join("; "));
  const mergeBase = values["merge-base"]?.trim();
  if (mergeBase && !/^[0-9a-f]{7,40}$/i.test(mergeBase))
    return parsed.usage(`--merge-base=${mergeBase} is not a commit SHA (7–40 hex digits)`);
  const hardware = normalizeHardware(values.hardware.trim());
  if (!KNOWN_HARDWARE.includes(hardware))
    return parsed.usage(
      `--hardware=${values.hardware} is not a known hardware (known: ${KNOWN_HARDWARE.join(", ")}; mi30x, mi35x mean the same)`,
    );
  const request: PlanRequest = {
    pr: asked.pr,
    ...asked.request,
    repeatsFrom: values.repeats === undefined ? "default" : "asked",
    mergeBaseCommit: values["merge-base"]?.trim() || UNKNOWN_MERGE_BASE,
    configHash: "default",
    hardware,
    backend: "",
    maxBaselineAgeHours: 36,
    buildMinutes: values["skip-build"] ? 0 : 60,
    mainImageExists: values["fresh-baseline"],
  };
  let catalogue;
  try {
    catalogue = planSuitesFor(
      loadCatalogue(values["suites-file"] ? [resolve(io.cwd, values["suites-file"])] : []).suites,
      hardware,
    );
  } catch (error: unknown) {
    io.stderr(`sglbench plan: ${errorMessage(error)}\n`);
    return EXIT.usage;
  }
  const history: HistoryRun[] = values["fresh-baseline"]
    ? catalogue.map((suite) => ({
        suiteId: suite.id,
        imageCommit: request.mergeBaseCommit,
        configHash: request.configHash,
        hardware: request.hardware,
        backend: "",
        ageHours: 6,
      }))
    : [];
  let timings = {};
  if (values["history-dir"]) {
    const now = new Date();
    let runs;
    try {
      runs = await loadHistory(resolve(io.cwd, values["history-dir"]), (line) => io.stderr(`${line}\n`));
    } catch (error: unknown) {
      io.stderr(`sglbench plan: ${errorMessage(error)}\n`);
      return EXIT.unreadable;
    }
    if (runs.length === 0) {
      io.stderr(`sglbench plan: no readable run under the history folder ${values["history-dir"]}\n`);
      return EXIT.unreadable;
    }
    // Only runs of a catalogue suite's own model and serving set-up on this hardware count for it.
    const usable = planHistory(runs, catalogue, request, now);
    // The what-if nightly measures what the series' newest nightly measured (its anchor must be one).
    for (const fresh of history) {
      const newest = usable.history
        .filter((h) => h.suiteId === fresh.suiteId && h.measuredPoints?.length)
        .sort((a, b) => a.ageHours - b.ageHours)[0];
      if (newest) fresh.measuredPoints = newest.measuredPoints;
    }
    history.push(...usable.history);
    timings = timingsFromHistory(usable.runs, now);
    const others = runs.length - usable.runs.length;
    io.stdout(
      `History: ${runs.length} runs from ${values["history-dir"]}; ${usable.runs.length} measured a suite of the catalogue on ${hardwareName(hardware)}${others ? ` (${others} left out: another model, serving variant or hardware)` : ""}\n`,
    );
  }

  if (values["main-runs-dir"] && mergeBase) {
    const now = new Date();
    const kept = await loadMainRuns(
      resolve(io.cwd, values["main-runs-dir"]),
      mergeBase,
      { now, maxAgeHours: request.maxBaselineAgeHours },
      (line) => io.stderr(`${line}\n`),
    );
    // As compare-pr: a baseline candidate, no noise history; the request that kept it built main's image.
    // A kept run that names no hardware is this node's (compare-pr keeps it so).
    const ours = kept.map((run) => (run.hardware ? run : { ...run, hardware: request.hardware }));
    const usable = planHistory(ours, catalogue, request, now).history.map(({ noisePct: _noise, ...h }) => h);
    history.push(...usable);
    if (usable.length) request.mainImageExists = true;
    io.stdout(`Main's runs of earlier requests on ${mergeBase.slice(0, 12)}: ${usable.length}\n`);
  }

  try {
    const text = renderPlan(
      planRequest(request, history, { timings, catalogue, assumeTypicalNoise: values["fresh-baseline"] }),
      request,
    );
    // The what-if says so where the merge base is named: it is assumed, not found.
    io.stdout(
      values["fresh-baseline"]
        ? text.replace(/^(Plan for PR #\d+ \()[^)]*\)/, "$1what-if: a fresh run of the merge base, its image built)")
        : text,
    );
    return EXIT.ok;
  } catch (error: unknown) {
    io.stderr(`sglbench plan: ${errorMessage(error)}\n`);
    return EXIT.usage;
  }
}
