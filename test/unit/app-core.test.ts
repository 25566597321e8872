import { describe, expect, it } from "@jest/globals";
import {
  formatRequestId,
  parseRequestId,
  requestIdFromRunTitle,
  COMMENT_LIMIT,
  isStickyBody,
  parseStickyState,
  renderSticky,
  STICKY_MARKER,
  stickyVisible,
  truncateMarkdown,
} from "../../src/core/request/index.js";
import { isOwnComment } from "../../src/github/sticky-comment.js";
import { permissionAtLeast } from "../../src/github/permissions.js";
import { runIdFromUrl } from "../../src/github/workflows.js";

const SHA = "ec26bce9a2ca1e3d7b1cc4b5d5e8c8f0e6b43a21";

describe("request ids", () => {
  it("round-trips and is found in the benchmark run title", () => {
    const id = formatRequestId({ owner: "sgl-project", repo: "sglang", pr: 42, headSha: SHA, trigger: "c1001" });
    expect(id).toBe(`sgl-project/sglang#42@${SHA}/c1001`);
    expect(parseRequestId(id)).toEqual({
      owner: "sgl-project",
      repo: "sglang",
      pr: 42,
      headSha: SHA,
      trigger: "c1001",
    });
    expect(requestIdFromRunTitle(`sglbench ${id} PR #42`)?.pr).toBe(42);
    expect(requestIdFromRunTitle("benchmark")).toBeNull();
    expect(parseRequestId("nonsense")).toBeNull();
  });
});

describe("sticky comment body", () => {
  it("embeds state that survives a round trip, including '--' in values", () => {
    const state = { approval: { sha: SHA, by: "a--b", at: "2026-11-23T00:00:00Z" } };
    const body = renderSticky("hello", state);
    expect(body.startsWith(STICKY_MARKER)).toBe(true);
    expect(body.indexOf("-->")).toBe(body.indexOf(" -->") + 1);
    expect(parseStickyState(body)).toEqual(state);
    expect(isStickyBody(body)).toBe(true);
    expect(stickyVisible(body)).toBe("hello");
  });
  it("treats unreadable state as empty", () => {
    expect(parseStickyState(`${STICKY_MARKER}\n<!-- sglbench:state {bad} -->`)).toEqual({});
    expect(parseStickyState("no marker")).toEqual({});
  });
  it("keeps a huge report under the comment limit and closes an open fence", () => {
    const report = "# Report\n```\n" + "x".repeat(100).concat("\n").repeat(1000);
    const body = renderSticky(report, {});
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body).toContain("truncated");
    expect((body.match(/^```/gm) ?? []).length % 2).toBe(0);
    expect(truncateMarkdown("short", 10)).toBe("short");
  });
  it("trusts only the App's own bot comments", () => {
    expect(isOwnComment({ user: { type: "User" } }, 5)).toBe(false);
    expect(isOwnComment({ user: { type: "Bot" }, performed_via_github_app: { id: 6 } }, 5)).toBe(false);
    expect(isOwnComment({ user: { type: "Bot" }, performed_via_github_app: { id: 5 } }, 5)).toBe(true);
  });
});

describe("permissions", () => {
  it("orders levels", () => {
    expect(permissionAtLeast("maintain", "write")).toBe(true);
    expect(permissionAtLeast("triage", "write")).toBe(false);
  });
});

// The report artifact reader (size caps, fail-closed results) is tested in app-artifact-safety.test.ts.
describe("workflow run urls", () => {
  it("finds the run id in a details url", () => {
    expect(runIdFromUrl("https://github.com/o/r/actions/runs/123")).toBe(123);
    expect(runIdFromUrl(null)).toBeNull();
  });
});

describe("shipped config files", () => {
  it(".github/sglbench.yml.example documents exactly the defaults", async () => {
    const { readFileSync } = await import("node:fs");
    const { parse } = await import("yaml");
    const { parseAppConfig, DEFAULT_APP_CONFIG } = await import("../../src/core/request/index.js");
    const parsed = parseAppConfig(parse(readFileSync(".github/sglbench.yml.example", "utf8")));
    expect(parsed).toEqual({ ok: true, config: DEFAULT_APP_CONFIG });
  });
  it("app.yml subscribes to every event the App routes, each permission with a reason", async () => {
    const { readFileSync } = await import("node:fs");
    const { parse } = await import("yaml");
    const text = readFileSync("app.yml", "utf8");
    const manifest = parse(text) as { default_events: string[]; default_permissions: Record<string, string> };
    expect([...manifest.default_events].sort()).toEqual([
      "check_run",
      "issue_comment",
      "pull_request",
      "workflow_job",
      "workflow_run",
    ]);
    expect(manifest.default_permissions).toMatchObject({
      checks: "write",
      issues: "write",
      actions: "write",
      contents: "read",
    });
    for (const key of Object.keys(manifest.default_permissions)) {
      expect(text).toMatch(new RegExp(`#[^\\n]*\\n  ${key}:`));
    }
  });
});

describe("approve grammar", () => {
  it("accepts an optional head SHA and rejects anything else", async () => {
    const { parseCommand } = await import("../../src/core/request/index.js");
    expect(parseCommand("/benchmark approve")).toEqual({ kind: "approve" });
    expect(parseCommand("/benchmark approve ABCDEF1")).toEqual({ kind: "approve", sha: "abcdef1" });
    expect(parseCommand("/benchmark approve now").kind).toBe("invalid");
  });
});
