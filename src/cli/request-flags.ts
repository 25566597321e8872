/** The flags that describe a `/benchmark` request, shared by `plan` and `compare-pr`; defaults are the comment's. */
import { DEFAULT_REQUEST } from "../core/request.js";

export const REQUEST_FLAGS = {
  pr: { type: "string" },
  models: { type: "string", default: DEFAULT_REQUEST.models.join(",") },
  "benchmark-types": { type: "string", default: DEFAULT_REQUEST.types.join(",") },
  modes: { type: "string", default: DEFAULT_REQUEST.modes.join(",") },
  repeats: { type: "string", default: String(DEFAULT_REQUEST.repeats) },
  baseline: { type: "string", default: DEFAULT_REQUEST.baseline },
  "skip-build": { type: "boolean", default: false },
  "history-dir": { type: "string" },
} as const;
