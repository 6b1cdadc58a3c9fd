/**
 * Reads a load's `perfwarden_load_request_duration_seconds` histogram from the daemon's registry,
 * summed over endpoints, as cumulative buckets. The alert store keeps these snapshots so a load's
 * `latency.pXX` is the same number `histogram_quantile` gives over the scraped histogram.
 */
import type { Registry } from 'prom-client';
import type { HistogramBucket } from './measure-store.js';

/** The metric the load engine observes request latencies into. */
export const LOAD_DURATION_METRIC = 'perfwarden_load_request_duration_seconds';

/** Cumulative buckets of `run` (ascending `le`, the last `+Inf`), or undefined when not registered. */
export async function readLoadHistogram(registry: Registry, run: string): Promise<HistogramBucket[] | undefined> {
  const metric = registry.getSingleMetric(LOAD_DURATION_METRIC);
  if (metric === undefined) return undefined;
  const data = await metric.get();
  const byLe = new Map<number, number>();
  for (const v of data.values) {
    // Histogram values carry their series name (`_bucket`, `_sum`, `_count`); the type omits it.
    if (v.labels.run !== run || (v as { metricName?: string }).metricName !== `${LOAD_DURATION_METRIC}_bucket`) continue;
    const raw = v.labels.le;
    const le = raw === '+Inf' ? Number.POSITIVE_INFINITY : Number(raw);
    if (!Number.isNaN(le)) byLe.set(le, (byLe.get(le) ?? 0) + v.value);
  }
  if (byLe.size === 0) return undefined;
  return [...byLe.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }));
}
