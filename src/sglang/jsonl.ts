/** JSONL readers for `result.jsonl` (bench_one_batch) and bench_serving's `--output-file`, which may hold bare `Infinity`/`NaN`. */
import type { Diagnostic } from "../core/results/index.js";
import { errorMessage } from "../core/util/index.js";

/** Python's json.dumps writes bare Infinity/-Infinity/NaN; make them parseable without touching strings. */
function pythonJsonToJs(line: string): string {
  return line.replace(/("(?:[^"\\]|\\.)*")|-?\bInfinity\b|\bNaN\b/g, (match, str: string | undefined) =>
    str !== undefined
      ? str
      : JSON.stringify(match === "NaN" ? "__NaN__" : match.startsWith("-") ? "__-Inf__" : "__Inf__"),
  );
}

const SPECIAL: Record<string, number> = { __NaN__: NaN, __Inf__: Infinity, "__-Inf__": -Infinity };

/** Parse every line; a bad line becomes a diagnostic naming the file and line, the rest is kept. */
export function parseJsonl(
  text: string,
  file = "<input>",
): { records: Record<string, unknown>[]; diagnostics: Diagnostic[] } {
  const records: Record<string, unknown>[] = [];
  const diagnostics: Diagnostic[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (line === "") continue;
    try {
      const value: unknown = JSON.parse(pythonJsonToJs(line), (_k, v: unknown) =>
        typeof v === "string" && v in SPECIAL ? SPECIAL[v] : v,
      );
      if (value && typeof value === "object" && !Array.isArray(value)) records.push(value as Record<string, unknown>);
      else
        diagnostics.push({
          file,
          line: i + 1,
          expected: "a JSON object",
          message: "line is not an object",
          severity: "warning",
        });
    } catch (error: unknown) {
      diagnostics.push({
        file,
        line: i + 1,
        expected: "a JSON object",
        message: `bad JSON: ${errorMessage(error)}`,
        severity: "warning",
      });
    }
  }
  return { records, diagnostics };
}

/** Numeric fields of a record (finite or not), the rest dropped. */
export function numericFields(record: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(record)) if (typeof v === "number") out[k] = v;
  return out;
}
