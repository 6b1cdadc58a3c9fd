/**
 * Threshold expressions ("p(95)" → "<200ms", "error_rate" → "<0.1%", "rps" → ">100") are parsed
 * once into data and evaluated as pure functions of measured statistics, so the verdict, the
 * abort-on-fail watcher and the reports all agree on what a threshold means.
 */
import { PwError } from '../core/errors.js';
import { isDuration, isSize, parseDuration, parseSize } from '../core/units.js';

/** The statistic a threshold is about. */
export type ThresholdMetric =
  | { kind: 'percentile'; percentile: number }
  | { kind: 'avg' | 'max' | 'min' | 'error_rate' | 'rps' | 'checks' | 'dropped' }
  /** The target's health during the run (`health:` sources): whole-run only, never per endpoint. */
  | { kind: TargetMetric };

/** Threshold metrics about the target rather than the requests. */
export type TargetMetric = 'cache_hit_ratio' | 'memory_slope' | 'memory_max' | 'cpu' | 'leak';

/** What the target's health sources measured during the run (NaN or absent: no data). */
export interface TargetInput {
  /** 0..1. */
  cacheHitRatio?: number;
  /** Bytes per second, the fitted memory trend. */
  memorySlope?: number;
  /** Bytes. */
  memoryMax?: number;
  /** 0..1 of one core, the average over the run. */
  cpu?: number;
  /** 1 when the verdict is a leak, 0 when not, absent when the data did not allow a verdict. */
  leak?: number;
}

/** Comparison operator. */
export type ThresholdOp = '<' | '<=' | '>' | '>=';

/** One parsed threshold. Latency bounds are in milliseconds, rates as ratios. */
export interface Threshold {
  /** The metric key as written, e.g. "p(95)". */
  readonly name: string;
  /** The full expression for people, e.g. "p(95)<200ms". */
  readonly expression: string;
  readonly metric: ThresholdMetric;
  readonly op: ThresholdOp;
  readonly bound: number;
  /** Endpoint name for per-endpoint thresholds; absent for the whole run. */
  readonly endpoint?: string;
}

/** The statistics a threshold is evaluated against (latencies in ms, rates as ratios). */
export interface ThresholdInput {
  percentile(p: number): number;
  /**
   * The mean latency: a method, since hdr's mean walks every count of the histogram (~2-13 ms for
   * a run's) and `abortOnFail` evaluates the thresholds every second on the driver's thread.
   */
  avg(): number;
  max: number;
  min: number;
  errorRate: number;
  rps: number;
  /** Ratio of passed checks; 1 when nothing was checked. */
  checks: number;
  dropped: number;
  /** The target's health; absent without `health:` sources. */
  target?: TargetInput;
}

/** A threshold's outcome. */
export interface ThresholdOutcome {
  name: string;
  expression: string;
  endpoint?: string;
  /** Measured value, ms for latencies and ratios for rates; null when nothing was measured. */
  value: number | null;
  ok: boolean;
}

const METRIC = /^\s*(?:p\((\d+(?:\.\d+)?)\)|(avg|max|min|med|error_rate|rps|checks|dropped|cache_hit_ratio|memory_slope|memory_max|cpu|leak))\s*$/;
const TARGET_METRICS: readonly string[] = ['cache_hit_ratio', 'memory_slope', 'memory_max', 'cpu', 'leak'];

/** The metric kinds judged on the target's health rather than the requests. */
export const TARGET_METRIC_KINDS: ReadonlySet<ThresholdMetric['kind']> = new Set(TARGET_METRICS as TargetMetric[]);
const EXPR = /^\s*(<=|>=|<|>)\s*(\S+)\s*$/;

/** True when `key` is a metric name a threshold may use. */
export function isThresholdMetric(key: string): boolean {
  const m = METRIC.exec(key);
  return m !== null && (m[1] === undefined || (Number(m[1]) > 0 && Number(m[1]) <= 100));
}

/** Parses `key` + `expression` ("p(95)", "<200ms"). Throws PW_ERR_THRESHOLD. */
export function parseThreshold(key: string, expression: string, endpoint?: string): Threshold {
  const m = METRIC.exec(key);
  if (m === null) throw bad(`unknown threshold metric "${key}" (use p(N), avg, med, min, max, error_rate, rps, checks, dropped; about the target: cache_hit_ratio, memory_slope, memory_max, cpu, leak)`);
  if (m[2] !== undefined && TARGET_METRICS.includes(m[2]) && endpoint !== undefined) throw bad(`"${key}" is about the target: use it in the load's thresholds, not an endpoint's`);
  if (m[2] === 'leak') {
    if (expression.trim() !== 'none') throw bad(`expected "none" for leak (no leak verdict), got "${expression}"`);
    return { name: 'leak', expression: 'leak: none', metric: { kind: 'leak' }, op: '<=', bound: 0 };
  }
  let metric: ThresholdMetric;
  if (m[1] !== undefined) {
    const p = Number(m[1]);
    if (!(p > 0 && p <= 100)) throw bad(`percentile in "${key}" must be in (0, 100]`);
    metric = { kind: 'percentile', percentile: p };
  } else if (m[2] === 'med') {
    metric = { kind: 'percentile', percentile: 50 };
  } else {
    metric = { kind: m[2] as 'avg' };
  }
  const e = EXPR.exec(expression);
  if (e === null) throw bad(`expected a comparison like "<200ms" for "${key}", got "${expression}"`);
  const op = e[1] as ThresholdOp;
  const bound = parseBound(metric, e[2] ?? '', key);
  const name = key.trim();
  return { name, expression: `${name}${op}${(e[2] ?? '').trim()}`, metric, op, bound, ...(endpoint === undefined ? {} : { endpoint }) };
}

