/**
 * How many series the probes put on /metrics, from config alone, so `validate` can say what a
 * config will cost before Prometheus pays for it. The numbers follow `probe-metrics.ts`: the
 * latency histogram (LATENCY_BUCKETS + +Inf + sum + count), per possible phase either 3 series
 * (+Inf, sum, count) or the full histogram with `phaseHistogram: true`, success, three
 * outcome/reason counters (success, timeout and one more reason), skipped, last run, and the
 * kind's own series. An upper estimate: a phase that never happens (dns for an IP) is counted.
 */
import type { Config } from '../config/schema.js';
import { PROBE_KINDS } from '../probe/probe-kinds.js';
import type { ProbeType } from '../probe/types.js';
import { LATENCY_BUCKETS } from './registry.js';

const HISTOGRAM_SERIES = LATENCY_BUCKETS.length + 3;
const PHASE_SUMMARY_SERIES = 3;
/** success, runs_total ×3, skipped, last run. */
const SCALAR_SERIES = 6;

/** Series one probe exports at most. */
export function seriesPerProbe(type: ProbeType, phaseHistogram: boolean): number {
  const kind = PROBE_KINDS[type];
  return HISTOGRAM_SERIES + kind.phases.length * (phaseHistogram ? HISTOGRAM_SERIES : PHASE_SUMMARY_SERIES) + SCALAR_SERIES + kind.extraSeries;
}

/** One line of the estimate: `count` probes of a kind (and phase setting) at `each` series. */
export interface SeriesLine {
  type: ProbeType;
  phaseHistogram: boolean;
  count: number;
  each: number;
}

/** The probes' series, grouped by kind and phase setting, largest first. */
export function estimateSeries(probes: Config['probes']): { total: number; lines: SeriesLine[] } {
  const byKey = new Map<string, SeriesLine>();
  for (const p of probes) {
    const key = `${p.type}/${p.phaseHistogram}`;
    const line = byKey.get(key) ?? { type: p.type, phaseHistogram: p.phaseHistogram, count: 0, each: seriesPerProbe(p.type, p.phaseHistogram) };
    line.count += 1;
    byKey.set(key, line);
  }
  const lines = [...byKey.values()].sort((a, b) => b.count * b.each - a.count * a.each);
  return { total: lines.reduce((n, l) => n + l.count * l.each, 0), lines };
}

/** A warning naming the cost when the probes exceed `server.seriesBudget`, else undefined. */
export function seriesBudgetWarning(config: Pick<Config, 'probes' | 'server'>): string | undefined {
  const { total, lines } = estimateSeries(config.probes);
  if (total <= config.server.seriesBudget) return undefined;
  const parts = lines.map((l) => `${l.count} ${l.type}${l.phaseHistogram ? ' (phaseHistogram)' : ''} × ${l.each}`);
  const advice = lines.some((l) => l.phaseHistogram) ? 'turn phaseHistogram off where the mean per phase is enough, or raise server.seriesBudget' : 'raise server.seriesBudget, or split the probes across daemons';
  return `the probes export about ${total} series on /metrics (${parts.join(' + ')}), over server.seriesBudget ${config.server.seriesBudget}: ${advice}`;
}
