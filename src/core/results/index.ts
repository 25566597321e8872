/** The results model (results.json): points × repeats × metrics of one run. The only door into src/core/results. */
export * from "./results.js";
