import { notImplemented } from "../not-implemented.js";

export const { summary, run } = notImplemented("process", "Write the summary CSVs of the nightly history");
