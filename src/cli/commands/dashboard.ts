import { notImplemented } from "../not-implemented.js";

export const { summary, run } = notImplemented("dashboard", "Build the static dashboard");
