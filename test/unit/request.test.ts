import { describe, expect, it } from "@jest/globals";
import {
  DEFAULT_REQUEST,
  grammarHelp,
  invalidReply,
  parseCommand,
  type BenchmarkRequest,
} from "../../src/core/request/index.js";

function problemsOf(body: string): string[] {
  const parsed = parseCommand(body);
  if (parsed.kind !== "invalid") throw new Error(`expected invalid, got ${parsed.kind}`);
  return parsed.problems;
}

describe("parseCommand", () => {
  it("fills every default for a bare /benchmark", () => {
    expect(parseCommand("/benchmark")).toEqual({ kind: "run", request: DEFAULT_REQUEST });
  });

  it("parses every key", () => {
    expect(
      parseCommand("/benchmark models=grok types=online modes=long_context,dummy repeats=5 baseline=rerun"),
    ).toEqual({
      kind: "run",
      request: { models: ["grok"], types: ["online"], modes: ["long_context", "dummy"], repeats: 5, baseline: "rerun" },
    });
  });

  it("accepts benchmark-types= as an alias of types=", () => {
    const parsed = parseCommand("/benchmark benchmark-types=offline");
    expect(parsed).toEqual({ kind: "run", request: { ...DEFAULT_REQUEST, types: ["offline"] } });
  });

  it("uses the caller's defaults", () => {
    const defaults: BenchmarkRequest = {
      models: ["deepseek"],
      types: ["offline"],
      modes: ["dummy"],
      repeats: 1,
      baseline: "rerun",
    };
    expect(parseCommand("/benchmark repeats=2", defaults)).toEqual({
      kind: "run",
      request: { ...defaults, repeats: 2 },
    });
  });

  it("does not mutate the defaults", () => {
    const defaults: BenchmarkRequest = { ...DEFAULT_REQUEST, models: ["grok"] };
    parseCommand("/benchmark models=deepseek", defaults);
    expect(defaults.models).toEqual(["grok"]);
  });

  it("is case-insensitive and tolerant of spaces and CRLF, reading only the first line", () => {
    const parsed = parseCommand("  /BENCHMARK   Models=GROK    repeats=4  \r\nmodels=nonsense here\r\n");
    expect(parsed).toEqual({ kind: "run", request: { ...DEFAULT_REQUEST, models: ["grok"], repeats: 4 } });
  });

  it("dedupes repeated list values", () => {
    expect(parseCommand("/benchmark models=grok,grok")).toEqual({
      kind: "run",
      request: { ...DEFAULT_REQUEST, models: ["grok"] },
    });
  });

  it.each([
    ["/benchmark help", "help"],
    ["/benchmark cancel", "cancel"],
    ["/Benchmark APPROVE\nthanks!", "approve"],
    ["/benchmark   help  \r\n", "help"],
  ])("recognises the subcommand in %j", (body, kind) => {
    expect(parseCommand(body)).toEqual({ kind });
  });

  it.each([
    ["/benchmarks"],
    ["/benchmarking models=grok"],
    ["please /benchmark this"],
    ["LGTM\n/benchmark"],
    [""],
    ["benchmark models=grok"],
  ])("treats %j as not a command", (body) => {
    expect(parseCommand(body)).toEqual({ kind: "not-a-command" });
  });

  it("quotes an unknown key", () => {
    const problems = problemsOf("/benchmark model=grok");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("`model`");
    expect(problems[0]).toMatch(/unknown key/);
  });

  it("quotes each unknown value", () => {
    const problems = problemsOf("/benchmark models=grok,llama,mixtral");
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain("`llama`");
    expect(problems[1]).toContain("`mixtral`");
  });

  it("rejects an unknown baseline and mode", () => {
    const problems = problemsOf("/benchmark baseline=main modes=fast");
    expect(problems.join("\n")).toContain("`main`");
    expect(problems.join("\n")).toContain("`fast`");
  });

  it.each(["0", "21", "3.5", "-1", "abc"])("rejects repeats=%s, naming the key and the value", (n) => {
    expect(problemsOf(`/benchmark repeats=${n}`)).toEqual([`\`repeats\`: \`${n}\` is not an integer from 1 to 20`]);
  });

  it("rejects an empty repeats= or baseline=", () => {
    expect(problemsOf("/benchmark repeats= baseline=")).toEqual([
      "`repeats`: needs a value (an integer from 1 to 20)",
      "`baseline`: needs a value (allowed: nightly, rerun)",
    ]);
  });

  it.each(["1", "20"])("accepts repeats=%s at the bounds", (n) => {
    const parsed = parseCommand(`/benchmark repeats=${n}`);
    expect(parsed.kind === "run" && parsed.request.repeats).toBe(Number(n));
  });

  it("rejects a duplicate key, including via the alias", () => {
    expect(problemsOf("/benchmark repeats=2 repeats=3")[0]).toMatch(/duplicate key `repeats`/);
    expect(problemsOf("/benchmark types=online benchmark-types=offline")[0]).toMatch(/duplicate key `benchmark-types`/);
  });

  it("rejects stray tokens and subcommands mixed with keys", () => {
    expect(problemsOf("/benchmark please")[0]).toMatch(/stray token `please`/);
    expect(problemsOf("/benchmark help models=grok")[0]).toMatch(/`help` must be used on its own/);
    expect(problemsOf("/benchmark =grok")[0]).toMatch(/stray token `=grok`/);
  });

  it("rejects empty list values", () => {
    expect(problemsOf("/benchmark models=")[0]).toMatch(/needs at least one value/);
    expect(problemsOf("/benchmark models=grok,")[0]).toMatch(/empty value/);
  });

  it("reports every problem, not just the first", () => {
    expect(problemsOf("/benchmark foo=1 models=x repeats=99 junk")).toHaveLength(4);
  });
});

describe("grammarHelp / invalidReply", () => {
  it("shows the grammar, every allowed value and the defaults", () => {
    const help = grammarHelp({ ...DEFAULT_REQUEST, repeats: 7, baseline: "rerun" });
    for (const word of [
      "grok",
      "deepseek",
      "offline",
      "online",
      "normal",
      "long_context",
      "dummy",
      "nightly",
      "rerun",
    ]) {
      expect(help).toContain(word);
    }
    expect(help).toContain("benchmark-types");
    expect(help).toMatch(/\| `repeats` \| integer 1–20 \| 7 \|/);
    expect(help).toMatch(/\| `baseline` \| nightly, rerun \| rerun \|/);
    expect(help).toContain("/benchmark help | cancel | approve");
  });

  it("quotes the problems before the grammar", () => {
    const problems = problemsOf("/benchmark models=llama");
    const reply = invalidReply(problems);
    expect(reply).toContain("`llama`");
    expect(reply).toContain("nothing was started");
    expect(reply.indexOf("`llama`")).toBeLessThan(reply.indexOf("**Usage**"));
    expect(reply).toContain(grammarHelp(DEFAULT_REQUEST));
  });
});
