import { describe, expect, it } from "@jest/globals";
import {
  attentionBackend,
  BACKEND_RULES,
  backendRule,
  containerName,
  parseImage,
  suiteEnvironment,
  tagOf,
  type ImageInfo,
} from "../../src/core/catalogue/index.js";

type Expected = Partial<ImageInfo> & { backend: "aiter" | "triton"; variable: string };

/** Every tag form seen in the seed and the SGLang workflows (original-toolkit.md §4, sglang-formats.md §6). */
const TABLE: Array<[string, Expected]> = [
  [
    "rocm/sgl-dev:20250623",
    { family: "dated", date: "20250623", rc: false, backend: "aiter", variable: "SGLANG_USE_AITER" },
  ],
  [
    "rocm/sgl-dev:20250331rc",
    { family: "dated", date: "20250331", rc: true, backend: "triton", variable: "SGLANG_AITER_MOE" },
  ],
  ["rocm/sgl-dev:20250520", { family: "dated", backend: "triton", variable: "SGLANG_AITER_MOE" }],
  ["rocm/sgl-dev:20250521", { family: "dated", backend: "aiter", variable: "SGLANG_AITER_MOE" }],
  ["rocm/sgl-dev:20250605", { family: "dated", backend: "aiter", variable: "SGLANG_AITER_MOE" }],
  ["rocm/sgl-dev:20250606", { family: "dated", backend: "aiter", variable: "SGLANG_USE_AITER" }],
  ["rocm/sgl-dev:20250612", { family: "dated", backend: "aiter", variable: "SGLANG_USE_AITER" }],
  [
    "rocm/sgl-dev:v0.4.9.post2-rocm630-mi30x-20250716",
    {
      family: "versioned-nightly",
      version: "0.4.9.post2",
      rocm: "630",
      hardware: "mi30x",
      date: "20250716",
      srt: false,
      backend: "aiter",
      variable: "SGLANG_USE_AITER",
    },
  ],
  [
    "rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251015",
    {
      family: "versioned-nightly",
      version: "0.5.3.post1",
      date: "20251015",
      backend: "aiter",
      variable: "SGLANG_USE_AITER",
    },
  ],
  [
    "rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251015-srt",
    { family: "versioned-nightly", date: "20251015", srt: true, backend: "aiter", variable: "SGLANG_USE_AITER" },
  ],
  [
    "rocm/sgl-dev:v0.5.3rc0-rocm700-mi30x-20250925",
    {
      family: "versioned-nightly",
      version: "0.5.3rc0",
      rocm: "700",
      date: "20250925",
      backend: "aiter",
      variable: "SGLANG_USE_AITER",
    },
  ],
  [
    "rocm/sgl-dev:v0.5.6.post2-rocm700-mi35x-20251219",
    {
      family: "versioned-nightly",
      hardware: "mi35x",
      rocm: "700",
      date: "20251219",
      backend: "aiter",
      variable: "SGLANG_USE_AITER",
    },
  ],
  ["rocm/sgl-dev:vllm20250114", { family: "base", date: "20250114", backend: "triton", variable: "SGLANG_USE_AITER" }],
  [
    "rocm/sgl-dev:rocm7-vllm-20250904",
    { family: "base", date: "20250904", backend: "triton", variable: "SGLANG_USE_AITER" },
  ],
  ["rocm/sgl-dev:latest", { family: "floating", backend: "aiter", variable: "SGLANG_USE_AITER" }],
  [
    "lmsysorg/sglang:v0.4.7-rocm630",
    { family: "release", version: "0.4.7", rocm: "630", backend: "aiter", variable: "SGLANG_USE_AITER" },
  ],
  [
    "lmsysorg/sglang:v0.4.6.post5-rocm630",
    { family: "release", version: "0.4.6.post5", backend: "triton", variable: "SGLANG_AITER_MOE" },
  ],
  ["lmsysorg/sglang:v0.4.6.post3-rocm630", { family: "release", backend: "triton", variable: "SGLANG_AITER_MOE" }],
  ["lmsysorg/sglang:v0.4.5.post3-rocm630", { family: "release", backend: "triton", variable: "SGLANG_AITER_MOE" }],
  ["lmsysorg/sglang:v0.4.8-rocm630", { family: "release", backend: "aiter", variable: "SGLANG_USE_AITER" }],
  [
    "lmsysorg/sglang:v0.4.9.post2-rocm630-mi30x",
    { family: "release", hardware: "mi30x", rocm: "630", backend: "aiter", variable: "SGLANG_USE_AITER" },
  ],
  [
    "lmsysorg/sglang:v0.4.9.post2-rocm630-mi30x-srt",
    { family: "release", srt: true, backend: "aiter", variable: "SGLANG_USE_AITER" },
  ],
  [
    "lmsysorg/sglang:v1.0.0-rocm700-mi35x",
    { family: "release", version: "1.0.0", backend: "aiter", variable: "SGLANG_USE_AITER" },
  ],
  [
    "lmsysorg/sglang:rocm700-mi30x-latest",
    { family: "floating", rocm: "700", hardware: "mi30x", backend: "aiter", variable: "SGLANG_USE_AITER" },
  ],
  ["lmsysorg/sglang:rocm-latest", { family: "floating", backend: "aiter", variable: "SGLANG_USE_AITER" }],
  [
    "main-abc1234-rocm630",
    {
      family: "custom",
      repo: "main-abc1234-rocm630",
      tag: "main-abc1234-rocm630",
      rocm: "630",
      backend: "aiter",
      variable: "SGLANG_USE_AITER",
    },
  ],
  ["sglbench/pr-123-abc1234-rocm700:latest", { family: "floating", backend: "aiter", variable: "SGLANG_USE_AITER" }],
  [
    "sglbench-sim:main",
    { family: "custom", repo: "sglbench-sim", tag: "main", backend: "aiter", variable: "SGLANG_USE_AITER" },
  ],
  // A versioned tag outside the two known repos is a custom build: the seed's "anything else" → aiter.
  [
    "myreg.io:5000/team/sglang:v0.4.6-rocm630",
    {
      family: "release",
      repo: "myreg.io:5000/team/sglang",
      tag: "v0.4.6-rocm630",
      backend: "aiter",
      variable: "SGLANG_USE_AITER",
    },
  ],
];

