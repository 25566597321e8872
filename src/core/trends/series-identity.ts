/**
 * Series identity: which runs belong to one nightly line. A line is (hardware, model, variant, suite,
 * mode, point); ingest normalises the names first (src/store/series-identity.ts), so a night known
 * only from its console log and one read from its run folder land on the same line, and a serving
 * variant (DP attention, torch compile, MTP, …) never shares a line with the standard server.
 */
import type { RunResults } from "../results/index.js";

/** The variant of a run with no serving configuration of its own (the original's name for it). */
export const STANDARD_VARIANT = "standard";

/** Everything that tells one group of nightly lines from another; the point completes a line. */
export interface SeriesIdentity {
  /** `mi30x`, `mi35x` (normalised), `unknown` when nothing said. */
  hardware: string;
  /** Model and its quantisation as the run folders spell them: `GROK1_MOE-I4F8`, `DeepSeek-V3-0324_FP8`. */
  model: string;
  /** Serving variant: `standard`, `dp_attention`, `torch_compile`, `dp_attention_torch_compile`, `mtp`, `dp`, … */
  variant: string;
  /** The catalogue's suite id (`grok-online`, `deepseek-online`, `grok-offline-long_context`). */
  suite: string;
  /** Offline mode (`normal`, `long_context`, `dummy`); absent online. */
  mode?: string;
}

/** `GROK1_MOE-I4F8`: the model name and its quantisation variant, as the key and the pages spell it. */
export function modelKey(run: Pick<RunResults, "model">): string {
  return [run.model.name, run.model.variant].filter(Boolean).join("_");
}

/** The serving variant of a run: an online run folder's configuration suffix, else `standard`. */
export function runVariant(run: Pick<RunResults, "kind" | "mode">): string {
  return run.kind === "online" && run.mode && run.mode !== STANDARD_VARIANT ? run.mode : STANDARD_VARIANT;
}

/** The identity of a run's lines. */
export function seriesIdentity(run: RunResults): SeriesIdentity {
  return {
    hardware: run.hardware ?? "unknown",
    model: modelKey(run),
    variant: runVariant(run),
    suite: run.suite,
    ...(run.kind === "offline" ? { mode: run.mode ?? "normal" } : {}),
  };
}

/**
 * The suite id with the variant, as series keys, chart folders and suite filters spell it:
 * `deepseek-online-dp_attention`; the standard variant and offline suites keep their plain id.
 */
export function identitySuite(id: Pick<SeriesIdentity, "suite" | "variant">): string {
  return id.variant === STANDARD_VARIANT ? id.suite : `${id.suite}-${id.variant}`;
}

/** `hardware/model/suite[-variant]`: the group key of a run's lines (a series key without point and metric). */
export function identityKey(id: SeriesIdentity): string {
  return [id.hardware, id.model, identitySuite(id)].join("/");
}
