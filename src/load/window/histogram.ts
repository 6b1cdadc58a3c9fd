/**
 * Latency histograms: HdrHistogram at microsecond resolution with a fixed range (1 µs .. 1 h) and
 * no auto-resize, so memory is bounded whatever the run length (~100 KB per histogram) and
 * recording is a constant-time array increment. Histograms cross thread/process boundaries only
 * in their compressed encoding.
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

/** A new empty latency histogram (values in microseconds). */
export function createLatencyHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: MAX_MICROS, numberOfSignificantValueDigits: 3, bitBucketSize: 32, autoResize: false, useWebAssembly: false });
}

/** Records one latency, clamped into the histogram's range. */
export function recordMicros(h: Histogram, micros: number): void {
  h.recordValue(micros < 1 ? 1 : micros > MAX_MICROS ? MAX_MICROS : Math.round(micros));
}

/** The value at percentile `p` (0..100) in milliseconds; NaN when empty. */
export function percentileMs(h: Histogram, p: number): number {
  return h.totalCount === 0 ? Number.NaN : h.getValueAtPercentile(p) / 1000;
}

/** Summarises a histogram in milliseconds rounded to microseconds; zeros when empty. */
export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, avg: 0, min: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count: h.totalCount,
    avg: ms(h.mean),
    min: ms(h.minNonZeroValue),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  };
}

/** Compressed base64 form of a histogram, for crossing a thread or process boundary. */
export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Decodes `encodeHistogram` output into a bounded histogram. */
export function decodeHistogram(encoded: string): Histogram {
  const out = createLatencyHistogram();
  out.add(hdr.decodeFromCompressedBase64(encoded, 32, false));
  return out;
}
