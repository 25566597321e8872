/** Seeded random numbers (mulberry32) so a given SGLSIM_SEED replays the same run. */
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

/**
 * @param {number} seed
 * @returns {{ next(): number, normal(mean?: number, sd?: number): number, int(lo: number, hi: number): number, exp(rate: number): number }}
 */
export function createRng(seed) {
  let state = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    normal(mean = 0, sd = 1) {
      const u = Math.max(next(), 1e-12);
      const v = next();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    int(lo, hi) {
      return lo + Math.floor(next() * (hi - lo + 1));
    },
    exp(rate) {
      return -Math.log(1 - next()) / rate;
    },
  };
}

/**
 * Seed from SGLSIM_SEED, else a fresh one per process (repeats then differ like real runs).
 * With a fixed seed and a `stream` name (the command: tool + arguments), the n-th invocation of that
 * command by the same parent process gets the n-th seed of the stream: every repeat and every launch
 * draws its own noise like a real GPU, yet the same parent replaying the same commands gets the same
 * numbers. Without a stream every process of the seed draws the same numbers.
 */
export function seedFromEnv(env = process.env, salt = 0, stream = undefined) {
  const raw = env.SGLSIM_SEED;
  const fixed = raw !== undefined && raw !== "" && Number.isFinite(Number(raw));
  const base = fixed ? Number(raw) : Math.floor(Math.random() * 2 ** 31);
  const n = fixed && stream !== undefined ? invocationIndex(`${raw}|${salt}|${stream}`) : 0;
  return (base + salt * 7919 + Math.imul(n, 0x9e3779b1)) >>> 0;
}

/** FNV-1a of a string (file names for the invocation counters). */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/**
 * 0 for the first invocation of `key` under this parent process, then 1, 2, … (a counter file in the
 * temp folder; the parent's start time keeps a recycled pid from continuing an old count).
 */
function invocationIndex(key) {
  let parent = String(process.ppid);
  try {
    parent += `-${readFileSync(`/proc/${process.ppid}/stat`, "utf8").split(") ")[1]?.split(" ")[19] ?? ""}`;
  } catch {
    // no /proc: the pid alone
  }
  const file = join(tmpdir(), `sglsim-runs-${hash(`${parent}|${key}`)}`);
  let n = 0;
  try {
    n = Number(readFileSync(file, "utf8")) || 0;
  } catch {
    // first invocation
  }
  try {
    writeFileSync(file, String(n + 1));
  } catch {
    // read-only temp: every invocation is the first
  }
  return n;
}
