/**
 * Reading a catalogue file: YAML (package `yaml`) → camel-cased keys → zod. A bad entry is an error
 * naming the file, the path in the file's own spelling and its line, e.g.
 * `my.yaml:12: suites[0].batch_sizes[1]: Number must be greater than 0`.
 */
import { readFileSync } from "node:fs";
import { LineCounter, parseDocument, type Document } from "yaml";
import type { ZodIssue } from "zod";
import { CatalogueFileSchema, type CatalogueFile } from "./catalogue-schema.js";

/** Keys whose children are data (variable names, point coordinates, hardware, batch sizes, model names). */
const DATA_MAPS = new Set([
  "env",
  "envOffline",
  "envOnline",
  "envByRocm",
  "at",
  "memFractionByBatch",
  "paths",
  "tokenizer",
  "models",
  "variants",
  "launch",
  "valuesByHardware",
]);
// Children of these data maps are entries with schema keys again (models: { grok1: { folder_name … } }).
const ENTRY_MAPS = new Set(["models", "variants", "launch"]);

const SNAKE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/;
const camel = (key: string): string =>
  SNAKE.test(key) ? key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) : key;

/** snake_case keys → camelCase, leaving the keys of data maps as written. */
export function camelizeKeys(value: unknown, dataMap = false): unknown {
  if (Array.isArray(value)) return value.map((v) => camelizeKeys(v));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const name = dataMap ? key : camel(key);
    if (dataMap) out[name] = camelizeKeys(child);
    else if (ENTRY_MAPS.has(name) && child && typeof child === "object" && !Array.isArray(child))
      out[name] = Object.fromEntries(
        Object.entries(child as Record<string, unknown>).map(([k, v]) => [k, camelizeKeys(v)]),
      );
    else out[name] = camelizeKeys(child, DATA_MAPS.has(name));
  }
  return out;
}

/** The path as the file spells it: each camelCase segment back to the key present in the document. */
function filePath(doc: Document, path: readonly PropertyKey[]): (string | number)[] {
  const out: (string | number)[] = [];
  for (const seg of path) {
    if (typeof seg === "number") {
      out.push(seg);
      continue;
    }
    const key = String(seg);
    const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    out.push(doc.hasIn([...out, key]) ? key : doc.hasIn([...out, snake]) ? snake : key);
  }
  return out;
}

/** Line of the deepest node of the path that exists (1-based). */
function lineOf(doc: Document, counter: LineCounter, path: (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    // A missing field has no node: the entry that lacks it is the nearest one that exists.
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return counter.linePos(range[0]).line;
  }
  return undefined;
}

const show = (path: (string | number)[]): string =>
  path.reduce<string>((s, seg) => (typeof seg === "number" ? `${s}[${seg}]` : s ? `${s}.${seg}` : seg), "") || "(top)";

/** An error in a catalogue file, with every issue on its own line. */
export class CatalogueError extends Error {}

/** Parses and validates catalogue text; `source` names it in errors. */
export function parseCatalogue(text: string, source: string): CatalogueFile {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new CatalogueError(`${source}${line ? `:${line}` : ""}: invalid YAML: ${e.message.split("\n")[0]}`);
  }
  const raw = camelizeKeys(doc.toJS() ?? {});
  const parsed = CatalogueFileSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue: ZodIssue) => {
    const path = filePath(doc, issue.path);
    const line = lineOf(doc, counter, path);
    return `${source}${line ? `:${line}` : ""}: ${show(path)}: ${issue.message}`;
  });
  throw new CatalogueError(lines.join("\n"));
}

/** Reads and validates a catalogue file (YAML or JSON: JSON is YAML). */
export function readCatalogueFile(file: string): CatalogueFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error: unknown) {
    throw new CatalogueError(`${file}: cannot read the catalogue: ${(error as Error).message}`, { cause: error });
  }
  return parseCatalogue(text, file);
}
