/** Line splitting shared by every parser: SGLang logs mix `\r` (tqdm) and `\n`. */
import type { Diagnostic } from "../core/results/index.js";

/** Split text on `\r` and `\n`; tqdm redraws become separate lines that parsers skip. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/**
 * {@link splitLines} with, for each piece, the 1-based line number an editor or `wc -l` gives it:
 * only `\n` ends a line, so the `\r`-separated tqdm redraws of one line share its number.
 */
export function splitNumberedLines(text: string): { lines: string[]; lineNo: number[] } {
  const lines: string[] = [];
  const lineNo: number[] = [];
  const breaks = /\r\n|\r|\n/g;
  let start = 0;
  let n = 1;
  for (let m = breaks.exec(text); m; m = breaks.exec(text)) {
    lines.push(text.slice(start, m.index));
    lineNo.push(n);
    if (m[0] !== "\r") n++;
    start = breaks.lastIndex;
  }
  lines.push(text.slice(start));
  lineNo.push(n);
  return { lines, lineNo };
}

/**
 * The index of the last line when the text stops without a line break (a log cut mid-line, whose last
 * value may be cut mid-number: `195` of `1954.62`), else -1.
 */
export function cutLineIndex(text: string, lines: readonly string[]): number {
  return /[\r\n]$/.test(text) || text === "" ? -1 : lines.length - 1;
}

/** A cut last line's value, left out: said with its line so the reader knows what is missing. */
export function cutLineDiagnostic(file: string, line: number, text: string): Diagnostic {
  return {
    file,
    line,
    expected: "a complete last line",
    message: `the log stops mid-line, its last value left out: ${text.slice(0, 80)}`,
    severity: "error",
  };
}

/** True for a tqdm progress redraw, which carries no result and can be ~20 kB long. */
export function isProgressLine(line: string): boolean {
  return line.includes("%|") || line.includes("it/s]") || line.includes("s/it]");
}

/** Parse a number the way SGLang prints it, including bare `Infinity`/`inf`/`NaN`; undefined when not a number. */
export function parseNumber(raw: string): number | undefined {
  const t = raw.trim();
  if (t === "") return undefined;
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}
