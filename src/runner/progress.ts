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

const clock = (s: number): string => {
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(sec).padStart(2, "0")}s`;
};

/** One human line: `[point 2/5 rate=4 · repeat 1/3] message · 3m10s elapsed · ETA 12m00s`. */
export function formatProgress(p: Progress): string {
  const where = [
    p.point ? `point ${p.point.index}/${p.point.total} ${p.point.label}` : p.phase,
    p.repeat ? `repeat ${p.repeat.index}/${p.repeat.total}` : undefined,
  ]
    .filter(Boolean)
    .join(" · ");
  const eta = p.etaS !== undefined ? ` · ETA ${clock(p.etaS)}` : "";
  return `[${where}] ${p.message} · ${clock(p.elapsedS)} elapsed${eta}`;
}

/**
 * A progress printer: on a TTY one line redrawn in place; in CI plain lines (a redraw would
 * fill the Actions log with carriage returns).
 */
export function progressPrinter(write: (text: string) => void, isTTY: boolean): (p: Progress) => void {
  let lastWidth = 0;
  return (p) => {
    const line = formatProgress(p);
    if (!isTTY || p.phase === "done") {
      if (lastWidth) write("\n");
      lastWidth = 0;
      write(`${line}\n`);
      return;
    }
    write(`\r${line.padEnd(lastWidth)}`);
    lastWidth = line.length;
  };
}
