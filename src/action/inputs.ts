/** The Action's inputs, validated at the edge with zod so a bad value fails with a fix-it hint. */
import { z } from "zod";
import { parseEnvAssignments } from "../pipeline/compare-pr-job.js";
import { parseTimeouts } from "../runner/run-suite.js";
import { DEFAULT_REQUEST, parseRequestFields, type BenchmarkRequest } from "../core/request/index.js";
import { parseVerdictSettings, type VerdictSettings } from "../core/verdict/index.js";
import { comparisonHardware, folderHardware, KNOWN_HARDWARE } from "../core/plan/index.js";

/** `KEY=VALUE` per line or comma-separated → record; a bad entry is named. */
const envLines = z.string().transform((text, ctx) => {
  const { env, problems } = parseEnvAssignments(text);
  for (const message of problems) ctx.addIssue({ code: "custom", message });
  return env;
});

export const ActionInputsSchema = z
  .object({
    command: z.enum(["compare-pr", "nightly", "suite"]),
    pr: z
      .string()
      .regex(/^\d*$/, "pr must be a pull request number")
      .transform((s) => (s ? Number(s) : undefined)),
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, "repo must be owner/name"),
    mainImage: z.string(),
    prImage: z.string(),
    skipBuild: z.enum(["true", "false", ""]).transform((s) => s === "true"),
    baseImage: z.string().min(1),
    workDir: z.string().min(1),
    historyDir: z.string(),
    mainRunsDir: z.string(),
    outputDir: z.string().min(1),
    executor: z.enum(["docker", "local"]),
    mainEnv: envLines,
    prEnv: envLines,
    baseSha: z.string().regex(/^[0-9a-fA-F]{0,40}$/, "base-sha must be a commit SHA"),
    headSha: z.string().regex(/^[0-9a-fA-F]{0,40}$/, "head-sha must be a commit SHA"),
    artifactName: z.string().regex(/^[\w.-]+$/, "artifact-name may use letters, digits, . _ -"),
    suitesFile: z.string(),
    /** Folder spelling (`mi30x`, `mi35x`) or empty: the main image's tag decides (comparePrHardware). */
    hardware: z.string().transform((text, ctx) => {
      if (!text) return "";
      const folder = folderHardware(text);
      if (!folder)
        ctx.addIssue({ code: "custom", message: `hardware must be ${KNOWN_HARDWARE.join(" or ")}, got "${text}"` });
      return folder ?? "";
    }),
    timeouts: z.string().transform((text, ctx) => {
      const { timeouts, problems } = parseTimeouts(text);
      for (const message of problems) ctx.addIssue({ code: "custom", message });
      return timeouts;
    }),
  })
  .superRefine((v, ctx) => {
    if (v.command === "compare-pr" && v.pr === undefined) {
      ctx.addIssue({ code: "custom", path: ["pr"], message: "compare-pr needs the input 'pr' (e.g. pr: 1234)" });
    }
    if (v.skipBuild && (!v.mainImage || !v.prImage)) {
      ctx.addIssue({
        code: "custom",
        path: ["skipBuild"],
        message: "skip-build needs both 'main-image' and 'pr-image'",
      });
    }
  });

/** The request fields (models, types, modes, repeats, baseline) are parsed like a comment's or the CLI's. */
export type ActionInputs = z.infer<typeof ActionInputsSchema> &
  BenchmarkRequest & {
    /** compare-pr: what the inputs changed of the verdict rule. */
    verdictSettings?: VerdictSettings;
  };

/** Defaults mirror action.yml so the entry also works when run outside the Actions runner. */
export const INPUT_DEFAULTS: Record<string, string> = {
  command: "compare-pr",
  pr: "",
  repo: "sgl-project/sglang",
  models: DEFAULT_REQUEST.models.join(","),
  types: DEFAULT_REQUEST.types.join(","),
  modes: DEFAULT_REQUEST.modes.join(","),
  repeats: String(DEFAULT_REQUEST.repeats),
  baseline: DEFAULT_REQUEST.baseline,
  "main-image": "",
  "pr-image": "",
  "skip-build": "false",
  "base-image": "rocm/sgl-dev:vllm20250114",
  "work-dir": ".",
  "history-dir": "",
  "main-runs-dir": "",
  "output-dir": "comparison_results",
  executor: "docker",
  "main-env": "",
  "pr-env": "",
  "base-sha": "",
  "head-sha": "",
  "artifact-name": "sglbench-report",
  timeouts: "",
  "suites-file": "",
  hardware: "",
  "performance-threshold": "",
  "false-discovery-rate": "",
};

/** Reads `INPUT_<NAME>` the way @actions/core does (spaces → _, upper case), falling back to defaults. */
export function readActionInputs(env: NodeJS.ProcessEnv): ActionInputs {
  const get = (name: string): string => {
    const raw = env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`];
    return (raw ?? "").trim() || (INPUT_DEFAULTS[name] ?? "");
  };
  const parsed = ActionInputsSchema.safeParse({
    command: get("command"),
    pr: get("pr"),
    repo: get("repo"),
    mainImage: get("main-image"),
    prImage: get("pr-image"),
    skipBuild: get("skip-build"),
    baseImage: get("base-image"),
    workDir: get("work-dir"),
    historyDir: get("history-dir"),
    mainRunsDir: get("main-runs-dir"),
    outputDir: get("output-dir"),
    executor: get("executor"),
    mainEnv: get("main-env"),
    prEnv: get("pr-env"),
    baseSha: get("base-sha"),
    headSha: get("head-sha"),
    artifactName: get("artifact-name"),
    timeouts: get("timeouts"),
    suitesFile: get("suites-file"),
    hardware: get("hardware"),
  });
  const request = parseRequestFields({
    models: get("models"),
    types: get("types"),
    modes: get("modes"),
    repeats: get("repeats"),
    baseline: get("baseline"),
  });
  const verdict = parseVerdictSettings(
    { performanceThreshold: get("performance-threshold"), falseDiscoveryRate: get("false-discovery-rate") },
    { performanceThreshold: "input 'performance-threshold'", falseDiscoveryRate: "input 'false-discovery-rate'" },
  );
  const problems = [
    ...(request.ok ? [] : request.problems),
    ...verdict.problems,
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `input '${i.path.join(".")}': ${i.message}`)),
  ];
  // The original toolkit's name is not an input here; say so instead of silently running both types.
  if (env["INPUT_BENCHMARK-TYPES"]?.trim()) problems.push("input 'benchmark-types' is now called 'types'");
  if (!request.ok || !parsed.success || problems.length > 0) {
    throw new Error(
      `Invalid action inputs: ${problems.join("; ")}. Fix the 'with:' block of the sglbench step (see docs/action.md).`,
    );
  }
  return { ...parsed.data, ...request.request, verdictSettings: verdict.settings };
}

/** The GPUs a compare-pr runs on: the input, else what the main image's tag names (`…-mi35x-…`). */
export function comparePrHardware(inputs: Pick<ActionInputs, "hardware" | "mainImage">): string | undefined {
  return comparisonHardware(inputs.hardware, inputs.mainImage);
}

/** `{ hardware }` when known, to spread into an options object (absent otherwise). */
export const hardwareOption = (hardware: string | undefined): { hardware?: string } => (hardware ? { hardware } : {});
