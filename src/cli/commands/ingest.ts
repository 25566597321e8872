import { notImplemented } from "../not-implemented.js";

export const { summary, run } = notImplemented("ingest", "Parse run folders, logs and console logs into results");
