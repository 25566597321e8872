/** Noise-aware verdicts: statistics, learnt noise, pooling over points, cell comparison. The only door into src/core/verdict. */
export * from "./stats.js";
export * from "./noise.js";
export * from "./pooling.js";
export * from "./verdict.js";
export * from "./compare.js";
export * from "./fail-on.js";
export * from "./regime.js";
export * from "./prior.js";
export * from "./request-tails.js";
export * from "./gsm8k-verdict.js";
export * from "./launch-tails.js";
export * from "./drift.js";
export * from "./discoveries.js";
export * from "./verdict-settings.js";
export * from "./prior-learn.js";
