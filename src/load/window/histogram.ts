/**
 * Latency histograms: HdrHistogram at microsecond resolution with a fixed range (1 µs .. 1 h) and
 * no auto-resize, so memory is bounded whatever the run length (~100 KB per histogram) and
 * recording is a constant-time array increment. A worker's window crosses to the driver as its
 * non-empty buckets (`bucketCounts`); results cross processes in the compressed encoding.
 */
import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

/** Highest recordable latency in microseconds (one hour); larger values are clamped. */
export const MAX_MICROS = 3_600_000_000;

/** Latency statistics in milliseconds (microsecond precision). */
export interface LatencySummary {
  count: number;
  avg: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export type { Histogram };

/** The latency layout's sub-bucket half count and unit magnitude (bucket arithmetic without hdr's calls). */
const { subBucketHalfCount: HALF, unitMagnitude: UNIT } = counted(createLatencyHistogram());

/** A new empty latency histogram (values in microseconds). */
export function createLatencyHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: MAX_MICROS, numberOfSignificantValueDigits: 3, bitBucketSize: 32, autoResize: false, useWebAssembly: false });
}

/** Records one latency, clamped into the histogram's range. */
export function recordMicros(h: Histogram, micros: number): void {
  h.recordValue(micros < 1 ? 1 : micros > MAX_MICROS ? MAX_MICROS : Math.round(micros));
}

/** The value at percentile `p` (0 < p <= 100, as thresholds allow) in milliseconds; NaN when empty. */
export function percentileMs(h: Histogram, p: number): number {
  return percentilesMs(h, [p])[0] ?? Number.NaN;
}

/** The percentiles a {@link LatencySummary} reports, ascending. */
const SUMMARY_PERCENTILES = [50, 90, 95, 99, 99.9];

/**
 * Summarises a histogram in milliseconds rounded to microseconds; zeros when empty. One pass over
 * its counts gives the mean and every percentile, with hdr's definitions (a bucket's median for
 * the mean, the highest value of the bucket that reaches a percentile's count): hdr's `mean` walks
 * a recorded-values iterator and each `getValueAtPercentile` the counts again, 2-7 ms a summary
 * warm and 15-19 ms cold, on the thread that drives the run (the daemon's: its probes and API).
 */
export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, avg: 0, min: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  const ms = (us: number) => Math.round(us) / 1000;
  const { mean, values } = walkCounts(counted(h), SUMMARY_PERCENTILES);
  const [p50 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0] = values;
  return { count: h.totalCount, avg: ms(mean), min: ms(h.minNonZeroValue), p50: ms(p50), p90: ms(p90), p95: ms(p95), p99: ms(p99), p999: ms(p999), max: ms(h.maxValue) };
}

/** The values at `percentiles` (ascending, 0 < p <= 100) in milliseconds, in one pass; NaN each when empty. */
export function percentilesMs(h: Histogram, percentiles: readonly number[]): number[] {
  if (h.totalCount === 0) return percentiles.map(() => Number.NaN);
  return walkCounts(counted(h), percentiles).values.map((us) => us / 1000);
}

/** The mean in milliseconds (hdr's: each bucket's median), in one pass; NaN when empty. */
export function meanMs(h: Histogram): number {
  return h.totalCount === 0 ? Number.NaN : walkCounts(counted(h), []).mean / 1000;
}

/** hdr's `ulp` (the spacing of doubles at `x`), which its percentile count rounding uses. */
const ulp = (x: number) => 2 ** (Math.floor(Math.log2(x)) - 52);

/** The mean and the values at `percentiles` (ascending) of a non-empty histogram, µs, as hdr computes them. */
function walkCounts(js: hdr.JsHistogram, percentiles: readonly number[]): { mean: number; values: number[] } {
  const total = js.totalCount;
  // hdr's getValueAtPercentile: the count to reach, rounded up without a one-ulp overshoot, at least 1.
  const targets = percentiles.map((p) => {
    const fp = (Math.min(p, 100) / 100) * total;
    return Math.max(Math.ceil(fp - ulp(fp)), 1);
  });
  const values: number[] = [];
  let sum = 0;
  let seen = 0;
  for (let i = 0, last = js.countsArrayIndex(js.maxValue); i <= last; i++) {
    const count = js.getCountAtIndex(i);
    if (count === 0) continue;
    const bucket = bucketOf(i);
    const size = 2 ** (bucket + UNIT);
    const lowest = (i - bucket * HALF) * size;
    sum += (lowest + Math.floor(size / 2)) * count;
    seen += count;
    while (values.length < targets.length && seen >= targets[values.length]!) values.push(lowest + size - 1);
  }
  return { mean: sum / total, values };
}

