import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

type Step = { uses?: string; run?: string; with?: Record<string, string | boolean>; id?: string };
type Job = { "runs-on": string | string[]; needs?: string; if?: string; steps: Step[]; strategy?: { matrix: unknown } };
type Workflow = {
  "run-name"?: string;
  on: {
    workflow_dispatch?: { inputs: Record<string, { default?: string; required?: boolean }> };
    push?: unknown;
    pull_request?: unknown;
  };
  permissions: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  jobs: Record<string, Job>;
};
const load = (name: string) =>
  parse(readFileSync(join(import.meta.dirname, "..", "..", ".github", "workflows", name), "utf8")) as Workflow;
const allSteps = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps);
const WORKFLOWS = ["benchmark.yml", "check-dist.yml", "ci.yml", "nightly.yml"];
const RUNNER_LABELS = `\${{ fromJSON(vars.SGLBENCH_RUNNER_LABELS || '["self-hosted","mi300x"]') }}`;

describe("workflows", () => {
  it("benchmark.yml takes the App's inputs, names the run by request id and cancels stale runs per PR", () => {
    const wf = load("benchmark.yml");
    expect(Object.keys(wf.on.workflow_dispatch!.inputs).sort()).toEqual(
      ["baseline", "base_sha", "head_sha", "models", "modes", "pr", "repeats", "request_id", "types"].sort(),
    );
    expect(wf["run-name"]).toContain("${{ inputs.request_id }}");
    // Keyed by repository and PR: a new request for the same PR cancels the stale one, and only that.
    expect(wf.concurrency).toEqual({
      group: "sglbench-${{ github.repository }}-pr-${{ inputs.pr }}",
      "cancel-in-progress": true,
    });
    expect(wf.permissions).toEqual({ contents: "read" });
  });

  it("benchmark.yml runs a matrix of suites on MI300X runners and merges them into sglbench-report", () => {
    const wf = load("benchmark.yml");
    const suite = wf.jobs.suite!;
    // The admins' variable picks the runner (default MI300X); no dispatch input can.
    expect(suite["runs-on"]).toBe(RUNNER_LABELS);
    expect(JSON.parse(/'(\[.*\])'/.exec(RUNNER_LABELS)![1]!)).toEqual(["self-hosted", "mi300x"]);
    expect(JSON.stringify(suite.strategy?.matrix)).toContain("needs.plan.outputs.matrix");
    const action = suite.steps.find((s) => s.uses === "./sglbench")!;
    expect(action.with).toMatchObject({
      command: "compare-pr",
      "base-sha": "${{ inputs.base_sha }}",
      // The approved head: the Action refuses to build anything else.
      "head-sha": "${{ inputs.head_sha }}",
      types: "${{ matrix.type }}",
    });
    expect(action.with).not.toHaveProperty("benchmark-types");
    // The history is read by sglbench only: the PR's writable output folder is elsewhere.
    expect(action.with!["history-dir"]).toBe("/mnt/raid/sglbench/history");
    expect(action.with!["output-dir"]).toMatch(/^\$\{\{ github\.workspace \}\}\/comparison_results\//);
    const prefix = String(action.with!["artifact-name"]).split("$")[0];
    const report = wf.jobs.report!;
    expect(report.if).toContain("!cancelled()");
    const download = report.steps.find((s) => s.uses?.startsWith("actions/download-artifact"))!;
    expect(download.with!.pattern).toBe(`${prefix}*`);
    expect(report.steps.some((s) => s.run?.includes("compare-pr --merge"))).toBe(true);
    const upload = report.steps.find((s) => s.uses?.startsWith("actions/upload-artifact"))!;
    expect(upload.with!.name).toBe("sglbench-report");
    expect(upload.with!.path).toMatch(/report\.md[\s\S]*results\.json/);
  });

  it("no runner is chosen by a dispatch input: self-hosted jobs take the admins' SGLBENCH_RUNNER_LABELS", () => {
    for (const name of WORKFLOWS) {
      for (const [id, job] of Object.entries(load(name).jobs)) {
        const runsOn = JSON.stringify(job["runs-on"]);
        expect([name, id, runsOn]).toEqual([name, id, expect.not.stringContaining("inputs.")]);
        if (runsOn.includes("self-hosted") || runsOn.includes("vars."))
          expect([name, id, job["runs-on"]]).toEqual([name, id, RUNNER_LABELS]);
      }
    }
    expect(load("benchmark.yml").on.workflow_dispatch!.inputs).not.toHaveProperty("runner_labels");
  });

  it("every checkout in every workflow leaves no credentials in .git (persist-credentials: false)", () => {
    let checkouts = 0;
    for (const name of WORKFLOWS) {
      for (const step of allSteps(load(name))) {
        if (!step.uses?.startsWith("actions/checkout@")) continue;
        checkouts++;
        expect([name, step.with?.["persist-credentials"]]).toEqual([name, false]);
      }
    }
    expect(checkouts).toBeGreaterThanOrEqual(7);
  });

  it(".dockerignore lets in only what the Dockerfile copies, never .git or keys", () => {
    const root = join(import.meta.dirname, "..", "..");
    const rules = readFileSync(join(root, ".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    expect(rules[0]).toBe("*");
    expect(rules).toEqual(expect.arrayContaining(["**/.git", "**/*.pem", "**/.env"]));
    const allowed = rules.filter((r) => r.startsWith("!")).map((r) => r.slice(1).replace(/\/$/, ""));
    expect(allowed).not.toContain(".git");
    const copied = readFileSync(join(root, "Dockerfile"), "utf8")
      .split("\n")
      .filter((l) => /^COPY\s/.test(l) && !l.includes("--from="))
      .flatMap((l) => l.trim().split(/\s+/).slice(1, -1))
      .map((src) => src.replace(/^\.\//, "").replace(/\/$/, ""));
    expect(copied.length).toBeGreaterThan(0);
    for (const src of copied) expect([src, allowed.includes(src)]).toEqual([src, true]);
  });

  it("pins every third-party action by commit SHA in every workflow", () => {
    for (const name of WORKFLOWS) {
      for (const step of allSteps(load(name))) {
        if (!step.uses || step.uses.startsWith("./")) continue;
        expect([name, step.uses]).toEqual([name, expect.stringMatching(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/)]);
      }
    }
  });

  it("check-dist.yml rebuilds dist and fails on a diff", () => {
    const steps = allSteps(load("check-dist.yml"));
    const runs = steps.map((s) => s.run ?? "").join("\n");
    expect(runs).toContain("npm run build");
    expect(runs).toMatch(/git status --porcelain -- dist[\s\S]*exit 1/);
  });
});