describe("parseImage + backend decision table", () => {
  it.each(TABLE)("%s", (image, expected) => {
    const info = parseImage(image);
    const { backend, variable, ...facts } = expected;
    expect(info).toMatchObject(facts);
    expect(attentionBackend(info)).toBe(backend);
    expect(backendRule(info).decide(info).variable).toBe(variable);
  });

  it("keeps repo and tag for repo:tag references", () => {
    expect(parseImage("rocm/sgl-dev:20250623")).toMatchObject({
      repo: "rocm/sgl-dev",
      tag: "20250623",
      image: "rocm/sgl-dev:20250623",
    });
  });

  it("fixes the seed's defect: new-style sgl-dev nightlies no longer fall to triton", () => {
    expect(attentionBackend(parseImage("rocm/sgl-dev:v0.4.9.post2-rocm630-mi30x-20250716"))).toBe("aiter");
  });

  it("every rule is described and the last one matches anything", () => {
    for (const rule of BACKEND_RULES) expect(rule.describe.length).toBeGreaterThan(10);
    expect(BACKEND_RULES.at(-1)?.when(parseImage("whatever"))).toBe(true);
  });
});

describe("tagOf (seed §1.7)", () => {
  it.each([
    ["rocm/sgl-dev:20250624", "20250624"],
    ["rocm/sgl-dev:v0.4.9.post2-rocm630-mi30x-20250716", "v0.4.9.post2-rocm630-mi30x-20250716"],
    ["lmsysorg/sglang:v0.4.7-rocm630", "v0.4.7-rocm630"],
    ["main-abc1234-rocm630", "main-abc1234-rocm630"],
    ["localhost:5000/sglang:pr-1", "pr-1"],
    ["rocm/sgl-dev:20250624@sha256:abcdef0123", "20250624"],
  ])("%s → %s", (image, tag) => {
    expect(tagOf(image)).toBe(tag);
  });
});

