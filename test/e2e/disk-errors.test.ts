/**
 * Real read-only and full file systems (tiny tmpfs mounts): runs only where this process may mount
 * (root in a container with CAP_SYS_ADMIN); elsewhere the suite is skipped with a note.
 */
import { afterAll, describe, expect, it, jest } from "@jest/globals";
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { run as compare } from "../../src/cli/commands/compare.js";
import { main } from "../../src/cli/main.js";
import { emptyRun } from "../../src/core/results/index.js";
import { RunFolderWriter } from "../../src/runner/run-folder-writer.js";
import { DiskError } from "../../src/store/disk-write.js";
import { readResults } from "../../src/store/results-file.js";
import { captureIO } from "../helpers/capture-io.js";

jest.setTimeout(60_000);

const root = mkdtempSync(join(tmpdir(), "sglbench-disk-e2e-"));
const mounted: string[] = [];

/** Mounts a tmpfs with `options` at a new folder; undefined when mounting is not allowed here. */
function tmpfs(name: string, options: string): string | undefined {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  mounted.push(dir);
  return dir;
}

const probe = tmpfs("probe", "size=16k");
const describeMount = probe ? describe : describe.skip;
if (!probe) console.warn("disk-errors e2e skipped: cannot mount a tmpfs here");

afterAll(() => {
  for (const dir of mounted.reverse()) execFileSync("umount", ["-l", dir], { stdio: "ignore" });
  rmSync(root, { recursive: true, force: true });
});

const SEED = join(import.meta.dirname, "..", "fixtures", "seed", "20250626_GROK1_MOE-I4F8_offline.csv");
function seedFolder(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "x_offline.csv"), readFileSync(SEED));
  return dir;
}
const simEnv = () => ({
  ...process.env,
  PATH: `${resolve("test/sim/bin")}${delimiter}${process.env.PATH ?? ""}`,
  SGLSIM_TIME_SCALE: "0.0002",
});
const fresh = () => emptyRun({ kind: "offline", suite: "grok-offline-normal", model: { name: "GROK1" } });

/** Fills the file system until ENOSPC. */
function fill(dir: string): void {
  const chunk = Buffer.alloc(4096, "x");
  try {
    for (let i = 0; i < 10_000; i++) writeFileSync(join(dir, `filler-${i}`), chunk);
  } catch (error: unknown) {
    expect((error as { code?: string }).code).toBe("ENOSPC");
  }
}

describeMount("a read-only output folder", () => {
  it("the run folder fails with EROFS and the path, not ENOENT", async () => {
    const ro = tmpfs("ro", "size=64k,ro")!;
    const err = await RunFolderWriter.open(join(ro, "out", "run"), fresh()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiskError);
    expect((err as DiskError).code).toBe("EROFS");
    expect((err as DiskError).message).toBe(`cannot create folder ${join(ro, "out")}: EROFS (read-only file system)`);
  });

  it("compare --output-dir on it exits 1 with one line naming EROFS, no stack trace", async () => {
    const ro = tmpfs("ro2", "size=64k,ro")!;
    const a = seedFolder("a_GROK1_MOE-I4F8_offline");
    const io = captureIO();
    expect(await compare(["--csv1", a, "--csv2", a, "--output-dir", ro], io)).toBe(1);
    const err = io.err.join("");
    expect(err).toMatch(/^sglbench compare: cannot create folder .*: EROFS \(read-only file system\)\n$/);
  });
});

describeMount("sglbench offline into a read-only folder (simulator)", () => {
  it("exits 1 with one line naming EROFS and the folder, no stack trace", async () => {
    const ro = tmpfs("ro3", "size=64k,ro")!;
    const io = { ...captureIO(ro), env: simEnv() };
    const code = await main(
      [
        "offline",
        "--local",
        "--docker-image=rocm/sgl-dev:20250623",
        "--points=1",
        `--output-dir=${join(ro, "results")}`,
        `--work-dir=${mkdtempSync(join(tmpdir(), "sglbench-disk-work-"))}`,
      ],
      io,
    );
    expect(code).toBe(1);
    expect(io.err.join("")).toBe(
      `sglbench offline: cannot create folder ${join(ro, "results")}: EROFS (read-only file system)\n`,
    );
  });
});

