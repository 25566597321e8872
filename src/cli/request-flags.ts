/**
 * The flags that describe a `/benchmark` request, shared by `plan` and `compare-pr` and validated by
 * the same parser as the comment and the Action inputs, so both commands accept and reject alike.
 */
import {
  BASELINES,
  DEFAULT_REQUEST,
  MAX_REPEATS,
  MIN_REPEATS,
  MODELS,
  MODES,
  parseRequestFields,
  TYPES,
  type BenchmarkRequest,
} from "../core/request/index.js";

// No parseArgs defaults for the request fields: one left out takes DEFAULT_REQUEST, as in a comment.
export const REQUEST_FLAGS = {
  pr: { type: "string" },
  models: { type: "string" },
  types: { type: "string" },
  // The original toolkit's spelling of --types.
  "benchmark-types": { type: "string" },
  modes: { type: "string" },
  repeats: { type: "string" },
  baseline: { type: "string" },
  "skip-build": { type: "boolean", default: false },
  "history-dir": { type: "string" },
} as const;

/** The request flags' lines of a command's usage. */
export const REQUEST_FLAGS_USAGE = [
  `  --pr=N                    pull request number (required)`,
  `  --models=LIST             ${MODELS.join(",")} (default ${DEFAULT_REQUEST.models.join(",")})`,
  `  --types=LIST              ${TYPES.join(",")} (default ${DEFAULT_REQUEST.types.join(",")}; --benchmark-types is the original's spelling)`,
  `  --modes=LIST              offline modes ${MODES.join(",")} (default ${DEFAULT_REQUEST.modes.join(",")})`,
  `  --repeats=N               most repeats per point and side, ${MIN_REPEATS}-${MAX_REPEATS} (default ${DEFAULT_REQUEST.repeats}; fewer where history shows low noise)`,
  `  --baseline=${BASELINES.join("|")}  reuse a fresh merge-base run + anchor, or run main in full (default ${DEFAULT_REQUEST.baseline})`,
].join("\n");

export interface RequestFlagValues {
  pr?: string | undefined;
  models?: string | undefined;
  types?: string | undefined;
  "benchmark-types"?: string | undefined;
  modes?: string | undefined;
  repeats?: string | undefined;
  baseline?: string | undefined;
}

export type RequestFromFlags = { ok: true; pr: number; request: BenchmarkRequest } | { ok: false; problems: string[] };

/** `--pr` and the request flags → the PR number and the request, or every problem (the command exits 2). */
export function requestFromFlags(values: RequestFlagValues): RequestFromFlags {
  const pr = Number(values.pr);
  const prProblems =
    values.pr && Number.isInteger(pr) && pr > 0
      ? []
      : [
          values.pr
            ? `--pr=${values.pr} is not a number: give the pull request's number (--pr=123)`
            : "--pr=N is required (a pull request number)",
        ];
  const parsed = parseRequestFields({
    models: values.models,
    types: values.types,
    "benchmark-types": values["benchmark-types"],
    modes: values.modes,
    repeats: values.repeats,
    baseline: values.baseline,
  });
  if (!parsed.ok) return { ok: false, problems: [...prProblems, ...parsed.problems] };
  if (prProblems.length > 0) return { ok: false, problems: prProblems };
  return { ok: true, pr, request: parsed.request };
}
