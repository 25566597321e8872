/** Nightly series, their summaries and change points. The only door into src/core/trends. */
export * from "./changepoints.js";
export * from "./nightly-series.js";
export * from "./summaries.js";
export * from "./newest-night.js";
export * from "./alerts.js";
export * from "./causes.js";
export * from "./level-shifts.js";
export * from "./regimes.js";
export * from "./series-identity.js";
export * from "./night-quality.js";
