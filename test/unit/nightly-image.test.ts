import { describe, expect, it } from "@jest/globals";
import { pacificDate, pickNightlyTag } from "../../src/core/catalogue/index.js";

/** Spec sample F16: first page of rocm/sgl-dev tags. */
const F16 = [
  "v0.4.9.post2-rocm700-mi35x-20250716",
  "v0.4.9.post2-rocm630-mi30x-20250716-srt",
  "v0.4.9.post2-rocm630-mi30x-20250716",
  "v0.4.9.post2-rocm630-mi30x-20250715",
];

describe("pacificDate", () => {
  it("is still yesterday in Pacific time just after UTC midnight", () => {
    // 2025-07-17 06:59 UTC = 2025-07-16 23:59 PDT (UTC-7).
    expect(pacificDate(new Date("2025-07-17T06:59:00Z"))).toBe("20250716");
    expect(pacificDate(new Date("2025-07-17T07:00:00Z"))).toBe("20250717");
    expect(pacificDate(new Date("2025-07-17T00:30:00Z"), 1)).toBe("20250715");
  });

  it("uses PST (UTC-8) in winter", () => {
    expect(pacificDate(new Date("2025-01-15T07:59:00Z"))).toBe("20250114");
    expect(pacificDate(new Date("2025-01-15T08:00:00Z"))).toBe("20250115");
  });

  it("steps back whole calendar days across DST changes and month/year ends", () => {
    // 2025-03-10 00:30 PDT: 24 h earlier is 2025-03-08 23:30 PST, but yesterday is the 9th.
    const afterSpringForward = new Date("2025-03-10T07:30:00Z");
    expect(pacificDate(afterSpringForward)).toBe("20250310");
    expect(pacificDate(afterSpringForward, 1)).toBe("20250309");
    // 2025-11-02 23:30 PST (fall back at 02:00 that day; the day has 25 hours).
    const fallBackDay = new Date("2025-11-03T07:30:00Z");
    expect(pacificDate(fallBackDay)).toBe("20251102");
    expect(pacificDate(fallBackDay, 1)).toBe("20251101");
    expect(pacificDate(new Date("2026-01-01T09:00:00Z"), 1)).toBe("20251231");
    expect(pacificDate(new Date("2025-03-01T12:00:00Z"), 1)).toBe("20250228");
  });
});

describe("pickNightlyTag", () => {
  const july16 = new Date("2025-07-16T18:00:00Z"); // 11:00 PDT on the 16th

  it("picks today's non-srt mi30x tag from F16", () => {
    expect(pickNightlyTag(F16, { hardware: "mi30x", rocm: "630", now: july16 })).toEqual({
      tag: "v0.4.9.post2-rocm630-mi30x-20250716",
      date: "20250716",
      fallback: false,
    });
    expect(pickNightlyTag(F16, { hardware: "mi35x", now: july16 })).toMatchObject({
      tag: "v0.4.9.post2-rocm700-mi35x-20250716",
    });
  });

  it("falls back to yesterday when today's image is missing", () => {
    const noToday = F16.filter((t) => !t.endsWith("mi30x-20250716"));
    expect(noToday).toContain("v0.4.9.post2-rocm630-mi30x-20250716-srt");
    expect(pickNightlyTag(noToday, { hardware: "mi30x", now: july16 })).toEqual({
      tag: "v0.4.9.post2-rocm630-mi30x-20250715",
      date: "20250715",
      fallback: true,
    });
  });

  it("returns null with the dates tried when neither day has an image", () => {
    expect(pickNightlyTag(F16, { hardware: "mi30x", rocm: "700", now: july16 })).toEqual({
      tag: null,
      tried: ["20250716", "20250715"],
    });
    expect(pickNightlyTag(F16, { hardware: "mi35x", now: new Date("2025-07-20T18:00:00Z") })).toEqual({
      tag: null,
      tried: ["20250720", "20250719"],
    });
  });

  it("uses the Pacific date: shortly after UTC midnight it is still the previous day", () => {
    const early = new Date("2025-07-17T03:00:00Z"); // 20:00 PDT on the 16th
    expect(pickNightlyTag(F16, { hardware: "mi30x", now: early })).toMatchObject({
      date: "20250716",
      fallback: false,
    });
  });

  it("handles rc versions (F17) without corrupting them", () => {
    const tags = ["v0.5.3rc0-rocm630-mi30x-20251001", "v0.5.2-rocm630-mi30x-20251001"];
    const now = new Date("2025-10-02T16:00:00Z");
    expect(pickNightlyTag(tags, { hardware: "mi30x", now })).toEqual({
      tag: "v0.5.3rc0-rocm630-mi30x-20251001",
      date: "20251001",
      fallback: true,
    });
  });

  it("orders rc < final < post for the same date", () => {
    const now = new Date("2025-11-30T20:00:00Z");
    const tags = [
      "v0.5.5rc1-rocm700-mi30x-20251130",
      "v0.5.5.post3-rocm700-mi30x-20251130",
      "v0.5.5-rocm700-mi30x-20251130",
    ];
    expect(pickNightlyTag(tags, { hardware: "mi30x", now })).toMatchObject({
      tag: "v0.5.5.post3-rocm700-mi30x-20251130",
    });
    expect(pickNightlyTag(tags.slice(0, 1).concat(tags[2]!), { hardware: "mi30x", now })).toMatchObject({
      tag: "v0.5.5-rocm700-mi30x-20251130",
    });
  });

  it("accepts old date-only tags (and their rc) for mi30x only", () => {
    const now = new Date("2025-06-24T20:00:00Z");
    expect(pickNightlyTag(["20250624rc", "20250624", "vllm20250114"], { hardware: "mi30x", now })).toEqual({
      tag: "20250624",
      date: "20250624",
      fallback: false,
    });
    expect(pickNightlyTag(["20250623rc"], { hardware: "mi30x", now })).toMatchObject({
      tag: "20250623rc",
      fallback: true,
    });
    expect(pickNightlyTag(["20250624"], { hardware: "mi35x", now }).tag).toBeNull();
  });
});
