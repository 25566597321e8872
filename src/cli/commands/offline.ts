import { notImplemented } from "../not-implemented.js";

export const { summary, run } = notImplemented("offline", "Run an offline suite (bench_one_batch)");
