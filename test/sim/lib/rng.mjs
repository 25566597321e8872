/** Seeded random numbers (mulberry32) so a given SGLSIM_SEED replays the same run. */
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

/** Seed from SGLSIM_SEED, else a fresh one per process (repeats then differ like real runs). */
export function seedFromEnv(env = process.env, salt = 0) {
  const raw = env.SGLSIM_SEED;
  const base =
    raw !== undefined && raw !== "" && Number.isFinite(Number(raw)) ? Number(raw) : Math.floor(Math.random() * 2 ** 31);
  return (base + salt * 7919) >>> 0;
}
