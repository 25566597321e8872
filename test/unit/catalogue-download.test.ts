import { describe, expect, it } from "@jest/globals";
import type { ExecOptions, ExecResult, Executor } from "../../src/runner/executor.js";
import { ensureModel, parseDfFreeGb } from "../../src/runner/model-download.js";

/** An executor answering by program: `test` (model present?), `sh` (df), `huggingface-cli`. */
function scripted(answers: { present: boolean; dfKb?: number; dfFails?: boolean }): Executor & { calls: string[][] } {
  const e = {
    description: "scripted",
    calls: [] as string[][],
    async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
      e.calls.push([...argv]);
      let exitCode = 0;
      if (argv[0] === "test") exitCode = answers.present ? 0 : 1;
      else if (argv[0] === "sh") {
        if (answers.dfFails) exitCode = 1;
        else {
          options.onLine?.("Filesystem     1024-blocks      Used Available Capacity Mounted on");
          options.onLine?.(`/dev/nvme0n1p1 7500000000 100 ${answers.dfKb ?? 0} 1% /mnt/raid`);
        }
      }
      return { exitCode, signal: null, timedOut: false, cancelled: false, durationMs: 1 };
    },
    spawnBackground: () => Promise.reject(new Error("unused")),
  };
  return e;
}

const GB = 1024 * 1024;

describe("--download-model (ensureModel)", () => {
  it("reads the free space of df -Pk's data row", () => {
    expect(
      parseDfFreeGb(["Filesystem 1024-blocks Used Available Capacity Mounted on", "/dev/x 10 1 2097152 1% /"]),
    ).toBe(2);
    expect(parseDfFreeGb(["df: /nope: No such file or directory"])).toBeUndefined();
  });

  it("does nothing when the folder already holds the model", async () => {
    const e = scripted({ present: true });
    expect(await ensureModel(e, { repo: "a/b", target: "/w/models/b", diskGb: 685 })).toEqual({ action: "present" });
    expect(e.calls).toEqual([["test", "-f", "/w/models/b/config.json"]]);
  });

  it("checks the disk first and refuses a download that cannot fit", async () => {
    const e = scripted({ present: false, dfKb: 300 * GB });
    await expect(
      ensureModel(e, { repo: "deepseek-ai/DeepSeek-V3-0324", target: "/w/models/ds", diskGb: 685 }),
    ).rejects.toThrow(
      "Not enough disk for deepseek-ai/DeepSeek-V3-0324: 300 GB free under /w/models/ds, 685 GB needed",
    );
    expect(e.calls.some((c) => c[0] === "huggingface-cli")).toBe(false);
    await expect(
      ensureModel(scripted({ present: false, dfFails: true }), { repo: "a/b", target: "/t", diskGb: 1 }),
    ).rejects.toThrow(/Cannot read the free disk space of \/t/);
  });

  it("downloads resumably when there is room", async () => {
    const e = scripted({ present: false, dfKb: 900 * GB });
    expect(await ensureModel(e, { repo: "xai-org/grok-2", target: "/w/models/grok-2", diskGb: 200 })).toEqual({
      action: "downloaded",
      freeGb: 900,
    });
    const download = e.calls.find((c) => c[0] === "huggingface-cli")!;
    expect(download).toEqual(
      expect.arrayContaining(["xai-org/grok-2", "--local-dir", "/w/models/grok-2", "--resume-download"]),
    );
  });
});
