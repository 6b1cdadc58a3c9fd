/** The `alerts` config section: warning/critical rules over probe results and target health. */
import { Type } from '@sinclair/typebox';
import type { StaticDecode } from '@sinclair/typebox';
import { Duration, Name, Strict } from '../types.js';
import type { ReportProblem } from '../problem.js';
import { isThreshold, parseThreshold } from '../../alerts/threshold.js';
import type { Threshold } from '../../alerts/threshold.js';
import { CHANGE_MEASURES, MEASURE_NAMES, MEASURE_SELECTIONS, MEASURE_UNITS, parseMeasure } from '../../alerts/measures.js';
import type { MeasureKind } from '../../alerts/measures.js';
import { isDuration, isPercent } from '../../core/units.js';

/** "> 400ms" decoded to a {@link import('../../alerts/threshold.js').Threshold}. */
function ThresholdT() {
  return Type.Transform(Type.String({ minLength: 2, errorMessage: 'expected a threshold like "> 400ms", "< 75%", "> 1MiB/min"' }))
    .Decode((v) => parseThreshold(v))
    .Encode((t) => t.text);
}

/** `clear` as decoded: the scalar form applies to the lowest configured severity. */
export interface ClearConfig {
  lowest?: Threshold;
  warning?: Threshold;
  critical?: Threshold;
}

/** `clear: "< 350ms"` or `clear: { warning: "< 350ms", critical: "< 550ms" }`. */
function ClearT() {
  const text = Type.String({ minLength: 2 });
  return Type.Transform(Type.Union([text, Strict({ warning: Type.Optional(text), critical: Type.Optional(text) })], {
    errorMessage: 'expected a threshold like "< 350ms" or { warning: "< 350ms", critical: "< 550ms" }',
  }))
    .Decode((v): ClearConfig => {
      if (typeof v === 'string') return { lowest: parseThreshold(v) };
      return {
        ...(v.warning === undefined ? {} : { warning: parseThreshold(v.warning) }),
        ...(v.critical === undefined ? {} : { critical: parseThreshold(v.critical) }),
      };
    })
    .Encode((c) => c.lowest?.text ?? {
      ...(c.warning === undefined ? {} : { warning: c.warning.text }),
      ...(c.critical === undefined ? {} : { critical: c.critical.text }),
    });
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
  measure: Type.String({ errorMessage: `expected one of ${MEASURE_NAMES}` }),
  window: Duration({ default: '5m' }),
  for: Duration({ default: '0s' }),
  warning: Type.Optional(ThresholdT()),
  critical: Type.Optional(ThresholdT()),
  /**
   * Hysteresis: a firing severity resolves only past its clear line. A scalar is the lowest
   * configured severity's; an object sets each. A severity without one gets the warning's band
   * scaled to its own trigger (warning > 400ms clear < 350ms → critical > 600ms clears < 525ms),
   * or, with no band at all, its trigger line.
   */
  clear: Type.Optional(ClearT()),
  /** Time hysteresis: stay firing this long after the value cleared (Prometheus `keep_firing_for`). */
  keepFiringFor: Duration({ default: '0s' }),
  /** Fewer samples in the window than this (results; lookups for counter-based cache ratios): no decision, the state is kept. */
  minSamples: Type.Integer({ minimum: 1, default: 1 }),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  summary: Type.Optional(Type.String()),
  /**
   * Change measures only (README "Change alerts"): the smallest change the detector confirms
   * (ratio, and a duration for latency_change or a percentage for error_rate_change), and how
   * long a confirmed change keeps the alert firing unless acknowledged through the API.
   */
  change: Type.Optional(Strict({
    minRatio: Type.Optional(Type.Number({ minimum: 1.05, maximum: 100, errorMessage: 'expected a ratio between 1.05 and 100' })),
    minDelta: Type.Optional(Type.String({ minLength: 1 })),
    resolveAfter: Type.Optional(Duration()),
  })),
});

/** `alerts`. */
export const AlertsSection = Type.Array(AlertRuleSchema, { default: [] });

/** Decoded types. */
export type AlertRuleConfig = StaticDecode<typeof AlertRuleSchema>;

/**
 * Unique names, a known measure, at least one severity, threshold units that fit the measure, a
 * selection the measure can be computed for, known probe/load/target names, and `clear` lines on
 * the good side of their trigger (a clear that the firing value already satisfies would resolve
 * the alert on the next evaluation).
 */
