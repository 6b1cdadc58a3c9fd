/**
 * What an alert can measure, what unit each measure is in, and which threshold units fit it.
 * Kept apart from the store so the config check and the rules generator share one table.
 */
import type { ThresholdKind } from './threshold.js';

/** A measure name without a percentile ("latency.p95" is `latency` with quantile 0.95). */
export type MeasureKind =
  | 'latency' | 'error_rate' | 'cache_hit_ratio' | 'memory_bytes' | 'memory_ratio'
  | 'memory_slope' | 'cpu_ratio' | 'probe_success' | 'check_rate' | 'regression' | 'source_up' | 'cert_expiry'
  | 'latency_change' | 'error_rate_change';

/** A parsed measure. */
export interface Measure {
  kind: MeasureKind;
  /** Only for latency: 0..1. */
  quantile?: number;
  /** As written. */
  text: string;
}

const KINDS: readonly MeasureKind[] = [
  'latency', 'error_rate', 'cache_hit_ratio', 'memory_bytes', 'memory_ratio', 'memory_slope',
  'cpu_ratio', 'probe_success', 'check_rate', 'regression', 'source_up', 'cert_expiry', 'latency_change', 'error_rate_change',
];

/** Threshold kinds that make sense for each measure. */
export const MEASURE_UNITS: Readonly<Record<MeasureKind, readonly ThresholdKind[]>> = {
  latency: ['duration', 'number'],
  error_rate: ['ratio', 'number'],
  cache_hit_ratio: ['ratio', 'number'],
  memory_bytes: ['size', 'number'],
  memory_ratio: ['ratio', 'number'],
  memory_slope: ['rate', 'number'],
  cpu_ratio: ['ratio', 'number'],
  probe_success: ['ratio', 'number'],
  check_rate: ['number'],
  regression: ['number'],
  source_up: ['number'],
  latency_change: ['factor'],
  error_rate_change: ['factor'],
  cert_expiry: ['duration', 'number'],
};

/** The selections each measure can be computed for (`validate` rejects the others). */
export const MEASURE_SELECTIONS: Readonly<Record<MeasureKind, readonly ('probes' | 'loads' | 'targets')[]>> = {
  latency: ['probes', 'loads', 'targets'],
  error_rate: ['probes', 'loads', 'targets'],
  probe_success: ['probes', 'loads', 'targets'],
  check_rate: ['probes', 'loads', 'targets'],
  cache_hit_ratio: ['probes', 'targets'],
  memory_bytes: ['targets'],
  memory_ratio: ['targets'],
  memory_slope: ['targets'],
  cpu_ratio: ['targets'],
  regression: ['loads'],
  source_up: ['targets'],
  cert_expiry: ['probes'],
  latency_change: ['probes'],
  error_rate_change: ['probes'],
};

/** The measure names, for messages. */
export const MEASURE_NAMES = 'latency.pXX, error_rate, cache_hit_ratio, memory_bytes, memory_ratio, memory_slope, cpu_ratio, probe_success, check_rate, regression, source_up, cert_expiry, latency_change, error_rate_change';

/** Measures computed from probe results (the rest come from target health samples). */
export const PROBE_MEASURES: ReadonlySet<MeasureKind> = new Set(['latency', 'error_rate', 'probe_success', 'check_rate', 'cert_expiry']);

/** Change measures: sized by the change detector (new level / old level), thresholds are factors ("x1.5"). */
export const CHANGE_MEASURES: ReadonlySet<MeasureKind> = new Set(['latency_change', 'error_rate_change']);

/** Parses "latency.p95", "latency.p99.9", "error_rate" …; undefined when unknown. */
export function parseMeasure(text: string): Measure | undefined {
  const m = /^latency\.p(\d{1,2}(?:\.\d+)?|100)$/.exec(text);
  if (m !== null) return { kind: 'latency', quantile: Number(m[1]) / 100, text };
  return (KINDS as readonly string[]).includes(text) && text !== 'latency' ? { kind: text as MeasureKind, text } : undefined;
}

/** Human unit formatting of a measured value. */
export function formatMeasureValue(kind: MeasureKind, value: number): string {
  switch (kind) {
    case 'latency': return value < 0.01 ? `${round(value * 1000)}ms` : value < 1 ? `${Math.round(value * 1000)}ms` : `${round(value)}s`;
    case 'error_rate': case 'cache_hit_ratio': case 'memory_ratio': case 'cpu_ratio': case 'probe_success':
      return `${round(value * 100)}%`;
    case 'memory_bytes': return `${round(value / 1048576)}MiB`;
    case 'memory_slope': return `${round((value * 60) / 1048576)}MiB/min`;
    case 'check_rate': return `${round(value)}/min`;
    case 'regression': return value > 0 ? 'regressed' : 'no regression';
    case 'source_up': return value >= 1 ? 'all sources up' : 'a source is down';
    case 'latency_change': case 'error_rate_change': return `x${round(value)}`;
    case 'cert_expiry': return value <= 0 ? 'expired' : `${round(value / 86_400)}d`;
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
