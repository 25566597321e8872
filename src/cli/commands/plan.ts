/** `sglbench plan`: what a compare-pr request will run and what it costs. Wiring only. */
import { EXIT, parseFlags, type CliIO } from "../io.js";
import { loadCatalogue } from "../../core/catalogue/index.js";
import {
  DEFAULT_PLAN_SUITES,
  planSuiteFrom,
  planRequest,
  renderPlan,
  type HistoryRun,
  type PlanRequest,
} from "../../core/plan/index.js";
import { REQUEST_FLAGS, REQUEST_FLAGS_USAGE, requestFromFlags } from "../request-flags.js";
import { loadHistory } from "../../pipeline/compare-pr-job.js";
import { timingsFromHistory, toHistoryRun } from "../../pipeline/baseline.js";
import { resolve } from "node:path";
import { errorMessage } from "../../core/util/index.js";

export const summary = "Show what a request will run and its GPU-minutes";

const USAGE = `Usage: sglbench plan --pr=N [--models=…] [--types=…] [--modes=…] [--repeats=N] [--baseline=…]
       [--merge-base=SHA] [--fresh-baseline] [--skip-build] [--history-dir=DIR] [--hardware=mi300x]
       [--suites-file=FILE]
${REQUEST_FLAGS_USAGE}
  --suites-file=FILE        more models/suites (catalogue YAML, docs/catalogue.md): points and timings from it
  --history-dir=DIR         past runs: fresh merge-base baselines, per-point noise and timings
  --fresh-baseline          what-if: the history holds a fresh nightly run of the merge base, with the
                            typical noise of the real MI300X nightlies (fewer PR repeats where noise is low)
Defaults follow the /benchmark defaults; the flags are checked like a /benchmark comment's keys.
`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseFlags(
    "plan",
    USAGE,
    argv,
    {
      ...REQUEST_FLAGS,
      "merge-base": { type: "string", default: "HEAD" },
      "fresh-baseline": { type: "boolean", default: false },
      hardware: { type: "string", default: "mi300x" },
      "suites-file": { type: "string" },
    },
    io,
  );
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const asked = requestFromFlags(values);
  if (!asked.ok) return parsed.usage(asked.problems.join("; "));
  const request: PlanRequest = {
    pr: asked.pr,
    ...asked.request,
    mergeBaseCommit: values["merge-base"],
    configHash: "default",
    hardware: values.hardware,
    backend: "",
    maxBaselineAgeHours: 36,
    buildMinutes: values["skip-build"] ? 0 : 60,
    mainImageExists: values["fresh-baseline"],
  };
  let catalogue = DEFAULT_PLAN_SUITES;
  if (values["suites-file"]) {
    try {
      catalogue = loadCatalogue([resolve(io.cwd, values["suites-file"])])
        .suites.filter((s) => !s.variantKey)
        .map(planSuiteFrom);
    } catch (error: unknown) {
      io.stderr(`sglbench plan: ${errorMessage(error)}\n`);
      return EXIT.usage;
    }
  }
  const history: HistoryRun[] = values["fresh-baseline"]
    ? catalogue.map((suite) => ({
        suiteId: suite.id,
        imageCommit: request.mergeBaseCommit,
        configHash: "default",
        hardware: request.hardware,
        backend: "",
        ageHours: 6,
      }))
    : [];
  let timings = {};
  if (values["history-dir"]) {
    const now = new Date();
    try {
      const runs = await loadHistory(resolve(io.cwd, values["history-dir"]), (line) => io.stderr(`${line}\n`));
      history.push(...runs.map((run) => ({ ...toHistoryRun(run, now), configHash: "default" })));
      timings = timingsFromHistory(runs, now);
      io.stdout(`History: ${runs.length} runs from ${values["history-dir"]}\n`);
    } catch (error: unknown) {
      io.stderr(`sglbench plan: ${errorMessage(error)}\n`);
      return EXIT.failed;
    }
  }
  try {
    io.stdout(
      renderPlan(
        planRequest(request, history, { timings, catalogue, assumeTypicalNoise: values["fresh-baseline"] }),
        request,
      ),
    );
    return EXIT.ok;
  } catch (error: unknown) {
    io.stderr(`sglbench plan: ${errorMessage(error)}\n`);
    return EXIT.usage;
  }
}
