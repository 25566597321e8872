import { describe, expect, it } from "@jest/globals";
import { formatProgress, progressPrinter } from "../../src/runner/progress.js";

describe("progress", () => {
  const event = {
    phase: "point" as const,
    message: "bench_serving rate 4",
    point: { index: 2, total: 5, label: "request_rate=4" },
    repeat: { index: 1, total: 3 },
    elapsedS: 190,
    etaS: 725,
  };

  it("says which point, which repeat, elapsed and ETA", () => {
    expect(formatProgress(event)).toBe(
      "[point 2/5 request_rate=4 · repeat 1/3] bench_serving rate 4 · 3m10s elapsed · ETA 12m05s",
    );
  });

  it("plain lines in CI, one redrawn line on a TTY", () => {
    const ci: string[] = [];
    progressPrinter((t) => ci.push(t), false)(event);
    expect(ci).toEqual([`${formatProgress(event)}\n`]);
    const tty: string[] = [];
    const print = progressPrinter((t) => tty.push(t), true);
    print(event);
    print({ ...event, message: "x", etaS: undefined });
    print({ phase: "done", message: "finished: exit 0", elapsedS: 4000 });
    expect(tty[0]?.startsWith("\r[point 2/5")).toBe(true);
    expect(tty[1]?.startsWith("\r")).toBe(true);
    expect(tty.slice(2)).toEqual(["\n", "[done] finished: exit 0 · 1h06m elapsed\n"]);
  });
});
