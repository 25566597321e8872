/**
 * Choosing the nightly rocm/sgl-dev image: today's tag (Pacific time, when the images are built)
 * else yesterday's, in either tag style the registry has used.
 */

export type Hardware = "mi30x" | "mi35x";
export type RocmVersion = "630" | "700";

/**
 * The calendar date in America/Los_Angeles, `daysAgo` days before `now`, as "YYYYMMDD".
 * Days are subtracted on the Pacific calendar (not as 24 h steps), so DST days of 23 or 25 hours
 * never skip or repeat a date.
 */
export function pacificDate(now: Date, daysAgo = 0): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: "America/Los_Angeles",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(now);
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const d = new Date(Date.UTC(get("year"), get("month") - 1, get("day") - daysAgo));
  const pad = (n: number, w = 2): string => String(n).padStart(w, "0");
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

/** `v0.4.9.post2-rocm630-mi30x-20250716`, `v0.5.3rc0-rocm630-mi30x-20251001`. */
const VERSIONED = /^v(\d+)\.(\d+)\.(\d+)(?:\.post(\d+)|rc(\d+))?-rocm(\d{3})-(mi30x|mi35x)-(\d{8})$/;
/** `20250624`, `20250624rc` (nightly tags until ~July 2025; MI300X only). */
const DATED = /^(\d{8})(rc\d*)?$/;

export interface NightlyPick {
  tag: string;
  /** The YYYYMMDD the tag is for. */
  date: string;
  /** True when today's image was missing and yesterday's was taken. */
  fallback: boolean;
}

export interface NightlyMiss {
  tag: null;
  /** Dates searched, today first. */
  tried: string[];
}

export interface PickOptions {
  hardware: Hardware;
  /** Only this ROCm build; any when omitted. */
  rocm?: RocmVersion;
  now: Date;
}

/**
 * Picks today's nightly tag, else yesterday's. `-srt` variants are never chosen. Old date-only tags
 * carry no hardware, so they count for mi30x only (and only when no ROCm other than 630 is asked).
 * Among several matches for a date: versioned over date-only, then higher SGLang version
 * (rcN < final < .postN), then higher ROCm.
 */
export function pickNightlyTag(tags: readonly string[], options: PickOptions): NightlyPick | NightlyMiss {
  const tried = [pacificDate(options.now, 0), pacificDate(options.now, 1)];
  for (const [i, date] of tried.entries()) {
    const ranked = tags
      .map((tag) => ({ tag, key: rankKey(tag, date, options) }))
      .filter((c): c is { tag: string; key: number[] } => c.key !== null)
      .sort((a, b) => compareKeys(b.key, a.key));
    const best = ranked[0];
    if (best) return { tag: best.tag, date, fallback: i > 0 };
  }
  return { tag: null, tried };
}

/** Sort key for a tag that matches `date`/options, or null when it does not. */
function rankKey(tag: string, date: string, o: PickOptions): number[] | null {
  if (tag.endsWith("-srt")) return null;
  const v = VERSIONED.exec(tag);
  if (v) {
    const [, major, minor, patch, post, rc, rocm, hw, d] = v;
    if (d !== date || hw !== o.hardware) return null;
    if (o.rocm !== undefined && rocm !== o.rocm) return null;
    // rcN ranks below the final release, .postN above it.
    const stage = rc !== undefined ? -1000 + Number(rc) : post !== undefined ? 1 + Number(post) : 0;
    return [1, Number(major), Number(minor), Number(patch), stage, Number(rocm)];
  }
  const d = DATED.exec(tag);
  if (d) {
    if (d[1] !== date || o.hardware !== "mi30x") return null;
    if (o.rocm !== undefined && o.rocm !== "630") return null;
    // A plain date tag is the release; `rc` is a candidate built earlier.
    return [0, 0, 0, 0, d[2] === undefined ? 1 : 0, 0];
  }
  return null;
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * The best tag of one Pacific date (`--continue-run-days`: one image per day, newest first), by the
 * same ranking as {@link pickNightlyTag}; null when that day has none.
 */
export function nightlyTagForDate(
  tags: readonly string[],
  date: string,
  options: Omit<PickOptions, "now">,
): string | null {
  const ranked = tags
    .map((tag) => ({ tag, key: rankKey(tag, date, { ...options, now: new Date(0) }) }))
    .filter((c): c is { tag: string; key: number[] } => c.key !== null)
    .sort((a, b) => compareKeys(b.key, a.key));
  return ranked[0]?.tag ?? null;
}
