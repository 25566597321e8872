/**
 * The environment variables the original Grok offline script honours since 2025-07-07
 * (original-toolkit.md §1.1): every default can be set from the environment, and a flag still wins.
 * They become a suite override, validated like a `--suites-file` entry.
 */
import { UsageError } from "./io.js";

type Env = Record<string, string | undefined>;

/** Space-separated whole numbers (`"1 2 4 8"`), or a usage error naming the variable. */
function wholeNumbers(env: Env, name: string): number[] | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const values = raw.split(/[\s,]+/).map(Number);
  if (values.some((n) => !Number.isInteger(n) || n <= 0))
    throw new UsageError(`${name}="${raw}": expected whole numbers separated by spaces (e.g. "1 2 4 8")`);
  return values;
}

function wholeNumber(env: Env, name: string): number | undefined {
  const values = wholeNumbers(env, name);
  if (values && values.length !== 1) throw new UsageError(`${name}="${env[name]}": expected one whole number`);
  return values?.[0];
}

function fraction(env: Env, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!(n > 0 && n <= 1)) throw new UsageError(`${name}="${raw}": expected a fraction in (0, 1]`);
  return n;
}

/** Keeps only the fields that were set. */
function defined(patch: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
}

/**
 * The patch the original's variables make to a Grok offline suite (`grok-offline-<mode>`), or {}.
 * Model defaults (name, variant, path, tokenizer) only replace Grok-1's, as in the original, where
 * `--model-type=grok2` switches to Grok-2's own defaults.
 */
export function originalEnvPatch(suiteId: string, modelType: string, env: Env): Record<string, unknown> {
  const mode = /^grok-offline-(normal|long_context|dummy)$/.exec(suiteId)?.[1];
  if (!mode) return {};
  const model =
    modelType === "grok1"
      ? {
          modelName: env.BENCHMARK_MODEL_NAME || undefined,
          variant: env.BENCHMARK_MODEL_VARIANT || undefined,
          ...(mode === "dummy" ? {} : { modelPath: env.DEFAULT_MODEL_PATH || undefined }),
          tokenizer: env.DEFAULT_TOKENIZER_NAME || undefined,
        }
      : {};
  if (mode === "normal") {
    const memory = defined({
      "128": fraction(env, "BATCH_SIZE_128_MEM_FRACTION"),
      "256": fraction(env, "BATCH_SIZE_256_MEM_FRACTION"),
    });
    return defined({
      ...model,
      batchSizes: wholeNumbers(env, "NORMAL_BATCH_SIZES"),
      inputLens: wholeNumbers(env, "NORMAL_INPUT_LENGTHS"),
      outputLen: wholeNumber(env, "NORMAL_OUTPUT_LENGTH"),
      memFractionByBatch: Object.keys(memory).length ? memory : undefined,
    });
  }
  if (mode === "long_context")
    return defined({
      ...model,
      inputLens: wholeNumbers(env, "LONG_CONTEXT_INPUT_LENGTHS"),
      outputLen: wholeNumber(env, "LONG_CONTEXT_OUTPUT_LENGTH"),
    });
  return defined({
    ...model,
    batchSizes: wholeNumbers(env, "DUMMY_BATCH_SIZES"),
    inputLens: wholeNumbers(env, "DUMMY_INPUT_LENGTHS"),
    outputLen: wholeNumber(env, "DUMMY_OUTPUT_LENGTH"),
  });
}

/** `CONTAINER_SHM_SIZE=32g` → bytes (the original passed it to `docker run --shm-size`). */
export function shmSizeBytes(env: Env): number | undefined {
  const raw = env.CONTAINER_SHM_SIZE?.trim();
  if (!raw) return undefined;
  const m = /^(\d+)([kmg]?)b?$/i.exec(raw);
  if (!m) throw new UsageError(`CONTAINER_SHM_SIZE="${raw}": expected a size like 32g, 512m or 1073741824`);
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? "").toLowerCase() as "" | "k" | "m" | "g"];
  return Number(m[1]) * unit;
}
