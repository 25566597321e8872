/**
 * What changed between two nights of a series, from run metadata: the image's ROCm version, the
 * SGLang build (version in the tag), the host, or only the nightly image. The first of these that
 * differs is the likely cause of a level shift; every difference is listed.
 */

/** What a nightly image tag says: `v0.5.5.post3-rocm700-mi30x-20251121`. */
export interface ImageFacts {
  /** SGLang version part of the tag (`v0.5.5.post3`), when the tag has one. */
  version?: string;
  /** ROCm version as written in the tag (`700`) and for reading (`7.0`). */
  rocm?: string;
  rocmLabel?: string;
  /** Build date in the tag (`YYYYMMDD`). */
  date?: string;
}

/** The metadata of one night of a series that can explain a change. */
export interface NightFacts {
  date: string;
  tag: string;
  /** Host the run ran on (`dell300x-pla-t10-23`), when known. */
  host?: string;
  /** SGLang commit of the image, when known. */
  commit?: string;
}

/** Kind of a metadata difference, most likely cause first. */
export type CauseKind = "rocm" | "host" | "build" | "image" | "unknown";

export interface ChangeCause {
  kind: CauseKind;
  /** `ROCm 6.3 → 7.0`, `host dell300x-pla-t10-23 → dell300x-pla-t12-38`, `build v0.5.5.post2 → v0.5.5.post3`. */
  text: string;
}

/** Parses `v0.5.5.post3-rocm700-mi30x-20251121` (and `…rc0…`, `…-rocm630-…`); unknown parts are left out. */
export function imageFacts(tag: string): ImageFacts {
  const out: ImageFacts = {};
  const version = /^(v?\d+\.\d+(?:\.\d+)?(?:[.-]?(?:post|rc|dev)\d*)*)/i.exec(tag)?.[1];
  if (version) out.version = version;
  const rocm = /rocm-?(\d{3,4})/i.exec(tag)?.[1];
  if (rocm) {
    out.rocm = rocm;
    // 630 → 6.3, 700 → 7.0, 7010 → 7.0.1 (digits after the first two are patch levels).
    const [major = "", minor = "", ...rest] = rocm.split("");
    out.rocmLabel = [major, minor, ...(rest.join("").replace(/^0+$/, "") ? [rest.join("")] : [])].join(".");
  }
  const date = /(?<!\d)(\d{8})(?!\d)/.exec(tag)?.[1];
  if (date) out.date = date;
  return out;
}

/** Every metadata difference between the last night before a change and the first one after, likeliest first. */
export function changeCauses(before: NightFacts, after: NightFacts): ChangeCause[] {
  const a = imageFacts(before.tag);
  const b = imageFacts(after.tag);
  const out: ChangeCause[] = [];
  if (a.rocm && b.rocm && a.rocm !== b.rocm)
    out.push({ kind: "rocm", text: `ROCm ${a.rocmLabel ?? a.rocm} → ${b.rocmLabel ?? b.rocm}` });
  if (before.host && after.host && before.host !== after.host)
    out.push({ kind: "host", text: `host ${before.host} → ${after.host}` });
  if (a.version && b.version && a.version !== b.version)
    out.push({ kind: "build", text: `build ${a.version} → ${b.version}` });
  else if (before.commit && after.commit && before.commit !== after.commit)
    out.push({ kind: "build", text: `build ${before.commit.slice(0, 9)} → ${after.commit.slice(0, 9)}` });
  if (out.length === 0 && before.tag !== after.tag)
    out.push({ kind: "image", text: `nightly image ${before.tag} → ${after.tag}` });
  if (out.length === 0) out.push({ kind: "unknown", text: "no metadata change (same image and host)" });
  return out;
}

/** Where the SGLang source of the images lives. */
export const SGLANG_REPO_URL = "https://github.com/sgl-project/sglang";

/**
 * Link to the commits between two images: a compare view between their commits or version tags
 * when both are known, else the main branch's commits between the two build dates.
 */
export function commitRangeUrl(before: NightFacts, after: NightFacts, repoUrl = SGLANG_REPO_URL): string {
  if (before.commit && after.commit && before.commit !== after.commit)
    return `${repoUrl}/compare/${before.commit}...${after.commit}`;
  const a = imageFacts(before.tag);
  const b = imageFacts(after.tag);
  if (a.version && b.version && a.version !== b.version) return `${repoUrl}/compare/${a.version}...${b.version}`;
  const iso = (d: string): string => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
  const since = iso(a.date ?? before.date);
  const until = iso(b.date ?? after.date);
  return `${repoUrl}/commits/main/?since=${since}&until=${until}`;
}
