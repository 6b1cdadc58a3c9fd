/**
 * Theil–Sen slope with a rank-based confidence interval and Kendall's tau. Chosen over least
 * squares because GC sawtooth, a single spike or a few lost samples barely move a median of
 * pairwise slopes, while they drag a regression line around. Pure: numbers in, numbers out.
 *
 * Cost is O(p log p) for p pairs; callers cap the sample count and, above `maxPairs`, a fixed
 * deterministic subset of pairs is used so memory and time stay bounded.
 */

/** One observation: `t` in seconds (any origin), `v` the value. */
export interface Point {
  t: number;
  v: number;
}

/** A robust trend estimate. */
export interface TheilSenFit {
  /** Median pairwise slope, value units per second. */
  slope: number;
  /** Median of `v - slope * t`. */
  intercept: number;
  /** Lower and upper bounds of the ~95 % confidence interval of the slope (Sen's method). */
  slopeLow: number;
  slopeHigh: number;
  /** Kendall's tau-a between time and value, in [-1, 1]. */
  tau: number;
  /** Mann–Kendall z score of the monotonic trend (normal approximation, no tie correction). */
  z: number;
  /** One-sided p-value of "the series rises" under independence (small = confident). */
  pRising: number;
  /** Fraction of (used) pairwise slopes that are positive. */
  positiveFraction: number;
  /** Number of points and pairs the fit used. */
  points: number;
  pairs: number;
}

/** Options for {@link theilSen}. */
export interface TheilSenOptions {
  /** Above this many pairs, a deterministic subset is used. Default 60 000. */
  maxPairs?: number;
  /** z for the interval; default 1.96 (~95 %). */
  z?: number;
}

/** Fits `points` (at least 3, not all at one instant); returns undefined otherwise. */
export function theilSen(points: readonly Point[], options: TheilSenOptions = {}): TheilSenFit | undefined {
  const n = points.length;
  if (n < 3) return undefined;
  const maxPairs = options.maxPairs ?? 60_000;
  const zCrit = options.z ?? 1.96;
  const total = (n * (n - 1)) / 2;
  const stride = total > maxPairs ? total / maxPairs : 1;
  const slopes: number[] = [];
  let concordant = 0;
  let discordant = 0;
  let k = 0;
  let nextTaken = 0;
  for (let i = 0; i < n - 1; i++) {
    const a = points[i]!;
    for (let j = i + 1; j < n; j++, k++) {
      if (k < nextTaken) continue;
      nextTaken += stride;
      const b = points[j]!;
      const dt = b.t - a.t;
      if (dt === 0) continue;
      const s = (b.v - a.v) / dt;
      slopes.push(s);
      if (s > 0) concordant++;
      else if (s < 0) discordant++;
    }
  }
  const m = slopes.length;
  if (m === 0) return undefined;
  slopes.sort((x, y) => x - y);
  const slope = quantileSorted(slopes, 0.5);
  const intercepts = points.map((p) => p.v - slope * p.t).sort((x, y) => x - y);
  const intercept = quantileSorted(intercepts, 0.5);

  // Mann–Kendall statistic scaled to the full pair count when pairs were subsampled.
  const scale = total / m;
  const s = (concordant - discordant) * scale;
  const varS = (n * (n - 1) * (2 * n + 5)) / 18;
  const z = s === 0 ? 0 : (s - Math.sign(s)) / Math.sqrt(varS);
  // Sen's interval: order statistics of the slopes around the median, in subsample units.
  const c = (zCrit * Math.sqrt(varS)) / scale;
  const lowRank = Math.max(0, Math.floor((m - c) / 2) - 1);
  const highRank = Math.min(m - 1, Math.ceil((m + c) / 2));
  return {
    slope,
    intercept,
    slopeLow: slopes[lowRank]!,
    slopeHigh: slopes[highRank]!,
    tau: (concordant - discordant) / m,
    z,
    pRising: 1 - normalCdf(z),
    positiveFraction: concordant / m,
    points: n,
    pairs: m,
  };
}

/** Linear-interpolated quantile of an ascending array (q in [0, 1]). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf; |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const y = 1 - (((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t) * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}