describeMount("a full disk", () => {
  it("a log keeps every line written before the disk filled; results.json records the ENOSPC", async () => {
    const full = tmpfs("full", "size=64k")!;
    const folder = join(full, "run");
    const writer = await RunFolderWriter.open(folder, fresh());
    // A run some way in: its results.json is written indented, with points measured.
    for (const batch_size of [1, 2, 4, 8, 16, 32]) {
      const metrics = { prefill_latency: 0.09215, total_latency: 1.604, overall_throughput: 718.2 };
      writer.addRepeat({ tp: 8, batch_size, input_len: 1024, output_len: 128 }, { index: 1, metrics });
    }
    await writer.flush();
    const log = writer.log("server_output.log");
    log.line("server starting");
    await new Promise((r) => setImmediate(r));
    expect(statSync(join(folder, "server_output.log")).size).toBe("server starting\n".length);
    fill(full);
    for (let i = 0; i < 200 && !log.error; i++) {
      log.line(`line ${i} ${"y".repeat(100)}`);
      await new Promise((r) => setImmediate(r));
    }
    expect(log.error?.code).toBe("ENOSPC");
    expect(readFileSync(join(folder, "server_output.log"), "utf8")).toMatch(/^server starting\n/);
    await expect(writer.flush()).rejects.toMatchObject({ code: "ENOSPC" });
    const saved = await readResults(join(folder, "results.json"));
    expect(saved.failures.map((f) => f.message)).toEqual([
      `disk error: cannot write log ${join(folder, "server_output.log")}: ENOSPC (no space left on device)`,
    ]);
    expect(saved.points).toHaveLength(6);
    expect(saved.finished_at).toBeUndefined();
    log.close();
  });

  it("compare leaves no report file (not even 0 bytes) and exits 1 naming ENOSPC", async () => {
    const full = tmpfs("full2", "size=64k")!;
    fill(full);
    const a = seedFolder("b_GROK1_MOE-I4F8_offline");
    const io = captureIO();
    const md = join(full, "report.md");
    expect(await compare(["--csv1", a, "--csv2", a, "--output-md", md], io)).toBe(1);
    expect(io.err.join("")).toContain(`cannot write ${md}: ENOSPC (no space left on device)`);
    expect(existsSync(md)).toBe(false);
    expect(readdirSync(full).filter((n) => !n.startsWith("filler-"))).toEqual([]);
  });
});

describeMount("sglbench offline on a full disk (simulator)", () => {
  it("exits 1 naming ENOSPC; results.json (when it could be written) records it and is not marked finished", async () => {
    const full = tmpfs("full3", "size=24k")!;
    const io = {
      ...captureIO(full),
      env: simEnv(),
    };
    const code = await main(
      [
        "offline",
        "--local",
        "--docker-image=rocm/sgl-dev:20250623",
        "--points=1,2,4,8,16",
        `--output-dir=${full}`,
        `--work-dir=${mkdtempSync(join(tmpdir(), "sglbench-disk-work-"))}`,
      ],
      io,
    );
    const err = io.err.join("");
    expect(code).toBe(1);
    expect(err).toMatch(/sglbench offline: cannot write .*: ENOSPC \(no space left on device\)\n$/);
    expect(err).not.toMatch(/\n\s+at /);
    const folder = join(full, "offline/GROK1/20250623_GROK1_MOE-I4F8_offline");
    if (existsSync(join(folder, "results.json"))) {
      const saved = await readResults(join(folder, "results.json"));
      expect(saved.failures.some((f) => f.message.includes("ENOSPC"))).toBe(true);
      expect(saved.finished_at).toBeUndefined();
    }
    // Every log before the one the disk refused holds what was written (none is left at 0 bytes by a buffer).
    const refused = /cannot write (?:log )?(\S+): ENOSPC/.exec(err)?.[1];
    const logs = readdirSync(folder).filter((n) => n.endsWith(".log") && join(folder, n) !== refused);
    expect(logs.length).toBeGreaterThan(0);
    for (const name of logs) expect(statSync(join(folder, name)).size).toBeGreaterThan(0);
  });
});
