/**
 * docs/original-flags.md maps every flag of the original toolkit's scripts (their usage text and
 * option parsers, copied into test/fixtures/original-usage) to sglbench: the flag is accepted by the
 * named command (its --help shows it), or the command answers the original flag with a message naming
 * its replacement.
 */
import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { main } from "../../src/cli/main.js";
import { captureIO } from "../helpers/capture-io.js";

const USAGE = readFileSync(new URL("../fixtures/original-usage/original-toolkit-2025-12.md", import.meta.url), "utf8");
const DOC = readFileSync(new URL("../../docs/original-flags.md", import.meta.url), "utf8");

/** Plot options the issue names that the December usage text elides (`parser.add_argument(` only). */
const PLOT_OPTIONS = [
  "--split-request-rates",
  "--request-rates",
  "--variant-filter",
  "--plot-date",
  "--summary-csv",
  "--output-prefix",
];

/** Script basename → the flags its case patterns, argparse calls and usage lines define. */
export function originalFlags(text: string): Map<string, Set<string>> {
  const scripts = new Map<string, Set<string>>();
  for (const section of text.split(/^## /m).slice(1)) {
    const title = section.split("\n", 1)[0]?.trim() ?? "";
    if (title.includes(":")) continue; // a data table, not a script
    const flags = new Set<string>();
    for (const line of section.split("\n")) {
      const trimmed = line.trim();
      const casePattern = /^((?:--\w[\w-]*(?:=\*)?\|?)+)\)/.exec(trimmed);
      if (casePattern?.[1]) for (const f of casePattern[1].match(/--\w[\w-]*/g) ?? []) flags.add(f);
      const argparse = /^(?:parser\.add_argument\(\s*)?(?:"-\w",\s*)?"(--\w[\w-]*)"(?:,\s*"(--\w[\w-]*)")?/.exec(
        trimmed,
      );
      if (argparse) for (const f of argparse.slice(1)) if (f) flags.add(f);
      const usageLine = /^#\s+(--\w[\w-]*)/.exec(line);
      if (usageLine?.[1]) flags.add(usageLine[1]);
    }
    const name = title.split("/").pop() ?? title;
    if (name.startsWith("process_and_generate_")) for (const f of PLOT_OPTIONS) flags.add(f);
    scripts.set(name, flags);
  }
  return scripts;
}

interface Row {
  script: string;
  flag: string;
  /** `sglbench <command> <flag>` accepted, or a replacement the command names. */
  kind: "accepted" | "replaced" | "none";
  command?: string;
  target?: string;
  line: string;
}

/** The table rows of docs/original-flags.md: | script | flag | sglbench | note |. */
function docRows(doc: string): Row[] {
  const rows: Row[] = [];
  for (const line of doc.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 5 || !cells[2]?.startsWith("`--") || !cells[1]) continue;
    const script = cells[1].replaceAll("`", "");
    const cell = cells[3] ?? "";
    const flag = cells[2].replaceAll("`", "");
    const m = /^(replaced: )?`sglbench ([\w-]+)(?: ([^`]+))?`/.exec(cell);
    if (m)
      rows.push({
        script,
        flag,
        kind: m[1] ? "replaced" : "accepted",
        command: m[2],
        ...(m[3] ? { target: m[3] } : {}),
        line,
      });
    else rows.push({ script, flag, kind: "none", line });
  }
  return rows;
}

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIO();
  const code = await main(argv, io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

describe("docs/original-flags.md", () => {
  const scripts = originalFlags(USAGE);
  const rows = docRows(DOC);

  it("reads the original's usage text: every script and its flags", () => {
    for (const flag of ["--continue-run-days", "--teams-webhook-url", "--enable-mtp-test", "--models-dir"])
      expect(scripts.get("perf_nightly.sh")?.has(flag)).toBe(true);
    expect([...(scripts.get("build_sglang_docker.sh") ?? [])].sort()).toEqual(
      ["--branch", "--container-name", "--github-dockerfile-url", "--github-token", "--help", "--pr"].sort(),
    );
    expect(scripts.get("sanity_check.py")?.has("--trials")).toBe(true);
    expect(rows.length).toBeGreaterThan(80);
  });

  it("has a row for every flag of every script", () => {
    const documented = new Set(rows.map((r) => `${r.script} ${r.flag}`));
    const missing = [...scripts].flatMap(([script, flags]) =>
      [...flags].filter((f) => !documented.has(`${script} ${f}`)).map((f) => `${script} ${f}`),
    );
    expect(missing).toEqual([]);
  });

  it("every row without a command says why in its note", () => {
    const bare = rows.filter((r) => r.kind === "none" && !(r.line.split("|")[4] ?? "").trim());
    expect(bare.map((r) => r.line)).toEqual([]);
  });

  it("each accepted flag is in its command's --help", async () => {
    const helps = new Map<string, string>();
    const absent: string[] = [];
    for (const row of rows.filter((r) => r.kind === "accepted")) {
      const command = row.command ?? "";
      if (!helps.has(command)) helps.set(command, (await cli([command, "--help"])).out);
      const target = (row.target ?? row.flag).split(/[ =]/)[0] ?? "";
      const help = helps.get(command) ?? "";
      const shown = target.startsWith("-")
        ? new RegExp(`(^|[\\s(\\[,])${target}\\b`, "m").test(help)
        : help.includes(target);
      if (!shown) absent.push(`sglbench ${command} --help lacks ${target} (${row.script} ${row.flag})`);
    }
    expect(absent).toEqual([]);
  });

  it("each replaced flag is answered with its replacement", async () => {
    const wrong: string[] = [];
    for (const row of rows.filter((r) => r.kind === "replaced")) {
      const { code, err } = await cli([row.command ?? "", `${row.flag}=x`]);
      const target = row.target ?? "";
      if (code !== 2 || !err.includes(target))
        wrong.push(`sglbench ${row.command} ${row.flag}: exit ${code}, ${err.split("\n")[0]}`);
    }
    expect(wrong).toEqual([]);
  });
});
