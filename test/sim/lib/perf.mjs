/**
 * The performance model of the simulated GPU. All times are VIRTUAL seconds (what a real MI300X
 * would take); the server streams with real delays = virtual × SGLSIM_TIME_SCALE.
 * Base numbers are fitted to the real CI logs in test/fixtures/real:
 *  - Grok-2 rate 1 (random 1024/1024, ratio 0 → ~512 in/out): TTFT ≈ 100 ms, ITL ≈ 17-18 ms, E2E ≈ 9.8 s.
 *  - DeepSeek-V3 concurrency 1 (3200/800): TTFT ≈ 104 ms, ITL ≈ 20.5 ms, E2E ≈ 16.5 s.
 *  - GSM8K: Grok-1 ≈ 0.81 accuracy (Grok-2 paths ≈ 0.935), ~146 output tokens/answer; DeepSeek ≈ 0.937, ~103 tokens/answer.
 */
import process from "node:process";

/** @typedef {ReturnType<typeof profileFor>} Profile */

const FAMILIES = {
  grok: {
    family: "grok",
    prefillBase: 0.06,
    prefillPerToken: 0.00007,
    decodeBase: 0.0165,
    decodePerBatch: 0.0072,
    maxTotalTokens: 3328113,
    contextLen: 131072,
    kvGbPerRank: 50.78,
    mla: false,
    gsm8kAccuracy: 0.81,
    gsm8kTokens: 146,
    queueFactor: 0.005,
    modelType: "Grok1ForCausalLM",
  },
  deepseek: {
    family: "deepseek",
    prefillBase: 0.04,
    prefillPerToken: 0.00002,
    decodeBase: 0.0204,
    decodePerBatch: 0.0118,
    maxTotalTokens: 971748,
    contextLen: 163840,
    kvGbPerRank: 63.6,
    mla: true,
    gsm8kAccuracy: 0.937,
    gsm8kTokens: 103,
    queueFactor: 1.3,
    modelType: "DeepseekV3ForCausalLM",
  },
};

/** Which family a model path looks like (DeepSeek paths → MLA model; everything else Grok-like). */
export function familyOf(modelPath) {
  return /deepseek/i.test(String(modelPath ?? "")) ? "deepseek" : "grok";
}

