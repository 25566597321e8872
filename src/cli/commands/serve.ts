import { notImplemented } from "../not-implemented.js";

export const { summary, run } = notImplemented("serve", "Serve the dashboard and run folders");
