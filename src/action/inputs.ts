/** The Action's inputs, validated at the edge with zod so a bad value fails with a fix-it hint. */
import { z } from "zod";
import { parseEnvAssignments } from "../pipeline/compare-pr-job.js";

const csv = (allowed: readonly string[]) =>
  z
    .string()
    .transform((s) =>
      s
        .split(",")
        .map((x) => x.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(allowed as [string, ...string[]])).min(1));

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
    models: csv(["grok", "deepseek"]),
    benchmarkTypes: csv(["offline", "online"]),
    // Offline modes; empty = normal only.
    modes: z
      .string()
      .transform((s) =>
        s
          .split(",")
          .map((x) => x.trim().toLowerCase())
          .filter(Boolean),
      )
      .pipe(z.array(z.enum(["normal", "long_context", "dummy"]))),
    repeats: z.coerce.number().int().min(1).max(20),
    baseline: z.enum(["nightly", "rerun"]),
    mainImage: z.string(),
    prImage: z.string(),
    skipBuild: z.enum(["true", "false", ""]).transform((s) => s === "true"),
    baseImage: z.string().min(1),
    workDir: z.string().min(1),
    historyDir: z.string(),
    outputDir: z.string().min(1),
    executor: z.enum(["docker", "local"]),
    mainEnv: envLines,
    prEnv: envLines,
    baseSha: z.string().regex(/^[0-9a-fA-F]{0,40}$/, "base-sha must be a commit SHA"),
    headSha: z.string().regex(/^[0-9a-fA-F]{0,40}$/, "head-sha must be a commit SHA"),
    artifactName: z.string().regex(/^[\w.-]+$/, "artifact-name may use letters, digits, . _ -"),
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

export type ActionInputs = z.infer<typeof ActionInputsSchema>;

/** Defaults mirror action.yml so the entry also works when run outside the Actions runner. */
export const INPUT_DEFAULTS: Record<string, string> = {
  command: "compare-pr",
  pr: "",
  repo: "sgl-project/sglang",
  models: "grok,deepseek",
  "benchmark-types": "offline,online",
  modes: "",
  repeats: "3",
  baseline: "nightly",
  "main-image": "",
  "pr-image": "",
  "skip-build": "false",
  "base-image": "rocm/sgl-dev:vllm20250114",
  "work-dir": ".",
  "history-dir": "",
  "output-dir": "comparison_results",
  executor: "docker",
  "main-env": "",
  "pr-env": "",
  "base-sha": "",
  "head-sha": "",
  "artifact-name": "sglbench-report",
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
    models: get("models"),
    benchmarkTypes: get("benchmark-types"),
    modes: get("modes"),
    repeats: get("repeats"),
    baseline: get("baseline"),
    mainImage: get("main-image"),
    prImage: get("pr-image"),
    skipBuild: get("skip-build"),
    baseImage: get("base-image"),
    workDir: get("work-dir"),
    historyDir: get("history-dir"),
    outputDir: get("output-dir"),
    executor: get("executor"),
    mainEnv: get("main-env"),
    prEnv: get("pr-env"),
    baseSha: get("base-sha"),
    headSha: get("head-sha"),
    artifactName: get("artifact-name"),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `input '${i.path.join(".")}': ${i.message}`).join("; ");
    throw new Error(
      `Invalid action inputs: ${problems}. Fix the 'with:' block of the sglbench step (see docs/action.md).`,
    );
  }
  return parsed.data;
}
