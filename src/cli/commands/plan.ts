import { notImplemented } from "../not-implemented.js";

export const { summary, run } = notImplemented("plan", "Show what a request will run and its GPU-minutes");
