import { notImplemented } from "../not-implemented.js";

export const { summary, run } = notImplemented("compare", "Compare two runs with noise-aware verdicts");
