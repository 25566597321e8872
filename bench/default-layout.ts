/**
 * The launches the default request gives each point of a nightly's suite, as `sglbench plan --pr=N
 * --fresh-baseline` lays them out: main = the reused nightly (+ up to 2 earlier nightlies of its
 * regime), the PR in one or two launches per point (its repeats from typical noise, second launches
 * within the ≤ 50 % cost goal). bench/verdicts-launch.ts judges the real nightlies in that layout, so
 * the goal "×1.10 between launches" is measured on what a PR comparison really runs.
 */
import { SUITES } from "../src/core/catalogue/index.js";
import {
  normalizeHardware,
  planRequest,
  planSuiteForRun,
  planSuitesFor,
  type HistoryRun,
  type PlanRequest,
} from "../src/core/plan/index.js";
import type { RunResults } from "../src/core/results/index.js";
import { DEFAULT_REQUEST } from "../src/core/request/index.js";

/** Main's launches (a reused nightly and the earlier nightlies of its regime) and the PR's per point. */
export interface DefaultLayout {
  suiteId: string;
  main: number;
  prLaunches: Map<string, number>;
  /** The point compare-pr re-measures on main before it trusts the reused nightly. */
  anchorPoint: string;
}

/** The nightly companions compare-pr joins to a reused nightly as more launches of main (regimeCompanions). */
const MAIN_LAUNCHES = 3;

/** The default request's layout for a run's suite on its hardware; undefined when no suite matches. */
export function defaultRequestLayout(run: RunResults): DefaultLayout | undefined {
  const hardware = normalizeHardware(run.hardware);
  const catalogue = planSuitesFor(SUITES, hardware);
  const suite = planSuiteForRun(run, catalogue);
  if (!suite) return undefined;
  const request: PlanRequest = {
    pr: 1,
    ...DEFAULT_REQUEST,
    models: [suite.model],
    types: [suite.kind],
    repeatsFrom: "default",
    mergeBaseCommit: "0".repeat(40),
    configHash: "default",
    hardware,
    backend: "",
    maxBaselineAgeHours: 36,
    buildMinutes: 60,
    mainImageExists: true,
  };
  // The suites of one request share its cost budget: plan the default request (or, for a model it
  // leaves out, e.g. grok2, `/benchmark models=<it>`) as a whole and read this suite.
  const models = (DEFAULT_REQUEST.models as readonly string[]).includes(suite.model)
    ? [...DEFAULT_REQUEST.models]
    : [suite.model];
  const all = { ...request, models, types: [...DEFAULT_REQUEST.types] };
  const fresh: HistoryRun[] = catalogue.map((s) => ({
    suiteId: s.id,
    imageCommit: request.mergeBaseCommit,
    configHash: request.configHash,
    hardware,
    backend: "",
    ageHours: 6,
  }));
  const plan = planRequest(all, fresh, { catalogue, assumeTypicalNoise: true });
  const planned = plan.suites.find((s) => s.suiteId === suite.id);
  if (!planned || planned.main.action !== "reuse") return undefined;
  const prLaunches = new Map(planned.layouts.flatMap((l) => l.points.map((p) => [p, l.pr] as const)));
  return { suiteId: suite.id, main: MAIN_LAUNCHES, prLaunches, anchorPoint: planned.main.anchorPoint };
}
