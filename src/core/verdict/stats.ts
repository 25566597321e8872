/**
 * Small numeric helpers for the verdict engine: location, spread and Student-t / normal quantiles.
 * Pure and dependency-free; every function rejects empty input instead of returning NaN silently.
 */

function requireValues(values: readonly number[], what: string, min = 1): void {
  if (values.length < min) throw new RangeError(`${what} needs at least ${min} value(s), got ${values.length}`);
}

/** Arithmetic mean. */
export function mean(values: readonly number[]): number {
  requireValues(values, "mean");
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Median (average of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  requireValues(values, "median");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  // Both indexes are in range because length ≥ 1.
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Sample variance (n − 1 denominator); needs two values. */
export function variance(values: readonly number[]): number {
  requireValues(values, "variance", 2);
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) * (v - m);
  return ss / (values.length - 1);
}

/** Sample standard deviation. */
export function stdev(values: readonly number[]): number {
  return Math.sqrt(variance(values));
}

/** Natural logs of strictly positive values; throws on zero/negative (logs are undefined there). */
export function logs(values: readonly number[]): number[] {
  return values.map((v) => {
    if (!(v > 0)) throw new RangeError(`log of non-positive value ${v}`);
    return Math.log(v);
  });
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7; ~15 significant digits). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction for the incomplete beta (Numerical Recipes' betacf, modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  // Use the symmetry relation where the continued fraction converges fastest.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Student-t cumulative distribution P(T ≤ t) with `df` degrees of freedom (df may be fractional, > 0). */
export function tCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`t distribution needs df > 0, got ${df}`);
  if (!Number.isFinite(df)) return normalCdf(t);
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Two-sided p of Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2); 1 when df ≤ 0. */
export function studentTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  if (df <= 0) return 1;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** Student-t quantile: the t with P(T ≤ t) = p (bisection on tCdf; exact enough for intervals). */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`quantile needs 0 < p < 1, got ${p}`);
  if (!(df > 0)) throw new RangeError(`t distribution needs df > 0, got ${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Complementary error function (Numerical Recipes' erfcc Chebyshev fit, |ε| < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Standard normal quantile (Acklam's rational approximation, |ε| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`quantile needs 0 < p < 1, got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - pLow) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/**
 * Welch–Satterthwaite degrees of freedom for a sum of variance components `v_i` each known with `df_i`
 * degrees of freedom: (Σv)² / Σ(v²/df). Components with df = ∞ contribute nothing to the denominator.
 */
export function satterthwaiteDf(components: readonly { variance: number; df: number }[]): number {
  let num = 0;
  let den = 0;
  for (const c of components) {
    num += c.variance;
    if (Number.isFinite(c.df)) den += (c.variance * c.variance) / c.df;
  }
  if (num === 0) return Infinity;
  return den === 0 ? Infinity : (num * num) / den;
}

/** Digamma ψ(x) for x > 0 (recurrence up to x ≥ 6, then the asymptotic series; ~1e-12). */
export function digamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`digamma needs x > 0, got ${x}`);
  let r = 0;
  while (x < 6) {
    r -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  return r + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
}

/** Trigamma ψ′(x) for x > 0. */
export function trigamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`trigamma needs x > 0, got ${x}`);
  let r = 0;
  while (x < 6) {
    r += 1 / (x * x);
    x += 1;
  }
  const f = 1 / (x * x);
  return r + 1 / x + f / 2 + (f / x) * (1 / 6 - f * (1 / 30 - f * (1 / 42 - f / 30)));
}

/** Tetragamma ψ″(x) for x > 0. */
function tetragamma(x: number): number {
  let r = 0;
  while (x < 6) {
    r -= 2 / (x * x * x);
    x += 1;
  }
  const f = 1 / (x * x);
  return r - f - f / x - (f * f) / 2 + f * f * f * (1 / 6 - f * (1 / 6 - (f * 3) / 10));
}

/** The x > 0 with ψ′(x) = y (Newton's method on 1/ψ′, as limma's trigammaInverse). */
export function trigammaInverse(y: number): number {
  if (!(y > 0)) throw new RangeError(`trigammaInverse needs y > 0, got ${y}`);
  if (y > 1e7) return 1 / Math.sqrt(y);
  if (y < 1e-6) return 1 / y;
  let x = 0.5 + 1 / y;
  for (let i = 0; i < 50; i++) {
    const tri = trigamma(x);
    const step = (tri * (1 - tri / y)) / tetragamma(x);
    x += step;
    if (-step / x < 1e-8) break;
  }
  return x;
}

/**
 * Expected median of `n` independent χ²₁ variables (the mean of the two middle order statistics for
 * even n): turns a median of squared differences into an unbiased variance for small n, where the
 * large-sample factor 0.4549 is far off (n = 2: the median is the mean, E = 1).
 */
