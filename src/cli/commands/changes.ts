import { notImplemented } from "../not-implemented.js";

export const { summary, run } = notImplemented("changes", "Find change points in the nightly series");