function envNumber(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name}=${raw} is not a number`);
  return value;
}

/**
 * Relative sd of a run's level (SGLSIM_NOISE default): the real nightlies' launch-to-launch level of
 * median E2E/ITL and throughput moves 0.1–0.25 % (src/core/verdict/prior-noise.json), median TTFT
 * 0.4–1 %; 0.3 % keeps repeats visibly different without the 1 % that made identical images cross
 * the verdicts' 2 % minimum effect by chance.
 */
export const DEFAULT_NOISE = 0.003;

/**
 * The model of one "image" (read from the environment of launch_server / bench_one_batch).
 * @param {string | null | undefined} modelPath
 * @param {NodeJS.ProcessEnv} [env]
 */
export function profileFor(modelPath, env = process.env) {
  const base = FAMILIES[familyOf(modelPath)];
  // Grok-2 answers GSM8K as on its good real nights (MI355X 0.914–0.931), clear of its 0.92 floor; Grok-1 ≈ 0.81.
  const accuracy = /grok-?2/i.test(String(modelPath ?? "")) ? 0.935 : base.gsm8kAccuracy;
  return {
    ...base,
    speed: envNumber(env, "SGLSIM_SPEED", 1),
    decodeSpeed: envNumber(env, "SGLSIM_DECODE_SPEED", 1),
    noise: envNumber(env, "SGLSIM_NOISE", DEFAULT_NOISE),
    // Extra slowness of the first run of each point (real nightlies: up to ~10 % at DeepSeek concurrency 16).
    warmupPenalty: envNumber(env, "SGLSIM_WARMUP_PENALTY", 2 * envNumber(env, "SGLSIM_NOISE", DEFAULT_NOISE)),
    gsm8kAccuracy: envNumber(env, "SGLSIM_GSM8K_ACCURACY", accuracy),
    failFraction: envNumber(env, "SGLSIM_FAIL_REQUESTS", 0),
  };
}

/** Time to first token (s) for one request of `inputLen` tokens joining `batch` running requests. */
export function ttftSeconds(profile, inputLen, batch, runFactor = 1) {
  const prefill = profile.prefillBase + profile.prefillPerToken * inputLen;
  return prefill * (1 + 0.01 * Math.max(0, batch - 1)) * profile.speed * runFactor;
}

/**
 * Time (s) a request waits for the prefills of the others in its batch before its own. Fitted per
 * family: DeepSeek's median TTFT grows ~85 ms per concurrent request (0.1 s at concurrency 1,
 * 1.9 s at 16, 10.8 s at 128 in the real logs); Grok's barely moves (0.1 s → 0.3 s at ~1200).
 */
export function queueWaitSeconds(profile, inputLen, batch, runFactor = 1) {
  return profile.queueFactor * Math.max(0, batch - 1) * profile.prefillPerToken * inputLen * profile.speed * runFactor;
}

/** Mean inter-token gap (s) including the expected prefill spikes (see interTokenGaps). */
export function meanGapSeconds(profile, batch, runFactor = 1) {
  return (
    decodeStepSeconds(profile, batch, runFactor) * 1.0003 + spikeChanceFor(batch) * 0.14 * profile.speed * runFactor
  );
}

function spikeChanceFor(batch) {
  return Math.min(0.1, 0.0017 * Math.max(0, batch - 1));
}

/** One decode step (s) with `batch` running requests. */
export function decodeStepSeconds(profile, batch, runFactor = 1) {
  return (
    profile.decodeBase *
    (1 + profile.decodePerBatch * Math.max(0, batch - 1)) *
    profile.speed *
    profile.decodeSpeed *
    runFactor
  );
}

/** Prefill of a whole batch (bench_one_batch): `tokens` = batch × input_len. */
export function batchPrefillSeconds(profile, tokens, runFactor = 1) {
  return (profile.prefillBase + profile.prefillPerToken * tokens) * profile.speed * runFactor;
}

/**
 * Inter-token gaps (s) of one request: a steady decode step with small jitter, plus occasional
 * spikes when other requests' prefills are scheduled in between (none when running alone).
 * The spikes come at the rate of those prefills (evenly, from a random phase) with sizes spread
 * evenly over 40–240 ms (golden-ratio sequence), not as independent coin flips: the prefills a
 * request meets are fixed by the seeded schedule, and with ~1 % of gaps spiking, P99 ITL sits inside
 * the spike sizes, where a random spike count (±2.5 % per run) moved it ±8 % between runs (real
 * nightlies: ~1 %).
 * @param {{ next(): number, normal(m?: number, s?: number): number }} rng
 */
export function interTokenGaps(profile, outputLen, batch, rng, runFactor = 1) {
  const step = decodeStepSeconds(profile, batch, runFactor);
  const spikeChance = spikeChanceFor(batch);
  const gaps = new Array(Math.max(0, outputLen - 1));
  let due = rng.next();
  let size = rng.next();
  for (let i = 0; i < gaps.length; i++) {
    let gap = step * Math.max(0.8, rng.normal(1, 0.01));
    if (rng.next() < 0.002) gap *= 1.15;
    due += spikeChance;
    if (due >= 1) {
      due -= 1;
      size = (size + 0.6180339887) % 1;
      gap += (0.04 + size * 0.2) * profile.speed * runFactor;
    }
    gaps[i] = gap;
  }
  return gaps;
}

/**
 * Per-run factor: each benchmark run is a bit faster or slower (sd = SGLSIM_NOISE); the first
 * run of a point is slower by SGLSIM_WARMUP_PENALTY (default 2·noise), like a cold real GPU.
 */
export function runFactorFor(profile, rng, isFirstRunOfPoint) {
  return Math.max(0.5, rng.normal(1, profile.noise)) * (isFirstRunOfPoint ? 1 + profile.warmupPenalty : 1);
}
