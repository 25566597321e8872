import { notImplemented } from "../not-implemented.js";

export const { summary, run } = notImplemented(
  "nightly",
  "Pick today's image, run the suites, ingest, process, plot, alert",
);
