/** Progress events of a suite run. */
export interface Progress {
  phase: "server" | "gsm8k" | "point" | "done";
  message: string;
  /** 1-based index of the point and repeat, with totals. */
  point?: { index: number; total: number; label: string };
  repeat?: { index: number; total: number };
  elapsedS: number;
  /** Estimated seconds left, when enough repeats finished to tell. */
  etaS?: number;
}
