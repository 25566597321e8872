import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { pacificDate } from "../../src/core/catalogue/index.js";

type Step = { uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, string> };
type Job = {
  "runs-on": string | string[];
  needs?: string;
  if?: string;
  permissions?: Record<string, string>;
  steps: Step[];
  strategy?: { "max-parallel"?: number };
};
const text = readFileSync(join(import.meta.dirname, "..", "..", ".github", "workflows", "nightly.yml"), "utf8");
const wf = parse(text) as {
  on: { schedule: { cron: string }[]; workflow_dispatch: { inputs: Record<string, { default: string }> } };
  permissions: Record<string, string>;
  concurrency: { group: string; "cancel-in-progress": boolean };
  env: Record<string, string>;
  jobs: Record<string, Job>;
};

describe("nightly.yml", () => {
  it("is scheduled in UTC with the Pacific time documented, and lands on the Pacific date of that day", () => {
    const cron = wf.on.schedule[0]?.cron;
    expect(cron).toBe("0 18 * * *");
    expect(text).toContain("18:00 UTC = 11:00 PDT");
    expect(text).toContain("10:00 PST");
    // At 18:00 UTC it is the same calendar day in Pacific time, summer and winter.
    expect(pacificDate(new Date("2025-07-01T18:00:00Z"))).toBe("20250701");
    expect(pacificDate(new Date("2025-12-01T18:00:00Z"))).toBe("20251201");
  });

  it("runs the models one at a time on the MI300X runner with the history on its disk", () => {
    const job = wf.jobs.nightly!;
    // The admins' runner variable, defaulting to the MI300X labels.
    expect(job["runs-on"]).toBe(`\${{ fromJSON(vars.SGLBENCH_RUNNER_LABELS || '["self-hosted","mi300x"]') }}`);
    expect(job.strategy?.["max-parallel"]).toBe(1);
    expect(job.permissions).toMatchObject({ issues: "write" });
    const step = job.steps.find((s) => s.run?.includes("dist/cli.js nightly"))!;
    expect(step.env?.BENCHMARK_CI_DIR).toBe("${{ env.HISTORY_DIR }}");
    expect(wf.env.HISTORY_DIR).toContain("/mnt/raid/sglbench/history");
    expect(wf.on.workflow_dispatch.inputs["history-dir"]?.default).toBe("/mnt/raid/sglbench/history");
    expect(wf.concurrency).toEqual({ group: "sglbench-nightly", "cancel-in-progress": false });
    expect(wf.permissions).toEqual({ contents: "read" });
  });

  it("publishes the dashboard to GitHub Pages even after a partial failure", () => {
    const dash = wf.jobs.dashboard!;
    expect(dash.if).toContain("!cancelled()");
    expect(dash.steps.map((s) => s.run ?? "").join("\n")).toMatch(/dashboard --data-dir "\$HISTORY_DIR" --out site/);
    expect(
      dash.steps.some((s) => s.uses?.startsWith("actions/upload-artifact@") && s.with?.name === "github-pages"),
    ).toBe(true);
    const deploy = wf.jobs.deploy!;
    expect(deploy.permissions).toEqual({ pages: "write", "id-token": "write" });
    expect(deploy.steps[0]?.uses).toMatch(/^actions\/deploy-pages@/);
  });

  it("pins every action by commit SHA", () => {
    for (const job of Object.values(wf.jobs))
      for (const step of job.steps) if (step.uses) expect(step.uses).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
  });
});
