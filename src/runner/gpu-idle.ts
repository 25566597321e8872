/**
 * GPU idle check from rocm-smi output, compared NUMERICALLY.
 *
 * The seed piped `rocm-smi` into gawk and compared percentages as strings ("5" > "15" is true,
 * "100" > "15" is false, and the banner line "Info" > "15" made every run look busy). Here we read
 * either `rocm-smi --showuse --showmemuse --json` or the concise text table's data rows only, and
 * call a card busy when its GPU use or VRAM use is strictly above the threshold (as the seed meant).
 */

/** Per-card use, in percent. */
export interface CardUse {
  card: string;
  gpuPct: number;
  vramPct: number;
}

export interface GpuIdleResult {
  idle: boolean;
  /** Cards above a threshold. */
  busy: CardUse[];
  /** Every card read (busy or not). */
  cards: CardUse[];
  /** Why the verdict is what it is, one line per busy card or problem. */
  reasons: string[];
}

export interface GpuThresholds {
  gpuPct: number;
  vramPct: number;
}

const DEFAULT_THRESHOLD = 15;

/**
 * Thresholds from GPU_USAGE_THRESHOLD / VRAM_USAGE_THRESHOLD (default 15 each, as in the seed's
 * perf_nightly from August). A value that is not a number is an error, not silently the default.
 */
export function thresholdsFromEnv(env: Record<string, string | undefined>): GpuThresholds {
  const read = (name: string): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return DEFAULT_THRESHOLD;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) {
      throw new Error(`${name}=${JSON.stringify(raw)} is not a percentage (expected e.g. 15)`);
    }
    return n;
  };
  return { gpuPct: read("GPU_USAGE_THRESHOLD"), vramPct: read("VRAM_USAGE_THRESHOLD") };
}

const GPU_KEYS = ["GPU use (%)"];
const VRAM_KEYS = ["GPU Memory Allocated (VRAM%)", "GPU memory use (%)", "GPU Memory use (%)"];

/** Parses a percentage such as "5", "5%", " 12.5 % " or 5; NaN when it is not one. */
function pct(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return NaN;
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(value);
  return m ? Number(m[1]) : NaN;
}

/** Reads `rocm-smi --showuse --showmemuse --json` output into per-card use. */
export function parseRocmSmiJson(text: string): { cards: CardUse[]; problems: string[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err: unknown) {
    throw new Error("rocm-smi --json output is not valid JSON", { cause: err });
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new Error("rocm-smi --json output is not an object keyed by card");
  }
  const cards: CardUse[] = [];
  const problems: string[] = [];
  for (const [card, fields] of Object.entries(data as Record<string, unknown>)) {
    if (!/^card\d+$/i.test(card) || typeof fields !== "object" || fields === null) continue;
    const f = fields as Record<string, unknown>;
    const pick = (keys: string[]): number => {
      const key = keys.find((k) => k in f);
      return key === undefined ? NaN : pct(f[key]);
    };
    const gpuPct = pick(GPU_KEYS);
    const vramPct = pick(VRAM_KEYS);
    if (Number.isNaN(gpuPct) || Number.isNaN(vramPct)) {
      problems.push(`${card}: no numeric GPU use / VRAM use in rocm-smi JSON`);
    }
    cards.push({ card, gpuPct, vramPct });
  }
  return { cards, problems };
}

/**
 * Reads the concise text table: only data rows (lines starting with a device number) count.
 * The header names the %-columns (e.g. `VRAM%  GPU%`); they are matched from the right against the
 * row's percentage cells, because earlier cells (Fan) are percentages too and some cells hold spaces.
 */
export function parseRocmSmiText(text: string): { cards: CardUse[]; problems: string[] } {
  const lines = text.split(/\r?\n/);
  const header = lines.find((l) => /\bVRAM%/.test(l) && /\bGPU%/.test(l));
  if (!header) {
    throw new Error("rocm-smi text output has no header with VRAM% and GPU% columns");
  }
  const pctColumns = header
    .trim()
    .split(/\s+/)
    .filter((t) => t.endsWith("%"));
  const vramFromRight = pctColumns.length - pctColumns.indexOf("VRAM%");
  const gpuFromRight = pctColumns.length - pctColumns.indexOf("GPU%");
  const cards: CardUse[] = [];
  const problems: string[] = [];
  lines.forEach((line, i) => {
    const m = /^\s*(\d+)\s/.exec(line);
    if (!m) return;
    const cells = [...line.matchAll(/(?:^|\s)(\d+(?:\.\d+)?|N\/A)%?(?=\s|$)/g)].map((x) => x[0]);
    const percents = cells.filter((c) => c.endsWith("%")).map((c) => pct(c.trim()));
    const at = (fromRight: number): number => percents[percents.length - fromRight] ?? NaN;
    const card = `card${m[1]}`;
    const gpuPct = at(gpuFromRight);
    const vramPct = at(vramFromRight);
    if (Number.isNaN(gpuPct) || Number.isNaN(vramPct)) {
      problems.push(`line ${i + 1}: cannot read GPU% / VRAM% for ${card}: ${line.trim()}`);
    }
    cards.push({ card, gpuPct, vramPct });
  });
  return { cards, problems };
}

/**
 * Decides whether the GPUs are idle. Accepts JSON or concise text output (detected by a leading
 * `{`). Unreadable values or no cards at all give `idle: false` with a reason: never run benchmarks
 * on GPUs we could not check without saying so.
 */
export function checkGpuIdle(
  output: string,
  thresholds: GpuThresholds = { gpuPct: DEFAULT_THRESHOLD, vramPct: DEFAULT_THRESHOLD },
): GpuIdleResult {
  const { cards, problems } = output.trimStart().startsWith("{") ? parseRocmSmiJson(output) : parseRocmSmiText(output);
  const reasons = [...problems];
  const busy: CardUse[] = [];
  for (const c of cards) {
    const why: string[] = [];
    if (c.gpuPct > thresholds.gpuPct) why.push(`GPU use ${c.gpuPct}% > ${thresholds.gpuPct}%`);
    if (c.vramPct > thresholds.vramPct) why.push(`VRAM ${c.vramPct}% > ${thresholds.vramPct}%`);
    if (why.length > 0) {
      busy.push(c);
      reasons.push(`${c.card}: ${why.join(", ")}`);
    }
  }
  if (cards.length === 0) reasons.push("no GPUs found in rocm-smi output");
  return { idle: busy.length === 0 && reasons.length === 0, busy, cards, reasons };
}
