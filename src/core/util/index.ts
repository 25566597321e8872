/** Small helpers every stage uses. The only door into src/core/util. */
export * from "./errors.js";
export * from "./entry-point.js";
export * from "./timestamp.js";
export * from "./nearest.js";
export * from "./skipped-lines.js";
export * from "./clip.js";
export * from "./shell-word.js";
