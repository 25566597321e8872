import { notImplemented } from "../not-implemented.js";

export const { summary, run } = notImplemented(
  "compare-pr",
  "Build/pull main and PR images, run both, compare, report",
);
