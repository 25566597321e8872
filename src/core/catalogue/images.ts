/**
 * Docker image references → facts (repo, tag, build date, SGLang version, ROCm, hardware) and the
 * attention backend + environment variables each benchmark suite runs with.
 *
 * The original scripts copy-pasted this decision six times with differing defaults, and sent every
 * new-style nightly (`rocm/sgl-dev:v0.4.9.post2-rocm630-mi30x-20250716`) to triton because its tag
 * does not start with 8 digits (original-toolkit.md §4, §10 defect #4). Here it is one table, {@link BACKEND_RULES}.
 */

/** Tag shapes seen in the wild (sglang-formats.md §6). */
export type ImageFamily =
  /** `rocm/sgl-dev:20250623`, `20250331rc` (nightlies until July 2025). */
  | "dated"
  /** `v0.5.3.post1-rocm630-mi30x-20251015[-srt]` (nightlies from July 2025). */
  | "versioned-nightly"
  /** `v0.4.7-rocm630`, `v0.4.9.post2-rocm630-mi30x[-srt]` (releases; no date). */
  | "release"
  /** Build base images: `vllm20250114`, `rocm7-vllm-20250904`. */
  | "base"
  /** Moving tags: `latest`, `rocm-latest`, `rocm700-mi30x-latest`. */
  | "floating"
  /** Anything else: local builds (`main-abc1234-rocm630`), simulator images … */
  | "custom";

export type AttentionBackend = "aiter" | "triton";
export type AiterVariable = "SGLANG_USE_AITER" | "SGLANG_AITER_MOE";

/** What an image reference says about itself. */
export interface ImageInfo {
  /** As passed. */
  image: string;
  /** Everything before the tag, e.g. `rocm/sgl-dev`; the whole reference when it has no `:tag`. */
  repo: string;
  /** The seed's TAG (see {@link tagOf}). */
  tag: string;
  family: ImageFamily;
  /** Build date YYYYMMDD, when the tag carries one. */
  date?: string;
  /** True for the pre-June `YYYYMMDDrc` tags (not for `v0.5.3rc0`, which is a version pre-release). */
  rc?: boolean;
  /** SGLang version without the leading `v`, e.g. `0.5.3.post1`, `0.5.2rc1`. */
  version?: string;
  /** ROCm version digits, e.g. `630`, `700`. */
  rocm?: string;
  hardware?: "mi30x" | "mi35x";
  /** `-srt` builds (BUILD_TYPE=srt); the AMD CI skips them. */
  srt: boolean;
}

const DATED = /^(\d{8})(rc)?$/;
const VERSIONED = /^v(\d+\.\d+\.\d+(?:rc\d+|\.post\d+)*)-rocm(\d{3})(?:-(mi30x|mi35x))?(?:-(\d{8}))?(-srt)?$/;
const BASE = /^(?:rocm\d*-)?vllm-?(\d{8})$/;
const FLOATING = /^(?:latest|rocm-latest|rocm(\d{3})-(mi30x|mi35x)-latest)$/;
/** Local builds like `main-abc1234-rocm630`, `pr-123-abc1234-rocm700`: keep the ROCm version they name. */
const LOCAL_ROCM = /-rocm(\d{3})(?:-(mi30x|mi35x))?$/;

/**
 * The seed's TAG rule (original-toolkit.md §1.7): the part after the first `:` of the last `/`-segment;
 * a reference without `:` in that segment is its own tag. A `@sha256:…` digest is dropped first.
 */
export function tagOf(image: string): string {
  const ref = image.trim().replace(/@sha256:[0-9a-f]+$/i, "");
  const last = ref.slice(ref.lastIndexOf("/") + 1);
  const colon = last.indexOf(":");
  return colon === -1 ? last : last.slice(colon + 1);
}

/** Parses an image reference (`repo:tag` or a bare local tag); never throws. */
export function parseImage(image: string): ImageInfo {
  const ref = image.trim().replace(/@sha256:[0-9a-f]+$/i, "");
  const tag = tagOf(ref);
  const slash = ref.lastIndexOf("/");
  const colon = ref.indexOf(":", slash + 1);
  const repo = colon === -1 ? ref : ref.slice(0, colon);
  const base = { image, repo, tag, srt: false };

  const dated = DATED.exec(tag);
  if (dated?.[1]) return { ...base, family: "dated", date: dated[1], rc: dated[2] === "rc" };

  const versioned = VERSIONED.exec(tag);
  if (versioned?.[1] && versioned[2]) {
    const [, version, rocm, hardware, date, srt] = versioned;
    return {
      ...base,
      family: date ? "versioned-nightly" : "release",
      version,
      rocm,
      ...(hardware ? { hardware: hardware as "mi30x" | "mi35x" } : {}),
      ...(date ? { date } : {}),
      srt: srt !== undefined,
    };
  }

  const baseImage = BASE.exec(tag);
  if (baseImage?.[1]) return { ...base, family: "base", date: baseImage[1] };

  const floating = FLOATING.exec(tag);
  if (floating) {
    const [, rocm, hardware] = floating;
    return {
      ...base,
      family: "floating",
      ...(rocm ? { rocm } : {}),
      ...(hardware ? { hardware: hardware as "mi30x" | "mi35x" } : {}),
    };
  }

  const local = LOCAL_ROCM.exec(tag);
  return {
    ...base,
    family: "custom",
    ...(local?.[1] ? { rocm: local[1] } : {}),
    ...(local?.[2] ? { hardware: local[2] as "mi30x" | "mi35x" } : {}),
  };
}