export function expectedMedianChi2(n: number): number {
  if (!(n >= 1 && Number.isInteger(n))) throw new RangeError(`need a whole n ≥ 1, got ${n}`);
  // A year of nightlies asks for n ≈ 365 once per cell: integrate once per n.
  const cached = MEDIAN_CHI2_CACHE.get(n);
  if (cached !== undefined) return cached;
  // Beyond 50 the bias of the sample median is ~0.9/n (fitted to the integral at n = 51 and 364; < 0.1 % off).
  const value = n > 50 ? CHI2_1_MEDIAN + 0.9 / n : integrateMedianChi2(n);
  MEDIAN_CHI2_CACHE.set(n, value);
  return value;
}

const MEDIAN_CHI2_CACHE = new Map<number, number>();
/** Median of one χ²₁ variable (= 0.6745²). */
const CHI2_1_MEDIAN = 0.454936;

function integrateMedianChi2(n: number): number {
  const cdf = (x: number): number => 2 * normalCdf(Math.sqrt(x)) - 1;
  // E[X_(k)] = ∫ P(X_(k) > x) dx = ∫ Σ_{j<k} C(n,j) F^j (1−F)^(n−j) dx (substitution x = u², trapezoid on u).
  const orderMean = (k: number): number => {
    let sum = 0;
    const du = 0.001;
    for (let u = du / 2; u < 12; u += du) {
      const f = cdf(u * u);
      let tail = 0;
      let binom = 1;
      for (let j = 0; j < k; j++) {
        tail += binom * f ** j * (1 - f) ** (n - j);
        binom = (binom * (n - j)) / (j + 1);
      }
      sum += tail * 2 * u * du;
    }
    return sum;
  };
  return n % 2 === 1 ? orderMean((n + 1) / 2) : (orderMean(n / 2) + orderMean(n / 2 + 1)) / 2;
}

/** Prior for a family of variance estimates (empirical Bayes): scale `variance` with `df` degrees of freedom. */
export interface VariancePrior {
  variance: number;
  df: number;
}

/**
 * Fits a scaled inverse-χ² prior to sample variances s²ᵢ with dᵢ degrees of freedom by the method of
 * moments on log s² (Smyth 2004, limma's fitFDist without covariates). The prior df measures how
 * alike the true variances are: the spread of log s² beyond what sampling alone gives. Undefined
 * when fewer than 3 positive variances are given; df is Infinity when the spread is all sampling.
 */
export function fitVariancePrior(estimates: readonly { variance: number; df: number }[]): VariancePrior | undefined {
  const usable = estimates.filter((e) => e.variance > 0 && e.df > 0 && Number.isFinite(e.variance));
  if (usable.length < 3) return undefined;
  const e = usable.map((u) => Math.log(u.variance) - digamma(u.df / 2) + Math.log(u.df / 2));
  const eMean = mean(e);
  const excess = variance(e) - mean(usable.map((u) => trigamma(u.df / 2)));
  if (!(excess > 0)) return { variance: Math.exp(eMean), df: Infinity };
  const df = 2 * trigammaInverse(excess);
  return { variance: Math.exp(eMean + digamma(df / 2) - Math.log(df / 2)), df };
}

/** ln of Student's t density's constant factor for `df` degrees of freedom (unit scale). */
function tLogNormaliser(df: number): number {
  return logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
}

/** A heavy-tailed fit: scores ~ scale · t(df). */
export interface TailFit {
  df: number;
  scale: number;
  /** Scores it was fitted to. */
  n: number;
}

/**
 * Maximum-likelihood fit of scale · t(df) to centred scores (a location-free Student-t), by a grid
 * over df (0.5 … 60, log-spaced) with the scale found by golden-section search for each. Used for
 * the launch-to-launch differences of the real nightlies, whose tails are far heavier than a
 * normal's: |z| at the 99th percentile ~20 where a normal gives 2.6 (a night now and then off by
 * several % on every point). Undefined with fewer than 20 scores.
 */
export function fitStudentT(scores: readonly number[]): TailFit | undefined {
  const z = scores.filter((x) => Number.isFinite(x));
  if (z.length < 20) return undefined;
  // Σ ln density of x/scale, less n·ln scale; the constant factor is the same for every score.
  const loglik = (df: number, scale: number): number => {
    let kernel = 0;
    for (const x of z) kernel += Math.log1p((x / scale) ** 2 / df);
    return z.length * (tLogNormaliser(df) - Math.log(scale)) - ((df + 1) / 2) * kernel;
  };
  const mad = median(z.map((x) => Math.abs(x))) || 1e-12;
  let best: { df: number; scale: number; ll: number } | undefined;
  for (let k = 0; k <= 40; k++) {
    const df = 0.5 * Math.pow(120, k / 40);
    // Golden-section search of ln scale around the scores' median |z|.
    let lo = Math.log(mad) - 4;
    let hi = Math.log(mad) + 4;
    const g = (Math.sqrt(5) - 1) / 2;
    for (let i = 0; i < 60; i++) {
      const a = hi - g * (hi - lo);
      const b = lo + g * (hi - lo);
      if (loglik(df, Math.exp(a)) > loglik(df, Math.exp(b))) hi = b;
      else lo = a;
    }
    const scale = Math.exp((lo + hi) / 2);
    const ll = loglik(df, scale);
    if (!best || ll > best.ll) best = { df, scale, ll };
  }
  return { df: best!.df, scale: best!.scale, n: z.length };
}
