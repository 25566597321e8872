/** What a request will run and what it costs. The only door into src/core/plan. */
export * from "./plan.js";
export * from "./launch-rates.js";
