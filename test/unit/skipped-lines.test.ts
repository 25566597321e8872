import { describe, expect, it } from "@jest/globals";
import { skippedLines } from "../../src/core/util/index.js";

describe("skippedLines", () => {
  const crashed = (night: string) => ({
    file: `cron_log/mi30x/${night}/deepseek_nightly_online.log`,
    reason: `no benchmark results in console log (ERROR: Server failed to start within 600 seconds)`,
  });

  it("lists a few skipped files one by one, with their whole reason", () => {
    const lines = skippedLines([crashed("20251004"), { file: "a.csv", reason: "bad header" }]);
    expect(lines).toEqual([
      "skipped cron_log/mi30x/20251004/deepseek_nightly_online.log: no benchmark results in console log (ERROR: Server failed to start within 600 seconds)",
      "skipped a.csv: bad header",
    ]);
  });

  it("tells many skips of one kind in one line with examples and says where each is listed", () => {
    const nights = Array.from({ length: 40 }, (_, i) => crashed(`202510${String(i).padStart(2, "0")}`));
    const lines = skippedLines([...nights, { file: "a.csv", reason: "bad header" }], "history: skipped");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^history: skipped 40 files: no benchmark results in console log — e\.g\. /);
    expect(lines[0]).toContain("20251000");
    expect(lines[0]).toContain("sglbench ingest");
    expect(lines[1]).toBe("history: skipped a.csv: bad header");
  });
});
