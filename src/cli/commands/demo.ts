import { notImplemented } from "../not-implemented.js";

export const { summary, run } = notImplemented("demo", "A complete compare-pr on the simulated SGLang");
