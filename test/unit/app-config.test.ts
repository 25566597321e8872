import { describe, expect, it } from "@jest/globals";
import { parse as parseYaml } from "yaml";
import { DEFAULT_APP_CONFIG, gateConclusion, parseAppConfig } from "../../src/core/request/index.js";

function errorsOf(raw: unknown): string[] {
  const result = parseAppConfig(raw);
  if (result.ok) throw new Error("expected errors");
  return result.errors;
}

describe("parseAppConfig", () => {
  it("fills every documented default for an absent or empty file", () => {
    const expected = {
      triggers: { allowed_users: [], min_permission: "write" },
      auto_run: { enabled: false, labels: [], paths: [], forks: "require-approval" },
      workflow: { file: "benchmark.yml", ref: "main" },
      defaults: {
        models: ["grok", "deepseek"],
        types: ["offline", "online"],
        modes: ["normal"],
        repeats: 3,
        baseline: "nightly",
      },
      gate: { policy: "fail-on-regression" },
      cooldown_minutes: 10,
    };
    expect(parseAppConfig(undefined)).toEqual({ ok: true, config: expected });
    expect(parseAppConfig(null)).toEqual({ ok: true, config: expected });
    expect(parseAppConfig({})).toEqual({ ok: true, config: expected });
    expect(DEFAULT_APP_CONFIG).toEqual(expected);
  });

  it("keeps given values and defaults the rest of a partial section", () => {
    const yaml = `
triggers:
  allowed_users: [alice]
auto_run:
  enabled: true
  labels: [perf]
workflow:
  repo: amd/sglbench-runner
defaults:
  models: [grok]
  repeats: 5
gate:
  policy: neutral
cooldown_minutes: 0
`;
    const result = parseAppConfig(parseYaml(yaml));
    if (!result.ok) throw new Error(result.errors.join("\n"));
    const c = result.config;
    expect(c.triggers).toEqual({ allowed_users: ["alice"], min_permission: "write" });
    expect(c.auto_run).toEqual({ enabled: true, labels: ["perf"], paths: [], forks: "require-approval" });
    expect(c.workflow).toEqual({ file: "benchmark.yml", repo: "amd/sglbench-runner", ref: "main" });
    expect(c.defaults).toEqual({
      models: ["grok"],
      types: ["offline", "online"],
      modes: ["normal"],
      repeats: 5,
      baseline: "nightly",
    });
    expect(c.gate.policy).toBe("neutral");
    expect(c.cooldown_minutes).toBe(0);
  });

  it("names the path of a wrong type", () => {
    expect(errorsOf({ auto_run: { labels: "perf" } })).toEqual(["auto_run.labels: expected array"]);
  });

  it("reports every error, each with its path", () => {
    const errors = errorsOf({
      triggers: { min_permission: "owner" },
      workflow: { repo: "not-a-repo" },
      defaults: { models: ["llama"], repeats: 50 },
      gate: { policy: "strict" },
      cooldown_minutes: "ten",
    });
    expect(errors).toHaveLength(6);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^triggers\.min_permission: expected one of .*"write"/),
        "workflow.repo: expected owner/name",
        expect.stringMatching(/^defaults\.models\.0: expected one of "grok", "grok2", "deepseek"/),
        expect.stringMatching(/^defaults\.repeats: /),
        expect.stringMatching(/^gate\.policy: expected one of "fail-on-regression", "neutral", "fail-on-any-failure"/),
        "cooldown_minutes: expected number",
      ]),
    );
  });

  it("rejects unknown keys so typos are not silently ignored", () => {
    expect(errorsOf({ auto_runs: { enabled: true } })).toEqual(['(root): unknown key "auto_runs"']);
    expect(errorsOf({ auto_run: { enable: true } })).toEqual(['auto_run: unknown key "enable"']);
  });

  it("rejects a non-object file", () => {
    expect(errorsOf("just a string")).toEqual(["(root): expected object"]);
  });

  it("points a leftover runner section to the admins' variable (the runner is never a dispatch input)", () => {
    expect(errorsOf({ runner: { labels: ["self-hosted"] } })[0]).toContain("SGLBENCH_RUNNER_LABELS");
  });
});

describe("gateConclusion", () => {
  const clean = { regressed: 0, failed: 0, improved: 2 };
  const regressed = { regressed: 1, failed: 0 };
  const failed = { regressed: 0, failed: 2 };

  it("fail-on-regression: failure on a regression, neutral on failed points, else success", () => {
    expect(gateConclusion(clean, "fail-on-regression")).toBe("success");
    expect(gateConclusion(regressed, "fail-on-regression")).toBe("failure");
    expect(gateConclusion(failed, "fail-on-regression")).toBe("neutral");
  });

  it("fail-on-any-failure: failure on a regression or a failed point", () => {
    expect(gateConclusion(clean, "fail-on-any-failure")).toBe("success");
    expect(gateConclusion(regressed, "fail-on-any-failure")).toBe("failure");
    expect(gateConclusion(failed, "fail-on-any-failure")).toBe("failure");
  });

  it("neutral: always neutral", () => {
    expect(gateConclusion(clean, "neutral")).toBe("neutral");
    expect(gateConclusion(regressed, "neutral")).toBe("neutral");
  });
});
