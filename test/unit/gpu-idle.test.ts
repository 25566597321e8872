import { describe, expect, it } from "@jest/globals";
import { checkGpuIdle, parseRocmSmiText, thresholdsFromEnv } from "../../src/runner/gpu-idle.js";

/** Spec sample F15 (concise rocm-smi table, structure real). */
const F15 = `
============================================ ROCm System Management Interface ============================================
====================================================== Concise Info ======================================================
Device  Node  IDs              Temp        Power     Partitions          SCLK    MCLK    Fan  Perf  PwrCap  VRAM%  GPU%  
              (DID,     GUID)  (Junction)  (Socket)  (Mem, Compute, ID)                                                  
==========================================================================================================================
0       2     0x74a1,   28851  36.0°C      130.0W    NPS1, SPX, 0        131Mhz  900Mhz  0%   auto  750.0W  0%     0%    
1       3     0x74a1,   23018  35.0°C      128.0W    NPS1, SPX, 0        131Mhz  900Mhz  0%   auto  750.0W  5%     0%    
==========================================================================================================================
================================================== End of ROCm SMI Log ===================================================
`;

/** F15 with card 1's VRAM% and GPU% replaced. */
function withCard1(vram: string, gpu: string): string {
  return F15.replace("750.0W  5%     0%", `750.0W  ${vram}     ${gpu}`);
}

describe("checkGpuIdle (text table)", () => {
  it("reads F15 as idle (the seed's string compare said busy)", () => {
    const r = checkGpuIdle(F15);
    expect(r.cards).toEqual([
      { card: "card0", gpuPct: 0, vramPct: 0 },
      { card: "card1", gpuPct: 0, vramPct: 5 },
    ]);
    expect(r).toMatchObject({ idle: true, busy: [], reasons: [] });
  });

  it("compares numerically: 5 % is idle, 100 % is busy", () => {
    expect(checkGpuIdle(withCard1("5%", "0%")).idle).toBe(true);
    const vramFull = checkGpuIdle(withCard1("100%", "0%"));
    expect(vramFull.idle).toBe(false);
    expect(vramFull.busy).toEqual([{ card: "card1", gpuPct: 0, vramPct: 100 }]);
    expect(vramFull.reasons).toEqual(["card1: VRAM 100% > 15%"]);
    const gpuFull = checkGpuIdle(withCard1("0%", "100%"));
    expect(gpuFull.busy.map((c) => c.gpuPct)).toEqual([100]);
  });

  it("uses the given thresholds, strictly above", () => {
    expect(checkGpuIdle(withCard1("15%", "0%")).idle).toBe(true);
    expect(checkGpuIdle(withCard1("16%", "0%")).idle).toBe(false);
    expect(checkGpuIdle(withCard1("16%", "0%"), { gpuPct: 15, vramPct: 20 }).idle).toBe(true);
  });

  it("is not idle, with a reason, when a row cannot be read or there are no rows", () => {
    const broken = checkGpuIdle(withCard1("N/A", "N/A"));
    expect(broken.idle).toBe(false);
    expect(broken.reasons.join("\n")).toMatch(/cannot read GPU% \/ VRAM% for card1/);
    const empty = F15.split("\n")
      .filter((l) => !/^\d/.test(l))
      .join("\n");
    expect(checkGpuIdle(empty)).toMatchObject({ idle: false, reasons: ["no GPUs found in rocm-smi output"] });
  });

  it("rejects text without the VRAM%/GPU% header", () => {
    expect(() => parseRocmSmiText("rocm-smi: command failed")).toThrow(/no header/);
  });
});

describe("checkGpuIdle (JSON)", () => {
  it("reads --showuse --showmemuse --json with all key variants", () => {
    const json = JSON.stringify({
      card0: { "GPU use (%)": "0", "GPU Memory Allocated (VRAM%)": "5" },
      card1: { "GPU use (%)": "3", "GPU memory use (%)": "100" },
      card2: { "GPU use (%)": "97", "GPU Memory Allocated (VRAM%)": "12" },
      system: { "Driver version": "6.8.5" },
    });
    const r = checkGpuIdle(json);
    expect(r.cards.map((c) => c.card)).toEqual(["card0", "card1", "card2"]);
    expect(r.idle).toBe(false);
    expect(r.busy).toEqual([
      { card: "card1", gpuPct: 3, vramPct: 100 },
      { card: "card2", gpuPct: 97, vramPct: 12 },
    ]);
    expect(r.reasons).toEqual(["card1: VRAM 100% > 15%", "card2: GPU use 97% > 15%"]);
  });

  it("is idle when every card is at or below the thresholds", () => {
    const json = `{"card0": {"GPU use (%)": "0", "GPU Memory Allocated (VRAM%)": "5"},
                   "card1": {"GPU use (%)": "15", "GPU Memory Allocated (VRAM%)": "0"}}`;
    expect(checkGpuIdle(json)).toMatchObject({ idle: true, busy: [], reasons: [] });
  });

  it("flags cards without numeric fields and rejects invalid JSON", () => {
    const r = checkGpuIdle(JSON.stringify({ card0: { "GPU use (%)": "N/A" } }));
    expect(r.idle).toBe(false);
    expect(r.reasons[0]).toMatch(/card0: no numeric/);
    expect(() => checkGpuIdle("{not json")).toThrow(/not valid JSON/);
  });
});

describe("thresholdsFromEnv", () => {
  it("defaults to 15 and reads GPU_USAGE_THRESHOLD / VRAM_USAGE_THRESHOLD", () => {
    expect(thresholdsFromEnv({})).toEqual({ gpuPct: 15, vramPct: 15 });
    expect(thresholdsFromEnv({ GPU_USAGE_THRESHOLD: "20", VRAM_USAGE_THRESHOLD: "7.5" })).toEqual({
      gpuPct: 20,
      vramPct: 7.5,
    });
    expect(() => thresholdsFromEnv({ GPU_USAGE_THRESHOLD: "lots" })).toThrow(/GPU_USAGE_THRESHOLD/);
  });
});
