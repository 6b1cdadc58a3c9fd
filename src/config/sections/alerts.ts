/** The `alerts` config section: warning/critical rules over probe results and target health. */
import { Type } from '@sinclair/typebox';
import type { StaticDecode } from '@sinclair/typebox';
import { Duration, Name, Strict } from '../types.js';
import type { ReportProblem } from '../problem.js';
import { isThreshold, parseThreshold } from '../../alerts/threshold.js';
import { MEASURE_UNITS, parseMeasure } from '../../alerts/measures.js';

/** "> 400ms" decoded to a {@link import('../../alerts/threshold.js').Threshold}. */
function ThresholdT() {
  return Type.Transform(Type.String({ minLength: 2, errorMessage: 'expected a threshold like "> 400ms", "< 75%", "> 1MiB/min"' }))
    .Decode((v) => parseThreshold(v))
    .Encode((t) => t.text);
}

const NameList = Type.Array(Name(), { minItems: 1 });

/** `select`: which probes, loads or targets the rule watches (one instance per name). */
export const AlertSelectSchema = Strict({
  probes: Type.Optional(NameList),
  loads: Type.Optional(NameList),
  targets: Type.Optional(NameList),
});

/** One alert rule. */
export const AlertRuleSchema = Strict({
  name: Name(),
  select: AlertSelectSchema,
  measure: Type.String({ errorMessage: 'expected latency.pXX, error_rate, cache_hit_ratio, memory_bytes, memory_ratio, memory_slope, cpu_ratio, probe_success or check_rate' }),
  window: Duration({ default: '5m' }),
  for: Duration({ default: '0s' }),
  warning: Type.Optional(ThresholdT()),
  critical: Type.Optional(ThresholdT()),
  /** Hysteresis for the lowest configured severity; default: the trigger line itself. */
  clear: Type.Optional(ThresholdT()),
  /** Time hysteresis: stay firing this long after the value cleared (Prometheus `keep_firing_for`). */
  keepFiringFor: Duration({ default: '0s' }),
  /** Fewer samples in the window than this (results; lookups for counter-based cache ratios): no decision, the state is kept. */
  minSamples: Type.Integer({ minimum: 1, default: 1 }),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  summary: Type.Optional(Type.String()),
});

/** `alerts`. */
export const AlertsSection = Type.Array(AlertRuleSchema, { default: [] });

/** Decoded types. */
export type AlertRuleConfig = StaticDecode<typeof AlertRuleSchema>;

/** Unique names, a known measure, at least one severity, threshold units that fit the measure, known references. */
export function checkAlerts(raw: { alerts?: unknown; probes?: unknown; targets?: unknown }, report: ReportProblem): void {
  const alerts = Array.isArray(raw.alerts) ? (raw.alerts as Record<string, unknown>[]) : [];
  const names = (list: unknown) => new Set(Array.isArray(list) ? (list as { name?: unknown }[]).map((x) => x?.name) : []);
  const probes = names(raw.probes);
  const targets = names(raw.targets);
  const seen = new Set<unknown>();
  alerts.forEach((a, i) => {
    if (typeof a !== 'object' || a === null) return;
    if (seen.has(a.name)) report(['alerts', i, 'name'], `duplicate alert name "${String(a.name)}"`);
    seen.add(a.name);
    const measure = typeof a.measure === 'string' ? parseMeasure(a.measure) : undefined;
    if (typeof a.measure === 'string' && measure === undefined) {
      report(['alerts', i, 'measure'], `unknown measure "${a.measure}" (latency.pXX, error_rate, cache_hit_ratio, memory_bytes, memory_ratio, memory_slope, cpu_ratio, probe_success, check_rate)`);
    }
    if (a.warning === undefined && a.critical === undefined) report(['alerts', i], 'expected "warning", "critical" or both');
    for (const key of ['warning', 'critical', 'clear'] as const) {
      const text = a[key];
      if (typeof text !== 'string' || !isThreshold(text)) {
        if (typeof text === 'string') report(['alerts', i, key], `expected a threshold like "> 400ms" or "< 75%", got "${text}"`);
        continue;
      }
      const kind = parseThreshold(text).kind;
      if (measure !== undefined && !MEASURE_UNITS[measure.kind].includes(kind)) {
        report(['alerts', i, key], `a ${kind} threshold does not fit measure "${measure.text}" (expected ${MEASURE_UNITS[measure.kind].join(' or ')})`);
      }
    }
    const select = a.select as Record<string, unknown> | undefined;
    if (typeof select === 'object' && select !== null) {
      const kinds = ['probes', 'loads', 'targets'].filter((k) => select[k] !== undefined);
      if (kinds.length !== 1) report(['alerts', i, 'select'], 'expected exactly one of "probes", "loads" or "targets"');
      for (const [key, known] of [['probes', probes], ['targets', targets]] as const) {
        const list = select[key];
        if (!Array.isArray(list)) continue;
        list.forEach((n, j) => {
          if (!known.has(n)) report(['alerts', i, 'select', key, j], `unknown ${key.slice(0, -1)} "${String(n)}"`);
        });
      }
    }
  });
}
