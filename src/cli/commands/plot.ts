import { notImplemented } from "../not-implemented.js";

export const { summary, run } = notImplemented("plot", "Draw the trend charts (SVG + PNG)");
