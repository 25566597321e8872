/**
 * LogSink write cost (figures printed, no assertions): 1M server-log lines of 100 bytes arriving in
 * chunks of 400 lines per event-loop turn (a child's stdout), written (a) through LogSink (one write per
 * turn, synchronous on exit), (b) with one write per line, (c) with the old 64 KiB buffer that lost
 * up to 64 KiB on a crash. Goal: (a) within 1.5× of (c) and under (b). Measured (2 shared cores): 4.3 s, 5.9 s, 3.4 s.
 * Run: npx tsx bench/log-sink.bench.ts   (SGLBENCH_BENCH_LINES=1000000 by default)
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogSink } from "../src/runner/run-folder-writer.js";
import { redactSecrets } from "../src/store/redact.js";

const LINES = Number(process.env.SGLBENCH_BENCH_LINES ?? 1_000_000);
const PER_TURN = 400;
const line = `[2025-10-16 03:12:45 TP0] Decode batch. #running-req: 32, #token: 41234, ${"x".repeat(30)}`.slice(0, 99);
const dir = mkdtempSync(join(tmpdir(), "sglbench-bench-logsink-"));
const turn = () => new Promise((r) => setImmediate(r));

async function feed(write: (text: string) => void, done: () => void): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < LINES; i += PER_TURN) {
    for (let j = 0; j < PER_TURN && i + j < LINES; j++) write(line);
    await turn();
  }
  done();
  return (performance.now() - t0) / 1000;
}

const sink = new LogSink(join(dir, "sink.log"));
const a = await feed(
  (t) => sink.line(t),
  () => sink.close(),
);

const fdB = openSync(join(dir, "per-line.log"), "w");
const b = await feed(
  (t) => writeSync(fdB, `${redactSecrets(t)}\n`),
  () => closeSync(fdB),
);

const fdC = openSync(join(dir, "buffered.log"), "w");
let buffer: string[] = [];
let bytes = 0;
const c = await feed(
  (t) => {
    buffer.push(redactSecrets(t), "\n");
    bytes += t.length + 1;
    if (bytes >= 64 * 1024) {
      writeSync(fdC, buffer.join(""));
      buffer = [];
      bytes = 0;
    }
  },
  () => {
    writeSync(fdC, buffer.join(""));
    closeSync(fdC);
  },
);
rmSync(dir, { recursive: true, force: true });

const mb = (LINES * 100) / 1e6;
console.log(
  `LogSink, ${LINES} lines (${mb.toFixed(0)} MB), ${PER_TURN} lines per turn (every variant redacts each line):`,
);
console.log(`  LogSink (write per turn, sync on exit): ${a.toFixed(2)} s`);
console.log(`  write per line:                          ${b.toFixed(2)} s`);
console.log(`  64 KiB buffer (old, lossy on crash):     ${c.toFixed(2)} s`);
console.log(`  peak RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
