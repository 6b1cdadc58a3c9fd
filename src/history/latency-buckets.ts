/**
 * A small fixed-bucket latency histogram for per-minute aggregates. Fixed bounds mean two
 * minutes (or sixty) merge by adding counts, in SQL or in JS, so a p95 over any span of
 * minutes can be estimated without keeping every raw result. The estimate interpolates
 * linearly inside a bucket and is clamped to the observed min/max.
 */

/** Upper bounds (ms, inclusive) of every bucket but the last, which is open-ended. */
export const LATENCY_BUCKET_BOUNDS_MS: readonly number[] = [5, 10, 25, 50, 100, 200, 300, 400, 500, 750, 1000, 2000, 5000, 10000];

/** Number of buckets, including the open-ended last one. */
export const LATENCY_BUCKET_COUNT = LATENCY_BUCKET_BOUNDS_MS.length + 1;

/** Index of the bucket a latency falls in. */
export function bucketIndex(ms: number): number {
  for (let i = 0; i < LATENCY_BUCKET_BOUNDS_MS.length; i++) {
    if (ms <= (LATENCY_BUCKET_BOUNDS_MS[i] ?? Infinity)) return i;
  }
  return LATENCY_BUCKET_BOUNDS_MS.length;
}

/** A fresh all-zero bucket array. */
export function emptyBuckets(): number[] {
  return new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
}

/** Adds `b` into `a` (same length) and returns `a`. */
export function mergeBuckets(a: number[], b: readonly number[]): number[] {
  for (let i = 0; i < a.length; i++) a[i] = (a[i] ?? 0) + (b[i] ?? 0);
  return a;
}

/**
 * Estimates the `q` quantile (0..1) from bucket counts, or undefined when empty. `minMs`/`maxMs`
 * (when known) bound the first and the open-ended last bucket and clamp the answer.
 */
export function estimateQuantile(buckets: readonly number[], q: number, minMs?: number, maxMs?: number): number | undefined {
  const total = buckets.reduce((s, c) => s + c, 0);
  if (total === 0) return undefined;
  const rank = Math.min(total, Math.max(1, Math.ceil(q * total)));
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const c = buckets[i] ?? 0;
    if (c === 0) continue;
    if (seen + c >= rank) {
      const lower = i === 0 ? (minMs ?? 0) : Math.max(LATENCY_BUCKET_BOUNDS_MS[i - 1] ?? 0, minMs ?? 0);
      const upperBound = LATENCY_BUCKET_BOUNDS_MS[i] ?? maxMs ?? lower * 2;
      const upper = maxMs === undefined ? upperBound : Math.min(upperBound, maxMs);
      const within = (rank - seen) / c;
      const v = lower + (Math.max(upper, lower) - lower) * within;
      return clamp(v, minMs, maxMs);
    }
    seen += c;
  }
  return maxMs;
}

function clamp(v: number, lo: number | undefined, hi: number | undefined): number {
  let r = v;
  if (lo !== undefined && r < lo) r = lo;
  if (hi !== undefined && r > hi) r = hi;
  return r;
}
