/**
 * Disk errors without mount privileges: /dev/full gives a real ENOSPC on every write, and a path
 * under a regular file a real ENOTDIR. (Read-only and full file systems: test/e2e/disk-errors.test.ts.)
 */
import { describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyRun } from "../../src/core/results/index.js";
import { LogSink, RunFolderWriter } from "../../src/runner/run-folder-writer.js";
import { DiskError, makeDirSync, toDiskError, writeFileAtomic } from "../../src/store/disk-write.js";
import { readResults } from "../../src/store/results-file.js";

const fresh = () => emptyRun({ kind: "offline", suite: "grok-offline-normal", model: { name: "GROK1" } });
const temp = () => mkdtempSync(join(tmpdir(), "sglbench-disk-"));
const turn = () => new Promise((r) => setImmediate(r));

describe("LogSink", () => {
  it("writes lines through at the end of the turn: the file holds them before close", async () => {
    const path = join(temp(), "server.log");
    const sink = new LogSink(path);
    sink.line("first line");
    sink.line("token=ghp_abcdefghijklmnopqrstuvwxyz0123");
    await turn();
    expect(readFileSync(path, "utf8")).toBe("first line\ntoken=<redacted>\n");
    sink.line("x".repeat(70 * 1024)); // past 64 KiB: written at once
    expect(readFileSync(path, "utf8").length).toBe(28 + 70 * 1024 + 1);
    sink.close();
  });

  it("a process that dies of an uncaught error in the same turn still leaves its lines", () => {
    const path = join(temp(), "server.log");
    const module = join(import.meta.dirname, "..", "..", "src", "runner", "run-folder-writer.ts");
    const script = `import { LogSink } from ${JSON.stringify(module)};
      const sink = new LogSink(${JSON.stringify(path)});
      sink.line("server starting");
      sink.line("last words");
      throw new Error("crash");`;
    expect(() =>
      execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        cwd: join(import.meta.dirname, "..", ".."),
        stdio: "pipe",
      }),
    ).toThrow(/crash/);
    expect(readFileSync(path, "utf8")).toBe("server starting\nlast words\n");
  });

  it("a full disk (ENOSPC) stops the log without throwing into the stream, reported once with the real errno", async () => {
    const errors: DiskError[] = [];
    const sink = new LogSink("/dev/full", false, (e) => errors.push(e));
    expect(() => {
      sink.line("a");
      sink.line("b");
    }).not.toThrow();
    await turn();
    sink.line("c");
    await turn();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe("ENOSPC");
    expect(sink.error?.message).toBe("cannot write log /dev/full: ENOSPC (no space left on device)");
    expect(sink.tail()).toEqual(["a", "b", "c"]);
    sink.close();
  });
});

describe("RunFolderWriter on a full disk", () => {
  it("records the disk error in results.json and the next flush throws it", async () => {
    const folder = temp();
    symlinkSync("/dev/full", join(folder, "server_output.log"));
    const writer = await RunFolderWriter.open(folder, fresh());
    const log = writer.log("server_output.log");
    log.line("server starting");
    await turn();
    await expect(writer.flush()).rejects.toMatchObject({ code: "ENOSPC", name: "DiskError" });
    const saved = await readResults(join(folder, "results.json"));
    expect(saved.failures).toEqual([
      {
        kind: "crash",
        message: `disk error: cannot write log ${join(folder, "server_output.log")}: ENOSPC (no space left on device)`,
        source: join(folder, "server_output.log"),
      },
    ]);
  });

  it("a folder that cannot be made names the real errno and the path (not ENOENT)", async () => {
    const root = temp();
    writeFileSync(join(root, "file"), "x");
    const err = await RunFolderWriter.open(join(root, "file", "run"), fresh()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiskError);
    expect((err as DiskError).code).toBe("ENOTDIR");
    expect((err as DiskError).message).toContain(join(root, "file"));
  });
});

describe("disk-write", () => {
  it("makeDirSync creates nested folders and is idempotent", () => {
    const dir = join(temp(), "a", "b", "c");
    makeDirSync(dir);
    makeDirSync(dir);
    expect(readdirSync(join(dir, ".."))).toEqual(["c"]);
  });

  it("writeFileAtomic leaves the previous file and no temp file when the write fails", async () => {
    const dir = temp();
    writeFileSync(join(dir, "report.md"), "old");
    // A folder where the temp file's rename target is: rename fails with EISDIR-like errors.
    const target = join(dir, "sub");
    makeDirSync(join(target, "x"));
    const err = await writeFileAtomic(target, "new").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiskError);
    expect(readdirSync(dir).sort()).toEqual(["report.md", "sub"]);
    expect(readFileSync(join(dir, "report.md"), "utf8")).toBe("old");
  });

  it("toDiskError keeps non-fs errors as they are", () => {
    const plain = new Error("boom");
    expect(toDiskError(plain, "/x", "write")).toBe(plain);
    const wrapped = toDiskError(Object.assign(new Error("x"), { code: "EROFS" }), "/x", "write");
    expect((wrapped as Error).message).toBe("cannot write /x: EROFS (read-only file system)");
  });
});
