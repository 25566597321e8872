import { describe, expect, it } from "@jest/globals";
import type { ExecOptions, ExecResult, Executor } from "../../src/runner/executor.js";
import { downloadCommand, downloadModel } from "../../src/runner/model-download.js";

function executor(exitCode: number, lines: string[]): Executor & { argv: string[] } {
  const e = {
    description: "scripted",
    argv: [] as string[],
    async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
      e.argv = [...argv];
      for (const l of lines) options.onLine?.(l);
      return { exitCode, signal: null, timedOut: false, cancelled: false, durationMs: 1 };
    },
    spawnBackground: () => Promise.reject(new Error("unused")),
  };
  return e;
}

describe("--download-model", () => {
  it("runs the seed's resumable huggingface-cli download", async () => {
    const e = executor(0, ["done"]);
    await downloadModel(e, "deepseek-ai/DeepSeek-V3-0324", "/mnt/raid/models/ds");
    expect(e.argv).toEqual(downloadCommand("deepseek-ai/DeepSeek-V3-0324", "/mnt/raid/models/ds"));
    expect(e.argv).toEqual(expect.arrayContaining(["--local-dir", "/mnt/raid/models/ds", "--resume-download"]));
  });

  it("a failed download throws with the model id and the output tail", async () => {
    await expect(downloadModel(executor(1, ["401 Client Error: Unauthorized"]), "org/model", "/m")).rejects.toThrow(
      /Downloading org\/model into \/m failed \(exit 1\):\n401 Client Error/,
    );
  });
});
