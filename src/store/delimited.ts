/**
 * Line-exact reading and writing of the seed's delimited text files (comma CSV and TAB "CSV").
 * No quoting either way: the seed wrote its files with `echo`, so a `"` or `,` inside a field is
 * literal text, and every record maps to exactly one line. That is what makes parse → format
 * byte-identical, trailing TABs and a missing final newline included.
 */
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";

export interface DelimitedText {
  /** One record per line; a blank line is `[""]`. */
  records: string[][];
  /** Whether the text ended with a newline (the seed's files differ). */
  trailingNewline: boolean;
}

const OPTIONS = { quote: false, relax_column_count: true, skip_empty_lines: false, record_delimiter: "\n" } as const;

/** Splits text into records of raw cells, keeping empty cells and blank lines. */
export function readDelimited(text: string, delimiter: "," | "\t"): DelimitedText {
  const records = parse(text, { ...OPTIONS, delimiter }) as string[][];
  return { records, trailingNewline: text.endsWith("\n") };
}

/** Inverse of {@link readDelimited}. */
export function writeDelimited(
  records: readonly (readonly string[])[],
  delimiter: "," | "\t",
  trailingNewline: boolean,
): string {
  const lines = records.map((cells) =>
    cells.length === 0 || (cells.length === 1 && cells[0] === "")
      ? ""
      : stringify([[...cells]], { delimiter, quote: false, eof: false, record_delimiter: "\n" }),
  );
  return lines.join("\n") + (trailingNewline && lines.length > 0 ? "\n" : "");
}