/** Compressed base64 form of a histogram, for crossing a thread or process boundary. */
export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** The counts of a histogram made by {@link createLatencyHistogram} (a `JsHistogram`: `useWebAssembly: false`). */
function counted(h: Histogram): hdr.JsHistogram {
  if (!(h instanceof hdr.JsHistogram)) throw new TypeError('a latency histogram is a JsHistogram');
  return h;
}

/**
 * A histogram as `[index, count, index, count, …]` over its non-empty buckets, indices into the
 * counts of a histogram made by {@link createLatencyHistogram} (the layout is fixed by its
 * parameters, so both sides of a thread agree): {@link addBucketCounts} adds them back exactly.
 * This is what a worker sends every second: building it walks the counts up to the highest value
 * recorded and allocates one small array, tens of microseconds for a second at 5,000/s, where
 * encoding and deflating the same histogram took 0.3-4.7 ms on the measuring thread and made the
 * sends due meanwhile late.
 */
export function bucketCounts(h: Histogram): Float64Array {
  const js = counted(h);
  const pairs: number[] = [];
  if (js.totalCount > 0) {
    for (let i = 0, last = js.countsArrayIndex(js.maxValue); i <= last; i++) {
      const count = js.getCountAtIndex(i);
      if (count > 0) pairs.push(i, count);
    }
  }
  return Float64Array.from(pairs);
}

/**
 * Adds {@link bucketCounts} to `h`: the same counts in the same buckets, as `h.add` of the rebuilt
 * histogram would, without building it. The added min is the lowest bucket's lowest value and the
 * max the top bucket's highest, as after decoding {@link encodeHistogram} (but for one value, whose
 * max is its bucket's lowest). The run driver merges every window this way, into each histogram
 * that keeps it: one typed-array addition per bucket. A histogram built per window was ~90 KB of
 * counts allocated and freed each time, which the process's RSS followed in a sawtooth (0.3 MB/s
 * between collections at 5,000/s); recording each bucket's value instead took 3.3 ms a window of
 * 3,671 buckets into three histograms, against 0.1 ms this way.
 */
export function addBucketCounts(h: Histogram, pairs: Float64Array): void {
  const top = pairs.length - 2;
  if (top < 0) return;
  const out = counted(h);
  let total = 0;
  for (let i = 0; i <= top; i += 2) {
    out.addToCountAtIndex(pairs[i]!, pairs[i + 1]!);
    total += pairs[i + 1]!;
  }
  out.addToTotalCount(total);
  const lowest = out.valueFromIndex(pairs[0]!);
  out.updateMinAndMax(lowest);
  out.updateMinAndMax(top === 0 && pairs[1] === 1 ? lowest : out.highestEquivalentValue(out.valueFromIndex(pairs[top]!)));
}

/**
 * Calls `fn` for each bucket of {@link bucketCounts}: its highest value and its median (µs, as
 * hdr's iterators and mean read a bucket: `highestEquivalentValue`, `medianEquivalentValue`) and
 * its count. Summaries of a window read this instead of a rebuilt histogram: hdr's recorded-values
 * iterator walks all 22,528 counts, 1.5-13 ms for a window of 3,671 buckets and 29 ms on its first
 * call, and its per-value arithmetic (`Math.pow`, `log2`) still took 0.7-1 ms, 10-18 ms cold.
 */
export function forEachBucket(pairs: Float64Array, fn: (highestMicros: number, medianMicros: number, count: number) => void): void {
  for (let i = 0; i < pairs.length; i += 2) {
    const index = pairs[i]!;
    const bucket = bucketOf(index);
    const size = 2 ** (bucket + UNIT);
    const lowest = (index - bucket * HALF) * size;
    fn(lowest + size - 1, lowest + Math.floor(size / 2), pairs[i + 1]!);
  }
}

/**
 * The bucket of a counts index (hdr's `valueFromIndex` without its calls): bucket 0 holds the first
 * 2 × HALF indices, each later bucket HALF, each twice as wide; an index's sub-bucket is
 * `index - bucket × HALF` and its values start at that times `2 ** (bucket + UNIT)`.
 */
function bucketOf(index: number): number {
  return Math.max(0, Math.floor(index / HALF) - 1);
}

/** Decodes `encodeHistogram` output into a bounded histogram. */
export function decodeHistogram(encoded: string): Histogram {
  const out = createLatencyHistogram();
  out.add(hdr.decodeFromCompressedBase64(encoded, 32, false));
  return out;
}
