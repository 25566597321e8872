/**
 * Schema and defaults of the App's per-repository config, `.github/sglbench.yml` (pure, zod).
 *
 * Every key is optional; a missing key takes the default documented on it. Unknown keys
 * are rejected so a typo is reported instead of silently ignored.
 */
import { z } from "zod";
import { benchmarkRequestSchema, DEFAULT_REQUEST } from "./request-fields.js";

/** Gate policies: how the check run's conclusion follows from the report. */
export const GATE_POLICIES = ["fail-on-regression", "neutral", "fail-on-any-failure"] as const;
export type GatePolicy = (typeof GATE_POLICIES)[number];

const PERMISSIONS = ["read", "triage", "write", "maintain", "admin"] as const;

const triggersSchema = z.strictObject({
  /** Logins allowed to run `/benchmark` regardless of their repository permission. Default `[]`. */
  allowed_users: z.array(z.string().min(1)).default([]),
  /** Lowest repository permission that may run `/benchmark` and `/benchmark approve`. Default `"write"`. */
  min_permission: z.enum(PERMISSIONS).default("write"),
});

const autoRunSchema = z.strictObject({
  /** Run automatically on `pull_request` opened/synchronize/reopened/labeled. Default `false`. */
  enabled: z.boolean().default(false),
  /** Only auto-run PRs carrying at least one of these labels; `[]` = no label needed. Default `[]`. */
  labels: z.array(z.string().min(1)).default([]),
  /** Only auto-run when a changed file starts with one of these path prefixes; `[]` = any change. Default `[]`. */
  paths: z.array(z.string().min(1)).default([]),
  /**
   * Fork PRs: `"require-approval"` = run only after a writer's `/benchmark approve` for that head SHA;
   * `"never"` = never run fork PRs. Default `"require-approval"`.
   */
  forks: z.enum(["require-approval", "never"]).default("require-approval"),
});

const workflowSchema = z.strictObject({
  /** Workflow file name (in `.github/workflows/`) that runs the benchmark. Default `"benchmark.yml"`. */
  file: z.string().min(1).default("benchmark.yml"),
  /** Repository holding the workflow, as `owner/name`; absent = the PR's own repository. */
  repo: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/, "expected owner/name")
    .optional(),
  /** Git ref the workflow is dispatched on. Default `"main"`. */
  ref: z.string().min(1).default("main"),
});

const request = benchmarkRequestSchema.shape;
// The request's own field schemas, so a config default is checked exactly like a /benchmark key.
const defaultsSchema = z.strictObject({
  /** Models run when a command omits `models=`. Default `["grok", "deepseek"]`. */
  models: request.models.default([...DEFAULT_REQUEST.models]),
  /** Suites run when a command omits `types=`. Default `["offline", "online"]`. */
  types: request.types.default([...DEFAULT_REQUEST.types]),
  /** Modes run when a command omits `modes=`. Default `["normal"]`. */
  modes: request.modes.default([...DEFAULT_REQUEST.modes]),
  /** Repeats per point when a command omits `repeats=`. Default `3`. */
  repeats: request.repeats.default(DEFAULT_REQUEST.repeats),
  /** Baseline when a command omits `baseline=`: `nightly` image or a `rerun` of main. Default `"nightly"`. */
  baseline: request.baseline.default(DEFAULT_REQUEST.baseline),
});

const gateSchema = z.strictObject({
  /**
   * How the check run concludes. Default `"fail-on-regression"`:
   * - `fail-on-regression`: failure on any 🔴 regression; neutral if points failed to run; else success.
   * - `fail-on-any-failure`: failure on any regression or failed point; else success.
   * - `neutral`: always neutral (informational only).
   * Whatever the policy, a report that cannot back a verdict (report.md or results.json missing or
   * invalid, every point failed, nothing measured) fails: see `artifactConclusion` (src/app/report-gate.ts).
   */
  policy: z.enum(GATE_POLICIES).default("fail-on-regression"),
});

/** The whole `.github/sglbench.yml`. `prefault({})` parses nested defaults when a section is absent. */
export const appConfigSchema = z.strictObject({
  /** Who may trigger runs. */
  triggers: triggersSchema.prefault({}),
  /** Automatic runs on pull_request events. */
  auto_run: autoRunSchema.prefault({}),
  /** Which workflow is dispatched. */
  workflow: workflowSchema.prefault({}),
  /** Defaults for `/benchmark` keys. */
  defaults: defaultsSchema.prefault({}),
  /** Check-run conclusion policy. */
  gate: gateSchema.prefault({}),
  /** Minimum minutes between two automatic runs on the same PR (commands are not limited). Default `10`. */
  cooldown_minutes: z.number().min(0).default(10),
});

export type AppConfig = z.infer<typeof appConfigSchema>;

/** The config used when the repository has no `.github/sglbench.yml`. */
export const DEFAULT_APP_CONFIG: AppConfig = appConfigSchema.parse({});

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length > 0 ? issue.path.map(String).join(".") : "(root)";
  switch (issue.code) {
    case "invalid_type":
      return `${path}: expected ${issue.expected}`;
    case "unrecognized_keys":
      return `${path}: unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    case "invalid_value":
      return `${path}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return `${path}: ${issue.message}`;
  }
}

/**
 * Validate a parsed `.github/sglbench.yml` (`null`/`undefined` = file absent → defaults).
 * Errors name the offending path, e.g. `auto_run.labels: expected array`.
 */
export function parseAppConfig(raw: unknown): { ok: true; config: AppConfig } | { ok: false; errors: string[] } {
  // The runner is chosen by the admins in benchmark.yml, never by a dispatch input the App fills.
  if (typeof raw === "object" && raw !== null && "runner" in raw)
    return {
      ok: false,
      errors: [
        "runner: the runner labels moved to the SGLBENCH_RUNNER_LABELS repository or organisation variable (a JSON array read by benchmark.yml); remove `runner:` from this file",
      ],
    };
  const result = appConfigSchema.safeParse(raw ?? {});
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, errors: result.error.issues.map(describeIssue) };
}

/** Counts from a finished report that the gate needs. */
export interface GateSummary {
  /** Points with a 🔴 regression verdict. */
  regressed: number;
  /** Points (or jobs) that failed to produce a result. */
  failed: number;
  [other: string]: unknown;
}

/** Check-run conclusion for a finished report under a gate policy (see {@link gateSchema}). */
export function gateConclusion(summary: GateSummary, policy: GatePolicy): "success" | "failure" | "neutral" {
  if (policy === "neutral") return "neutral";
  if (summary.regressed > 0) return "failure";
  if (summary.failed > 0) return policy === "fail-on-any-failure" ? "failure" : "neutral";
  return "success";
}
