/**
 * Writing the Prometheus and OpenMetrics text formats directly, for metric families whose owner
 * keeps the rendered text of each series group and re-renders only what changed (the probe
 * metrics: a thousand probes × ~40 series re-rendered by prom-client on every scrape blocked the
 * event loop for half a second). The output matches prom-client's for the same data: `le` first,
 * then the labels in declaration order; exemplars (OpenMetrics only) as `# {labels} value ts`.
 */
import type { ExpositionFormat } from '../telemetry/exposition.js';

/** A sample value as the formats write it. */
export function formatValue(v: number): string {
  if (Number.isFinite(v)) return String(v);
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? '+Inf' : '-Inf';
}

/** A label value escaped for the text formats (backslash, double quote, newline). */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `name="value",…` (no braces) from pairs in order. */
export function labelText(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
}

/** The family's HELP and TYPE lines. Counters lose `_total` in OpenMetrics' family name. */
export function familyHeader(name: string, help: string, type: 'counter' | 'gauge' | 'histogram', format: ExpositionFormat): string {
  const family = type === 'counter' && format === 'openmetrics' ? name.replace(/_total$/, '') : name;
  const escapedHelp = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return `# HELP ${family} ${escapedHelp}\n# TYPE ${family} ${type}\n`;
}

/** An exemplar of a bucket: the trace of the latest observation that fell in it. */
export interface Exemplar {
  labels: string;
  value: number;
  /** Unix seconds. */
  timestamp: number;
}

/** A histogram's state: per-bucket (not cumulative) counts for `bounds`, then the +Inf bucket. */
export interface HistogramState {
  /** Length `bounds.length + 1`. */
  counts: number[];
  sum: number;
  count: number;
  /** Per bucket, OpenMetrics only; absent when exemplars are off. */
  exemplars?: (Exemplar | undefined)[];
}

/** An empty histogram over `bounds`. */
export function emptyHistogram(bounds: readonly number[], exemplars: boolean): HistogramState {
  const h: HistogramState = { counts: new Array<number>(bounds.length + 1).fill(0), sum: 0, count: 0 };
  if (exemplars) h.exemplars = new Array<Exemplar | undefined>(bounds.length + 1).fill(undefined);
  return h;
}

/** Adds one observation (`exemplar`: its trace labels, when recorded). */
export function observeHistogram(h: HistogramState, bounds: readonly number[], value: number, exemplar?: string, at?: number): void {
  let i = 0;
  while (i < bounds.length && value > (bounds[i] ?? Infinity)) i++;
  h.counts[i] = (h.counts[i] ?? 0) + 1;
  h.sum += value;
  h.count += 1;
  if (exemplar !== undefined && h.exemplars !== undefined) h.exemplars[i] = { labels: exemplar, value, timestamp: (at ?? Date.now()) / 1000 };
}

/** The sample lines of one histogram series group (`labels` without braces, may be empty). */
export function histogramLines(name: string, labels: string, bounds: readonly number[], h: HistogramState, format: ExpositionFormat): string {
  const sep = labels === '' ? '' : `,${labels}`;
  let out = '';
  let cumulative = 0;
  for (let i = 0; i <= bounds.length; i++) {
    cumulative += h.counts[i] ?? 0;
    const le = i < bounds.length ? formatValue(bounds[i] ?? Infinity) : '+Inf';
    out += `${name}_bucket{le="${le}"${sep}} ${cumulative}`;
    const ex = format === 'openmetrics' ? h.exemplars?.[i] : undefined;
    if (ex !== undefined) out += ` # {${ex.labels}} ${formatValue(ex.value)} ${ex.timestamp}`;
    out += '\n';
  }
  const braces = labels === '' ? '' : `{${labels}}`;
  return `${out}${name}_sum${braces} ${formatValue(h.sum)}\n${name}_count${braces} ${h.count}\n`;
}
