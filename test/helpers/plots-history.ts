/** Synthetic nightly histories for the plots/dashboard tests (deterministic, with planted shifts). */
import { join } from "node:path";
import { emptyRun, type RunResults } from "../../src/core/results/index.js";
import { writeResults } from "../../src/store/results-file.js";

/** Deterministic noise in [-0.5, 0.5). */
export function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
}

/** `YYYYMMDD` of day `day` counted from 2025-01-01. */
export function dateOf(day: number): string {
  return new Date(Date.UTC(2025, 0, 1 + day)).toISOString().slice(0, 10).replaceAll("-", "");
}

export const OFFLINE_BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256] as const;

/**
 * `nights` nights of Grok-1 offline (2 repeats a night); E2E latency at batch size 32 is 10 %
 * slower from night `shiftAt` on (throughput drops accordingly).
 */
export function offlineHistory(nights = 60, shiftAt = 40): RunResults[] {
  const noise = rng(11);
  const runs: RunResults[] = [];
  for (let day = 0; day < nights; day++) {
    const date = dateOf(day);
    const tag = `v0.5.3-rocm630-mi30x-${date}`;
    const r = emptyRun({
      kind: "offline",
      suite: "grok-offline-normal",
      model: { name: "GROK1", variant: "MOE-I4F8" },
      hardware: "mi30x",
      backend: "aiter",
      date,
      image: { full: `rocm/sgl-dev:${tag}`, tag },
    });
    for (const bs of OFFLINE_BATCHES) {
      const base = 1.2 + bs * 0.02;
      const lat = base * (bs === 32 && day >= shiftAt ? 1.1 : 1);
      r.points.push({
        point: { tp: 8, batch_size: bs, input_len: 1024, output_len: 128 },
        repeats: [1, 2].map((index) => {
          const l = lat * (1 + 0.004 * noise());
          return { index, metrics: { total_latency: l, overall_throughput: (bs * 1152) / l } };
        }),
      });
    }
    runs.push(r);
  }
  return runs;
}

/** Writes runs as run folders (`results.json`) under `<root>/offline/GROK1/<tag>_GROK1_MOE-I4F8_offline`. */
export async function writeHistory(root: string, runs: readonly RunResults[]): Promise<string[]> {
  const out: string[] = [];
  for (const r of runs) {
    const dir = join(
      root,
      r.kind,
      r.model.name,
      `${r.image?.tag ?? r.date}_${r.model.name}_${r.model.variant}_${r.kind}`,
    );
    await writeResults(dir, r);
    out.push(dir);
  }
  return out;
}