/** Compares dotted SGLang versions numerically on major.minor.patch (pre-release/post suffixes ignored). */
function versionAtLeast(version: string, min: [number, number, number]): boolean {
  const parts = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!parts) return true;
  const have = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  for (let i = 0; i < 3; i++) {
    const a = have[i] ?? 0;
    const b = min[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/** One row of the decision table: the first rule whose `when` matches decides. */
export interface BackendRule {
  /** Human-readable condition, shown in docs and errors. */
  describe: string;
  when: (info: ImageInfo) => boolean;
  decide: (info: ImageInfo) => { backend: AttentionBackend; variable: AiterVariable };
}

const isSglDev = (info: ImageInfo): boolean => /(^|\/)rocm\/sgl-dev$/.test(info.repo);
const isLmsys = (info: ImageInfo): boolean => /(^|\/)lmsysorg\/sglang$/.test(info.repo);

/**
 * The one backend decision table (original-toolkit.md §4, with defect #4 fixed).
 * Dates and versions are the points where aiter became usable (20250521, v0.4.7) and where the
 * variable was renamed from SGLANG_AITER_MOE to SGLANG_USE_AITER (20250606, v0.4.7).
 */
export const BACKEND_RULES: readonly BackendRule[] = [
  {
    describe:
      "rocm/sgl-dev:YYYYMMDD[rc] → aiter from 20250521 (SGLANG_AITER_MOE before 20250606, then SGLANG_USE_AITER)",
    when: (i) => isSglDev(i) && i.family === "dated",
    decide: (i) => ({
      backend: (i.date ?? "") >= "20250521" ? "aiter" : "triton",
      variable: (i.date ?? "") < "20250606" ? "SGLANG_AITER_MOE" : "SGLANG_USE_AITER",
    }),
  },
  {
    describe: "rocm/sgl-dev base images (vllm20250114) → triton",
    when: (i) => isSglDev(i) && i.family === "base",
    decide: () => ({ backend: "triton", variable: "SGLANG_USE_AITER" }),
  },
  {
    describe: "rocm/sgl-dev:v…-rocmNNN-… and latest → aiter + SGLANG_USE_AITER (the seed fell to triton here)",
    when: (i) => isSglDev(i),
    decide: () => ({ backend: "aiter", variable: "SGLANG_USE_AITER" }),
  },
  {
    describe: "lmsysorg/sglang:vX.Y.Z… → aiter + SGLANG_USE_AITER from v0.4.7, else triton + SGLANG_AITER_MOE",
    when: (i) => isLmsys(i) && i.version !== undefined,
    decide: (i) =>
      versionAtLeast(i.version ?? "", [0, 4, 7])
        ? { backend: "aiter", variable: "SGLANG_USE_AITER" }
        : { backend: "triton", variable: "SGLANG_AITER_MOE" },
  },
  {
    describe: "anything else (custom builds, floating lmsysorg tags) → aiter + SGLANG_USE_AITER",
    when: () => true,
    decide: () => ({ backend: "aiter", variable: "SGLANG_USE_AITER" }),
  },
];

/** The rule that decides for this image (the last rule always matches). */
export function backendRule(info: ImageInfo): BackendRule {
  const rule = BACKEND_RULES.find((r) => r.when(info));
  if (!rule) throw new Error(`No backend rule for image ${info.image}`);
  return rule;
}

/** Attention backend for an image. */
export function attentionBackend(info: ImageInfo): AttentionBackend {
  return backendRule(info).decide(info).backend;
}

/**
 * Container name for an image: `<repo last segment>_<tag>` (`rocm/sgl-dev:20250623` → `sgl-dev_20250623`),
 * with characters Docker rejects replaced by `-`.
 */
export function containerName(info: ImageInfo): string {
  const last = info.repo.slice(info.repo.lastIndexOf("/") + 1);
  const raw = last === info.tag ? last : `${last}_${info.tag}`;
  const safe = raw.replace(/[^a-zA-Z0-9_.-]/g, "-");
  return /^[a-zA-Z0-9]/.test(safe) ? safe : `c${safe}`;
}