/** Parses the CLI form "p(95)<200ms" (metric and comparison in one string). */
export function parseThresholdExpression(text: string, endpoint?: string): Threshold {
  const i = text.search(/[<>]/);
  if (i <= 0) throw bad(`expected a threshold like "p(95)<200ms", got "${text}"`);
  return parseThreshold(text.slice(0, i), text.slice(i), endpoint);
}

function parseBound(metric: ThresholdMetric, raw: string, key: string): number {
  const isLatency = metric.kind === 'percentile' || metric.kind === 'avg' || metric.kind === 'max' || metric.kind === 'min';
  if (isLatency) {
    if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw);
    if (isDuration(raw)) return parseDuration(raw);
    throw bad(`expected a duration like "200ms" for "${key}", got "${raw}"`);
  }
  if (metric.kind === 'memory_max') {
    if (isSize(raw)) return parseSize(raw);
    throw bad(`expected a size like "512MiB" for "${key}", got "${raw}"`);
  }
  if (metric.kind === 'memory_slope') {
    const sm = /^(.+)\/(s|min|h)$/.exec(raw);
    if (sm !== null && isSize(sm[1] ?? '')) return parseSize(sm[1] ?? '') / (sm[2] === 's' ? 1 : sm[2] === 'min' ? 60 : 3600);
    throw bad(`expected a rate like "1MiB/min" or "100KiB/s" for "${key}", got "${raw}"`);
  }
  if (metric.kind === 'error_rate' || metric.kind === 'checks' || metric.kind === 'cache_hit_ratio' || metric.kind === 'cpu') {
    const pm = /^(\d+(?:\.\d+)?)%$/.exec(raw);
    if (pm !== null) return Number(pm[1]) / 100;
    if (/^\d+(\.\d+)?$/.test(raw) && Number(raw) <= 1) return Number(raw);
    throw bad(`expected a percentage like "0.1%" for "${key}", got "${raw}"`);
  }
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw);
  throw bad(`expected a number for "${key}", got "${raw}"`);
}

function bad(message: string): PwError {
  return new PwError('PW_ERR_THRESHOLD', message);
}

/** The measured value of a threshold's metric. */
export function measure(metric: ThresholdMetric, input: ThresholdInput): number {
  switch (metric.kind) {
    case 'percentile':
      return input.percentile(metric.percentile);
    case 'avg':
      return input.avg();
    case 'max':
      return input.max;
    case 'min':
      return input.min;
    case 'error_rate':
      return input.errorRate;
    case 'rps':
      return input.rps;
    case 'checks':
      return input.checks;
    case 'dropped':
      return input.dropped;
    case 'cache_hit_ratio':
      return input.target?.cacheHitRatio ?? Number.NaN;
    case 'memory_slope':
      return input.target?.memorySlope ?? Number.NaN;
    case 'memory_max':
      return input.target?.memoryMax ?? Number.NaN;
    case 'cpu':
      return input.target?.cpu ?? Number.NaN;
    case 'leak':
      return input.target?.leak ?? Number.NaN;
  }
}

/** True when `value` satisfies `op bound`. */
export function compare(value: number, op: ThresholdOp, bound: number): boolean {
  switch (op) {
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
  }
}

/**
 * Evaluates thresholds. `inputFor(endpoint)` returns the statistics of one endpoint (or the whole
 * run when `endpoint` is undefined), or undefined when that endpoint saw no requests — then the
 * threshold fails with a null value, because "no data" must never pass a gate.
 */
export function evaluateThresholds(thresholds: readonly Threshold[], inputFor: (endpoint: string | undefined) => ThresholdInput | undefined): ThresholdOutcome[] {
  return thresholds.map((t) => {
    const input = inputFor(t.endpoint);
    const base = { name: t.name, expression: t.expression, ...(t.endpoint === undefined ? {} : { endpoint: t.endpoint }) };
    if (input === undefined) return { ...base, value: null, ok: false };
    const value = measure(t.metric, input);
    return { ...base, value: Number.isFinite(value) ? round3(value) : null, ok: Number.isFinite(value) && compare(value, t.op, t.bound) };
  });
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** "pass" when every outcome is ok (and there is at least the run itself), else "fail". */
export function verdictOf(outcomes: readonly ThresholdOutcome[]): 'pass' | 'fail' {
  return outcomes.every((o) => o.ok) ? 'pass' : 'fail';
}
