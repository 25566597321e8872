import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

type Step = { uses?: string; run?: string; with?: Record<string, string>; id?: string };
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
  parse(readFileSync(join(import.meta.dirname, "..", ".github", "workflows", name), "utf8")) as Workflow;
const allSteps = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps);

describe("workflows", () => {
  it("benchmark.yml takes the App's inputs, names the run by request id and cancels stale runs per PR", () => {
    const wf = load("benchmark.yml");
    expect(Object.keys(wf.on.workflow_dispatch!.inputs).sort()).toEqual(
      [
        "baseline",
        "base_sha",
        "head_sha",
        "models",
        "modes",
        "pr",
        "repeats",
        "request_id",
        "runner_labels",
        "types",
      ].sort(),
    );
    expect(wf["run-name"]).toContain("${{ inputs.request_id }}");
    expect(wf.concurrency).toEqual({ group: "sglbench-pr-${{ inputs.pr }}", "cancel-in-progress": true });
    expect(wf.permissions).toEqual({ contents: "read" });
  });

  it("benchmark.yml runs a matrix of suites on MI300X runners and merges them into sglbench-report", () => {
    const wf = load("benchmark.yml");
    const suite = wf.jobs.suite!;
    // The App passes its runner.labels; a manual dispatch gets the MI300X default.
    expect(suite["runs-on"]).toBe("${{ fromJSON(inputs.runner_labels) }}");
    expect(JSON.parse(wf.on.workflow_dispatch?.inputs.runner_labels?.default ?? "null")).toEqual([
      "self-hosted",
      "mi300x",
    ]);
    expect(JSON.stringify(suite.strategy?.matrix)).toContain("needs.plan.outputs.matrix");
    const action = suite.steps.find((s) => s.uses === "./sglbench")!;
    expect(action.with).toMatchObject({ command: "compare-pr", "base-sha": "${{ inputs.base_sha }}" });
    const prefix = action.with!["artifact-name"]!.split("$")[0];
    const report = wf.jobs.report!;
    expect(report.if).toContain("!cancelled()");
    const download = report.steps.find((s) => s.uses?.startsWith("actions/download-artifact"))!;
    expect(download.with!.pattern).toBe(`${prefix}*`);
    expect(report.steps.some((s) => s.run?.includes("compare-pr --merge"))).toBe(true);
    const upload = report.steps.find((s) => s.uses?.startsWith("actions/upload-artifact"))!;
    expect(upload.with!.name).toBe("sglbench-report");
    expect(upload.with!.path).toMatch(/report\.md[\s\S]*results\.json/);
  });

  it("pins every third-party action by commit SHA in every workflow", () => {
    for (const name of ["benchmark.yml", "check-dist.yml", "ci.yml"]) {
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
