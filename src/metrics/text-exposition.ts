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

/**
 * A histogram series group: per-bucket (not cumulative) counts for `bounds`, then the +Inf bucket,
 * and the start of each of its sample lines, written once when the group is created. A scrape
 * re-renders the groups that changed; with the names, bounds and labels already written it only
 * appends the numbers (a thousand probes changing between two scrapes made the bounds' formatting
 * and the labels' concatenation most of a scrape's work and garbage).
 */
export interface HistogramState {
  bounds: readonly number[];
  /** Length `bounds.length + 1`. */
  counts: number[];
  sum: number;
  count: number;
  /** Per bucket, OpenMetrics only; absent when exemplars are off. */
  exemplars?: (Exemplar | undefined)[];
  /** `name_bucket{le="…"` per bucket: shared by the groups of the same name and bounds. */
  bucketStarts: readonly string[];
  /** What follows `le` on a bucket line: `,labels} ` (or `} `). */
  bucketEnd: string;
  /** `name_sum{labels} ` and `name_count{labels} `. */
  sumStart: string;
  countStart: string;
}

const bucketStartsByFamily = new Map<string, readonly string[]>();

/**
 * The bucket line starts of a family over `bounds`, made once. Line starts that are kept are
 * joined, not concatenated: a concatenation is a tree of strings (a thousand probes' line starts
 * made 200,000 of them, 6 MB of heap that every full collection marks), a join one flat string.
 */
function bucketStartsOf(name: string, bounds: readonly number[]): readonly string[] {
  const key = [name, ...bounds].join(' ');
  let starts = bucketStartsByFamily.get(key);
  if (starts === undefined) {
    starts = [...bounds.map((b) => formatValue(b)), '+Inf'].map((le) => [name, '_bucket{le="', le, '"'].join(''));
    bucketStartsByFamily.set(key, starts);
  }
  return starts;
}

/** An empty histogram `name` over `bounds` for the series `labels` (without braces, may be empty). */
export function emptyHistogram(name: string, labels: string, bounds: readonly number[], exemplars: boolean): HistogramState {
  const braces = labels === '' ? '' : ['{', labels, '}'].join('');
  const h: HistogramState = {
    bounds,
    counts: new Array<number>(bounds.length + 1).fill(0),
    sum: 0,
    count: 0,
    bucketStarts: bucketStartsOf(name, bounds),
    bucketEnd: labels === '' ? '} ' : [',', labels, '} '].join(''),
    sumStart: [name, '_sum', braces, ' '].join(''),
    countStart: [name, '_count', braces, ' '].join(''),
  };
  if (exemplars) h.exemplars = new Array<Exemplar | undefined>(bounds.length + 1).fill(undefined);
  return h;
}

/** Adds one observation (`exemplar`: its trace labels, when recorded). */
export function observeHistogram(h: HistogramState, value: number, exemplar?: string, at?: number): void {
  const { bounds } = h;
  let i = 0;
  while (i < bounds.length && value > (bounds[i] ?? Infinity)) i++;
  h.counts[i] = (h.counts[i] ?? 0) + 1;
  h.sum += value;
  h.count += 1;
  if (exemplar !== undefined && h.exemplars !== undefined) h.exemplars[i] = { labels: exemplar, value, timestamp: (at ?? Date.now()) / 1000 };
}

/** The sample lines of one histogram series group. */
export function histogramLines(h: HistogramState, format: ExpositionFormat): string {
  const { bucketStarts, bucketEnd, counts } = h;
  const exemplars = format === 'openmetrics' ? h.exemplars : undefined;
  let out = '';
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    cumulative += counts[i] ?? 0;
    out += `${bucketStarts[i] ?? ''}${bucketEnd}${cumulative}`;
    const ex = exemplars?.[i];
    if (ex !== undefined) out += ` # {${ex.labels}} ${formatValue(ex.value)} ${ex.timestamp}`;
    out += '\n';
  }
  return `${out}${h.sumStart}${formatValue(h.sum)}\n${h.countStart}${h.count}\n`;
}
