import { describe, expect, it } from "@jest/globals";
import {
  digamma,
  expectedMedianChi2,
  fitVariancePrior,
  trigamma,
  trigammaInverse,
  incompleteBeta,
  logGamma,
  logs,
  mean,
  median,
  normalCdf,
  normalQuantile,
  satterthwaiteDf,
  stdev,
  tCdf,
  tQuantile,
  variance,
} from "../../src/core/verdict/index.js";

describe("location and spread", () => {
  it("computes mean, median (odd/even) and sample variance", () => {
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(variance([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(32 / 7, 12);
    expect(stdev([1, 1, 1])).toBe(0);
  });
  it("rejects inputs it cannot summarise", () => {
    expect(() => mean([])).toThrow(/at least 1/);
    expect(() => median([])).toThrow(RangeError);
    expect(() => variance([1])).toThrow(/at least 2/);
    expect(() => logs([1, 0])).toThrow(/non-positive/);
  });
  it("does not reorder the caller's array", () => {
    const v = [3, 1, 2];
    median(v);
    expect(v).toEqual([3, 1, 2]);
  });
});

describe("special functions", () => {
  it("logGamma matches factorials and Γ(1/2)", () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });
  it("incompleteBeta has I_x(1,1)=x and the symmetry I_x(a,b)=1−I_{1−x}(b,a)", () => {
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12);
    expect(incompleteBeta(0.2, 2.5, 4)).toBeCloseTo(1 - incompleteBeta(0.8, 4, 2.5), 12);
  });
});

describe("t and normal distributions", () => {
  it("tCdf of df=1 is the Cauchy CDF", () => {
    for (const t of [-3, -0.5, 0, 1, 7]) expect(tCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 10);
  });
  it("tQuantile matches published table values", () => {
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(tQuantile(0.975, 2)).toBeCloseTo(4.3027, 4);
    expect(tQuantile(0.975, 4)).toBeCloseTo(2.7764, 4);
    expect(tQuantile(0.975, 10)).toBeCloseTo(2.2281, 4);
    expect(tQuantile(0.995, 30)).toBeCloseTo(2.75, 3);
    expect(tQuantile(0.025, 10)).toBeCloseTo(-2.2281, 4);
    expect(tQuantile(0.5, 3)).toBe(0);
  });
  it("tQuantile approaches the normal quantile for large df and is monotone in df", () => {
    expect(tQuantile(0.975, 1e6)).toBeCloseTo(1.95996, 3);
    expect(tQuantile(0.975, 3)).toBeGreaterThan(tQuantile(0.975, 6));
    expect(tCdf(1.5, Infinity)).toBeCloseTo(normalCdf(1.5), 12);
  });
  it("normal quantile and CDF invert each other", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 6);
    for (const p of [0.001, 0.2, 0.5, 0.9]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
  });
  it("rejects bad arguments", () => {
    expect(() => tQuantile(1, 3)).toThrow(RangeError);
    expect(() => tCdf(0, 0)).toThrow(/df > 0/);
  });
});

describe("satterthwaiteDf", () => {
  it("gives the Welch df for two equal components and ∞ when all are exact", () => {
    expect(
      satterthwaiteDf([
        { variance: 1, df: 4 },
        { variance: 1, df: 4 },
      ]),
    ).toBeCloseTo(8, 12);
    expect(satterthwaiteDf([{ variance: 1, df: Infinity }])).toBe(Infinity);
    expect(satterthwaiteDf([{ variance: 3, df: 2 }])).toBeCloseTo(2, 12);
  });
});

describe("polygamma and the variance prior", () => {
  it("matches known digamma/trigamma values and inverts trigamma", () => {
    expect(digamma(1)).toBeCloseTo(-0.5772156649, 9);
    expect(digamma(0.5)).toBeCloseTo(-1.963510026, 9);
    expect(trigamma(1)).toBeCloseTo(Math.PI ** 2 / 6, 9);
    expect(trigamma(0.5)).toBeCloseTo(Math.PI ** 2 / 2, 9);
    for (const x of [0.3, 1, 3.7, 50]) expect(trigammaInverse(trigamma(x))).toBeCloseTo(x, 6);
  });
  it("gives the expected median of n χ²₁ variables (1 for n ≤ 2, → 0.4549 for large n)", () => {
    expect(expectedMedianChi2(1)).toBeCloseTo(1, 5);
    expect(expectedMedianChi2(2)).toBeCloseTo(1, 5);
    expect(expectedMedianChi2(3)).toBeCloseTo(0.7045, 3);
    expect(expectedMedianChi2(51)).toBeGreaterThan(0.4549);
    expect(expectedMedianChi2(51)).toBeLessThan(0.48);
    // The large-n formula continues the exact integral.
    expect(Math.abs(expectedMedianChi2(51) - expectedMedianChi2(50))).toBeLessThan(0.001);
  });
  it("fits a tight prior to alike variances and a loose one to very different variances", () => {
    // Sample variances of one true variance (1e-4) with 4 df, at the χ²₄/4 quartiles and median.
    const alike = [0.48, 0.84, 1.34, 0.7, 1.1].map((q) => ({ variance: 1e-4 * q, df: 4 }));
    const tight = fitVariancePrior(alike)!;
    expect(tight.df).toBeGreaterThan(20);
    expect(tight.variance).toBeGreaterThan(0.7e-4);
    expect(tight.variance).toBeLessThan(1.2e-4);
    const spread = [1e-6, 1e-4, 1e-2, 3e-5, 3e-3].map((v) => ({ variance: v, df: 4 }));
    expect(fitVariancePrior(spread)!.df).toBeLessThan(2);
    expect(fitVariancePrior(alike.slice(0, 2))).toBeUndefined();
  });
});
