/** The comparison report in markdown and plain text. The only door into src/core/report. */
export * from "./report-model.js";
export * from "./direction.js";
export * from "./report.js";
export * from "./report-text.js";
export * from "./change-headline.js";
