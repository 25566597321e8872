/**
 * The benchmark request: its five fields, their allowed values and bounds, and the one parser from raw
 * strings shared by the `/benchmark` comment, the Action inputs and the `plan`/`compare-pr` CLI flags,
 * so all three accept the same values and reject bad ones with the same words.
 */
import { z } from "zod";

export const MODELS = ["grok", "grok2", "deepseek"] as const;
export const TYPES = ["offline", "online"] as const;
export const MODES = ["normal", "long_context", "dummy"] as const;
export const BASELINES = ["nightly", "rerun"] as const;
export const MIN_REPEATS = 1;
export const MAX_REPEATS = 20;

/** A fully-resolved benchmark request (defaults filled in). */
export const benchmarkRequestSchema = z.object({
  models: z.array(z.enum(MODELS)).min(1),
  types: z.array(z.enum(TYPES)).min(1),
  modes: z.array(z.enum(MODES)).min(1),
  repeats: z.number().int().min(MIN_REPEATS).max(MAX_REPEATS),
  baseline: z.enum(BASELINES),
});
export type BenchmarkRequest = z.infer<typeof benchmarkRequestSchema>;

/** Defaults used when a request leaves a field out. */
export const DEFAULT_REQUEST: BenchmarkRequest = {
  models: ["grok", "deepseek"],
  types: ["offline", "online"],
  modes: ["normal"],
  repeats: 3,
  baseline: "nightly",
};

export const REQUEST_KEYS = ["models", "types", "modes", "repeats", "baseline"] as const;
export type RequestKey = (typeof REQUEST_KEYS)[number];

/**
 * `benchmark-types` is the original toolkit's spelling of `types`. Only the comment grammar and the
 * CLI flags pass it here; the Action input is `types` alone.
 */
export const REQUEST_KEY_ALIASES: Readonly<Record<string, RequestKey>> = { "benchmark-types": "types" };

type ListKey = "models" | "types" | "modes";
const LIST_VALUES: Record<ListKey, readonly string[]> = { models: MODELS, types: TYPES, modes: MODES };

export type RequestFieldsResult = { ok: true; request: BenchmarkRequest } | { ok: false; problems: string[] };

/** Raw `key → value` strings; `undefined` values (a flag not given) are left to the defaults. */
export type RawRequestFields = Readonly<Record<string, string | undefined>> | ReadonlyArray<readonly [string, string]>;

/** Backtick-quoted for Markdown replies; a backtick inside would end the quote early. */
export const quote = (s: string): string => `\`${s.replace(/`/g, "'")}\``;

/**
 * Raw strings → a validated request (fields left out take `defaults`), or every problem found, each
 * naming the key as written, the bad value and the allowed values. Keys and values are case-insensitive;
 * list values are comma-separated and deduplicated.
 */
export function parseRequestFields(
  fields: RawRequestFields,
  defaults: BenchmarkRequest = DEFAULT_REQUEST,
): RequestFieldsResult {
  const entries = Array.isArray(fields)
    ? (fields as ReadonlyArray<readonly [string, string]>)
    : Object.entries(fields as Record<string, string | undefined>);
  const problems: string[] = [];
  const request: Record<string, unknown> = { ...defaults };
  const seen = new Set<RequestKey>();

  for (const [rawKey, value] of entries) {
    if (value === undefined) continue;
    const written = rawKey.toLowerCase();
    const key = REQUEST_KEY_ALIASES[written] ?? REQUEST_KEYS.find((k) => k === written);
    if (!key) {
      problems.push(`unknown key ${quote(rawKey)} (allowed: ${REQUEST_KEYS.join(", ")})`);
      continue;
    }
    if (seen.has(key)) {
      const alias = key === written ? "" : ` (another name for ${quote(key)})`;
      problems.push(`duplicate key ${quote(rawKey)}${alias}: give each key once`);
      continue;
    }
    seen.add(key);
    const parsed = parseField(key, quote(written), value);
    if ("problems" in parsed) problems.push(...parsed.problems);
    else request[key] = parsed.value;
  }

  if (problems.length > 0) return { ok: false, problems };
  // The checks above follow the schema; parsing again keeps the result's type honest.
  return { ok: true, request: benchmarkRequestSchema.parse(request) };
}

/** One field's raw value → its value, or the problems with it. */
function parseField(key: RequestKey, name: string, raw: string): { value: unknown } | { problems: string[] } {
  const value = raw.trim().toLowerCase();
  const fail = (...problems: string[]) => ({ problems: [...new Set(problems)] });
  if (key === "repeats" || key === "baseline") {
    const allowed =
      key === "repeats" ? `an integer from ${MIN_REPEATS} to ${MAX_REPEATS}` : `allowed: ${BASELINES.join(", ")}`;
    if (value === "") return fail(`${name}: needs a value (${allowed})`);
    const parsed =
      key === "repeats"
        ? benchmarkRequestSchema.shape.repeats.safeParse(/^\d+$/.test(value) ? Number(value) : NaN)
        : benchmarkRequestSchema.shape.baseline.safeParse(value);
    if (parsed.success) return { value: parsed.data };
    return fail(
      key === "repeats"
        ? `${name}: ${quote(raw)} is not ${allowed}`
        : `${name}: unknown value ${quote(raw)} (${allowed})`,
    );
  }
  const allowed = `(allowed: ${LIST_VALUES[key].join(", ")})`;
  const items = value.split(",").map((v) => v.trim());
  if (items.every((v) => v === "")) return fail(`${name}: needs at least one value ${allowed}`);
  const bad = items.filter((v) => !LIST_VALUES[key].includes(v));
  if (bad.length > 0)
    return fail(
      ...bad.map((v) =>
        v === "" ? `${name}: empty value in ${quote(raw)} ${allowed}` : `${name}: unknown value ${quote(v)} ${allowed}`,
      ),
    );
  // Keep first occurrence order, drop repeats like `models=grok,grok`.
  return { value: [...new Set(items)] };
}