describe("suiteEnvironment", () => {
  it("Grok-1 offline normal on an aiter image (seed §1.3 order)", () => {
    const { backend, env } = suiteEnvironment(parseImage("rocm/sgl-dev:20250624"), {
      model: "grok1",
      kind: "offline",
      mode: "normal",
    });
    expect(backend).toBe("aiter");
    expect(Object.entries(env)).toEqual([
      ["SGLANG_USE_AITER", "1"],
      ["SGLANG_INT4_WEIGHT", "1"],
      ["SGLANG_MOE_PADDING", "0"],
    ]);
  });

  it("Grok-1 dummy mode turns int4 off", () => {
    const { env } = suiteEnvironment(parseImage("rocm/sgl-dev:20250624"), {
      model: "grok1",
      kind: "offline",
      mode: "dummy",
    });
    expect(env.SGLANG_INT4_WEIGHT).toBe("0");
  });

  it("long_context and online keep int4 on", () => {
    const info = parseImage("rocm/sgl-dev:20250624");
    expect(
      suiteEnvironment(info, { model: "grok1", kind: "offline", mode: "long_context" }).env.SGLANG_INT4_WEIGHT,
    ).toBe("1");
    expect(suiteEnvironment(info, { model: "grok1", kind: "online" }).env.SGLANG_INT4_WEIGHT).toBe("1");
  });

  it("triton offline sets the variable to 0; triton online leaves it out (seed §4)", () => {
    const info = parseImage("rocm/sgl-dev:20250520");
    expect(suiteEnvironment(info, { model: "grok1", kind: "offline" })).toEqual({
      backend: "triton",
      env: { SGLANG_AITER_MOE: "0", SGLANG_INT4_WEIGHT: "1", SGLANG_MOE_PADDING: "0" },
    });
    const online = suiteEnvironment(info, { model: "grok1", kind: "online" });
    expect(online.backend).toBe("triton");
    expect(online.env).not.toHaveProperty("SGLANG_AITER_MOE");
    expect(online.env).not.toHaveProperty("SGLANG_USE_AITER");
  });

  it("20250521 → aiter with the old variable name", () => {
    expect(
      suiteEnvironment(parseImage("rocm/sgl-dev:20250521"), { model: "grok1", kind: "offline" }).env,
    ).toMatchObject({ SGLANG_AITER_MOE: "1" });
  });

  it("DeepSeek: MSCCL off first, int4 off", () => {
    const { env } = suiteEnvironment(parseImage("rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251013"), {
      model: "deepseek",
      kind: "offline",
    });
    expect(Object.entries(env)).toEqual([
      ["RCCL_MSCCL_ENABLE", "0"],
      ["SGLANG_USE_AITER", "1"],
      ["SGLANG_INT4_WEIGHT", "0"],
      ["SGLANG_MOE_PADDING", "0"],
    ]);
  });

  it("DeepSeek on an old lmsys release uses SGLANG_AITER_MOE, still 1 (its scripts never turned it off)", () => {
    const { backend, env } = suiteEnvironment(parseImage("lmsysorg/sglang:v0.4.6.post5-rocm630"), {
      model: "deepseek",
      kind: "offline",
    });
    expect(backend).toBe("triton");
    expect(env.SGLANG_AITER_MOE).toBe("1");
  });

  it("Grok-2 online as the December 2025 original runs it: MSCCL off, int4 off, no MoE padding variable", () => {
    const { env } = suiteEnvironment(parseImage("rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251013"), {
      model: "grok2",
      kind: "online",
    });
    expect(env).toEqual({
      RCCL_MSCCL_ENABLE: "0",
      SGLANG_USE_AITER: "1",
      SGLANG_INT4_WEIGHT: "0",
    });
  });

  it("DeepSeek online sets only the aiter variable (the MSCCL/int4/padding trio is offline-only)", () => {
    const { env } = suiteEnvironment(parseImage("rocm/sgl-dev:v0.5.3.post1-rocm630-mi30x-20251013"), {
      model: "deepseek",
      kind: "online",
    });
    expect(env).toEqual({ SGLANG_USE_AITER: "1" });
  });
});

describe("containerName", () => {
  it.each([
    ["rocm/sgl-dev:20250623", "sgl-dev_20250623"],
    ["lmsysorg/sglang:v0.4.7-rocm630", "sglang_v0.4.7-rocm630"],
    ["main-abc1234-rocm630", "main-abc1234-rocm630"],
    ["sglbench-sim:main", "sglbench-sim_main"],
  ])("%s → %s", (image, name) => {
    expect(containerName(parseImage(image))).toBe(name);
  });
});