export function checkAlerts(raw: { alerts?: unknown; probes?: unknown; targets?: unknown; loads?: unknown }, report: ReportProblem): void {
  const alerts = Array.isArray(raw.alerts) ? (raw.alerts as Record<string, unknown>[]) : [];
  const names = (list: unknown) => new Set(Array.isArray(list) ? (list as { name?: unknown }[]).map((x) => x?.name) : []);
  const known = { probes: names(raw.probes), loads: names(raw.loads), targets: names(raw.targets) };
  const seen = new Set<unknown>();
  alerts.forEach((a, i) => {
    if (typeof a !== 'object' || a === null) return;
    if (seen.has(a.name)) report(['alerts', i, 'name'], `duplicate alert name "${String(a.name)}"`);
    seen.add(a.name);
    const measure = typeof a.measure === 'string' ? parseMeasure(a.measure) : undefined;
    if (typeof a.measure === 'string' && measure === undefined) {
      report(['alerts', i, 'measure'], `unknown measure "${a.measure}" (${MEASURE_NAMES})`);
    }
    if (a.warning === undefined && a.critical === undefined) report(['alerts', i], 'expected "warning", "critical" or both');
    checkChange(a, i, measure?.kind, report);
    const parsed: Partial<Record<'warning' | 'critical', Threshold>> = {};
    const clears: { path: (string | number)[]; text: unknown; severity: 'warning' | 'critical' | undefined }[] = [];
    const clear = a.clear;
    if (typeof clear === 'object' && clear !== null && !Array.isArray(clear)) {
      for (const sev of ['warning', 'critical'] as const) {
        const text = (clear as Record<string, unknown>)[sev];
        if (text === undefined) continue;
        clears.push({ path: ['alerts', i, 'clear', sev], text, severity: sev });
        if (a[sev] === undefined) report(['alerts', i, 'clear', sev], `a clear line for "${sev}", which the alert does not have`);
      }
    } else if (clear !== undefined) {
      clears.push({ path: ['alerts', i, 'clear'], text: clear, severity: a.warning !== undefined ? 'warning' : a.critical !== undefined ? 'critical' : undefined });
    }
    const entries = [
      ...(['warning', 'critical'] as const).map((sev) => ({ path: ['alerts', i, sev] as (string | number)[], text: a[sev], severity: undefined, trigger: sev })),
      ...clears.map((c) => ({ ...c, trigger: undefined })),
    ];
    for (const e of entries) {
      const text = e.text;
      if (typeof text !== 'string' || !isThreshold(text)) {
        if (typeof text === 'string') report(e.path, `expected a threshold like "> 400ms" or "< 75%", got "${text}"`);
        continue;
      }
      const t = parseThreshold(text);
      if (measure !== undefined && !MEASURE_UNITS[measure.kind].includes(t.kind)) {
        report(e.path, `a ${t.kind} threshold does not fit measure "${measure.text}" (expected ${MEASURE_UNITS[measure.kind].join(' or ')})`);
        continue;
      }
      if (e.trigger !== undefined) {
        parsed[e.trigger] = t;
        continue;
      }
      const trigger = e.severity === undefined ? undefined : parsed[e.severity];
      if (trigger !== undefined && !clearsOnGoodSide(trigger, t)) {
        report(e.path, `clear "${t.text}" is not on the good side of ${e.severity ?? ''} "${trigger.text}": a firing value would clear at once (for "> X" write "< Y" with Y <= X, for "< X" write "> Y" with Y >= X)`);
      }
    }
    const select = a.select as Record<string, unknown> | undefined;
    if (typeof select === 'object' && select !== null) {
      const kinds = (['probes', 'loads', 'targets'] as const).filter((k) => select[k] !== undefined);
      if (kinds.length !== 1) report(['alerts', i, 'select'], 'expected exactly one of "probes", "loads" or "targets"');
      const kind = kinds[0];
      if (measure !== undefined && kinds.length === 1 && kind !== undefined && !MEASURE_SELECTIONS[measure.kind].includes(kind)) {
        report(['alerts', i, 'select', kind], `measure "${measure.text}" cannot be computed for ${kind} (select ${MEASURE_SELECTIONS[measure.kind].join(' or ')})`);
      }
      for (const key of ['probes', 'loads', 'targets'] as const) {
        const list = select[key];
        if (!Array.isArray(list)) continue;
        list.forEach((n, j) => {
          if (!known[key].has(n)) report(['alerts', i, 'select', key, j], `unknown ${key.slice(0, -1)} "${String(n)}"`);
        });
      }
    }
  });
}

/** `change:` belongs to change measures, and its `minDelta` is in the measure's unit. */
function checkChange(a: Record<string, unknown>, i: number, kind: MeasureKind | undefined, report: ReportProblem): void {
  const change = a.change as Record<string, unknown> | undefined;
  if (typeof change !== 'object' || change === null || kind === undefined) return;
  if (!CHANGE_MEASURES.has(kind)) {
    report(['alerts', i, 'change'], `"change" tunes the change detector: only for latency_change and error_rate_change, not "${kind}"`);
    return;
  }
  const delta = change.minDelta;
  if (typeof delta !== 'string') return;
  if (kind === 'latency_change' && !isDuration(delta)) report(['alerts', i, 'change', 'minDelta'], `expected a duration like "2ms" for latency_change, got "${delta}"`);
  if (kind === 'error_rate_change' && !isPercent(delta)) report(['alerts', i, 'change', 'minDelta'], `expected a percentage like "5%" for error_rate_change, got "${delta}"`);
}

/** A clear line must lie on the other side of (or on) its trigger line: "> 400ms" → "< 350ms" is fine, "< 450ms" is not. */
function clearsOnGoodSide(trigger: Threshold, clear: Threshold): boolean {
  const triggerAbove = trigger.op === '>' || trigger.op === '>=';
  const clearBelow = clear.op === '<' || clear.op === '<=';
  if (triggerAbove !== clearBelow) return false;
  return triggerAbove ? clear.value <= trigger.value : clear.value >= trigger.value;
}
