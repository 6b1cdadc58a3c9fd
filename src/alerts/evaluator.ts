/**
 * The alert state machine. Each (rule, subject) is an instance; each configured severity of it
 * moves inactive → pending → firing (after `for`) and back to inactive when the value passes the
 * clear line (hysteresis). The instance's level is its highest firing severity, and only a change
 * of level produces a transition — so a critical that supersedes a warning is one "escalated"
 * notice, and a jump straight past both lines is one "firing critical", never two notices.
 *
 * Pure apart from reading the store (and, for change measures, the change detectors):
 * evaluate(now) returns transitions; state can be exported
 * and restored so a restarted daemon does not re-announce what was already firing.
 */
import { CHANGE_MEASURES, formatMeasureValue } from './measures.js';
import type { MeasureKind } from './measures.js';
import type { MeasureStore, Measurement } from './measure-store.js';
import { CHANGE_DEFAULTS } from './change-tracker.js';
import type { ChangeRuleOptions, ChangeTracker } from './change-tracker.js';
import { parseDuration, parsePercent } from '../core/units.js';
import { crosses, negate, scaleClear } from './threshold.js';
import type { AlertRuleConfig } from '../config/sections/alerts.js';
import { parseMeasure } from './measures.js';
import { PwError } from '../core/errors.js';
import type { Threshold } from './threshold.js';
import type { AlertTransition, CompiledRule, InstanceState, Level, Severity } from './types.js';

const SEVERITIES: readonly Severity[] = ['warning', 'critical'];

/** Turns config rules into compiled rules. Throws PW_ERR_CONFIG_INVALID on an unknown measure (the config check reports it first). */
export function compileRules(rules: readonly AlertRuleConfig[]): CompiledRule[] {
  return rules.map((r) => {
    const measure = parseMeasure(r.measure);
    if (measure === undefined) throw new PwError('PW_ERR_CONFIG_INVALID', `alert ${r.name}: unknown measure ${r.measure}`);
    const subjectKind = r.select.probes !== undefined ? 'probes' : r.select.loads !== undefined ? 'loads' : 'targets';
    const subjects = r.select.probes ?? r.select.loads ?? r.select.targets ?? [];
    const clear = compileClear(r);
    const change = compileChange(r, measure.kind);
    return {
      name: r.name, measure, subjectKind, subjects, windowMs: r.window, forMs: r.for, keepFiringForMs: r.keepFiringFor, clear,
      minSamples: r.minSamples, labels: r.labels ?? {},
      ...(r.warning === undefined ? {} : { warning: r.warning }),
      ...(r.critical === undefined ? {} : { critical: r.critical }),
      ...(r.summary === undefined ? {} : { summary: r.summary }),
      ...(change === undefined ? {} : { change }),
    };
  });
}

/** The detector tuning of a change rule (defaults per measure); undefined for other measures. */
function compileChange(r: AlertRuleConfig, kind: MeasureKind): ChangeRuleOptions | undefined {
  if (kind !== 'latency_change' && kind !== 'error_rate_change') return undefined;
  const d = CHANGE_DEFAULTS[kind];
  const c = r.change;
  const minDelta = c?.minDelta === undefined ? d.minDelta : kind === 'latency_change' ? parseDuration(c.minDelta) / 1000 : parsePercent(c.minDelta);
  return { minRatio: c?.minRatio ?? d.minRatio, minDelta, resolveAfterMs: c?.resolveAfter ?? d.resolveAfterMs };
}

/**
 * The clear line per configured severity: as written (the scalar form is the lowest severity's);
 * a severity without one gets the nearest configured band scaled to its own trigger (warning
 * "> 400ms" clear "< 350ms" gives critical "> 600ms" clear "< 525ms"), else its trigger negated.
 * So a recovering critical does not bounce off its own line and send a "downgraded" notice.
 */
export function compileClear(r: Pick<AlertRuleConfig, 'warning' | 'critical' | 'clear'>): CompiledRule['clear'] {
  const lowest: Severity = r.warning !== undefined ? 'warning' : 'critical';
  const written: Partial<Record<Severity, Threshold>> = {};
  for (const sev of SEVERITIES) {
    const c = r.clear?.[sev] ?? (sev === lowest ? r.clear?.lowest : undefined);
    if (c !== undefined && r[sev] !== undefined) written[sev] = c;
  }
  const out: CompiledRule['clear'] = {};
  for (const sev of SEVERITIES) {
    const trigger = r[sev];
    if (trigger === undefined) continue;
    const other: Severity = sev === 'warning' ? 'critical' : 'warning';
    const otherTrigger = r[other];
    const otherClear = written[other];
    out[sev] = written[sev]
      ?? (otherTrigger !== undefined && otherClear !== undefined ? scaleClear(otherTrigger, otherClear, trigger) : undefined)
      ?? negate(trigger);
  }
  return out;
}

/** A fresh instance. */
function newInstance(rule: CompiledRule, subject: string): InstanceState {
  return {
    key: `${rule.name}/${subject}`, alert: rule.name, subject, subjectKind: rule.subjectKind, level: 'none',
    severities: { warning: { state: 'inactive' }, critical: { state: 'inactive' } },
  };
}

/** Measures computed over a window of probe results, which wait for the probe's first full window. */
const STATISTICAL: ReadonlySet<MeasureKind> = new Set(['latency', 'error_rate', 'probe_success', 'cache_hit_ratio']);

/** Evaluates rules against a store and keeps instance state. */
export class AlertEvaluator {
  private readonly instances = new Map<string, InstanceState>();

  constructor(private readonly rules: readonly CompiledRule[], private readonly store: MeasureStore, private readonly changes?: ChangeTracker) {
    for (const rule of rules) for (const s of rule.subjects) this.instances.set(`${rule.name}/${s}`, newInstance(rule, s));
  }

  /** Puts back states saved before a restart (unknown keys — removed rules — are ignored). */
  restore(states: readonly InstanceState[]): void {
    for (const s of states) if (this.instances.has(s.key)) this.instances.set(s.key, structuredClone(s));
    this.changes?.restore(states);
  }

  /** Current instance states (copies). */
  states(): InstanceState[] {
    return [...this.instances.values()].map((s) => structuredClone(s));
  }

  /** The rule behind an alert name. */
  rule(name: string): CompiledRule | undefined {
    return this.rules.find((r) => r.name === name);
  }

  /** 0 inactive, 1 pending, 2 firing: the worst over a rule's instances, per severity. */
  gauge(): { alert: string; severity: Severity; value: 0 | 1 | 2 }[] {
    const out: { alert: string; severity: Severity; value: 0 | 1 | 2 }[] = [];
    for (const rule of this.rules) {
      for (const sev of SEVERITIES) {
        if (rule[sev] === undefined) continue;
        let value: 0 | 1 | 2 = 0;
        for (const s of rule.subjects) {
          const st = this.instances.get(`${rule.name}/${s}`)?.severities[sev].state;
          if (st === 'firing') value = 2;
          else if (st === 'pending' && value === 0) value = 1;
        }
        out.push({ alert: rule.name, severity: sev, value });
      }
    }
    return out;
  }

  /** Evaluates every instance at `now`; returns what changed level. */
  evaluate(now: number): AlertTransition[] {
    const transitions: AlertTransition[] = [];
    for (const rule of this.rules) {
      for (const subject of rule.subjects) {
        const key = `${rule.name}/${subject}`;
        const inst = this.instances.get(key) ?? newInstance(rule, subject);
        const m = this.read(rule, subject, now);
        // check_rate counts the samples itself (zero checks is the value it exists to catch); a
        // change was confirmed on its own run of samples.
        const counted = rule.measure.kind === 'check_rate' || CHANGE_MEASURES.has(rule.measure.kind);
        // A probe's statistics wait for its first full window (certificate expiry is a level, not a statistic).
        const warmingUp = rule.subjectKind === 'probes' && STATISTICAL.has(rule.measure.kind) && this.store.inFirstWindow(subject, rule.windowMs, now);
        const value = m !== undefined && !warmingUp && (m.samples >= rule.minSamples || counted) ? m.value : undefined;
        if (CHANGE_MEASURES.has(rule.measure.kind) && m?.change !== undefined) inst.change = m.change;
        const t = step(rule, inst, value, now);
        if (inst.level === 'none' && t === undefined) delete inst.change;
        this.instances.set(key, inst);
        if (t !== undefined) transitions.push(t);
      }
    }
    return transitions;
  }

  private read(rule: CompiledRule, subject: string, now: number): Measurement | undefined {
    if (CHANGE_MEASURES.has(rule.measure.kind)) return this.changes?.measure(rule, subject, now);
    return this.store.measure(rule.measure, rule.subjectKind, subject, rule.windowMs, now);
  }
}

/** Advances one instance; mutates it and returns a transition when its level changed. */
function step(rule: CompiledRule, inst: InstanceState, value: number | undefined, now: number): AlertTransition | undefined {
  inst.lastEvaluatedAt = now;
  if (value !== undefined) inst.lastValue = value;
  for (const sev of SEVERITIES) {
    const trigger = rule[sev];
    const st = inst.severities[sev];
    if (trigger === undefined) continue;
    // No data: a pending alert does not get to fire on silence, a firing one does not resolve on it.
    if (value === undefined) {
      if (st.state === 'pending') inst.severities[sev] = { state: 'inactive' };
      continue;
    }
    if (st.state === 'firing') {
      const clear = rule.clear[sev] ?? negate(trigger);
      if (!crosses(value, clear)) {
        if (st.clearedSince !== undefined) inst.severities[sev] = { state: 'firing', ...(st.since === undefined ? {} : { since: st.since }) };
      } else {
        const clearedSince = st.clearedSince ?? now;
        inst.severities[sev] = now - clearedSince >= rule.keepFiringForMs ? { state: 'inactive' } : { ...st, clearedSince };
      }
      continue;
    }
    if (!crosses(value, trigger)) {
      inst.severities[sev] = { state: 'inactive' };
      continue;
    }
    const since = st.state === 'pending' ? (st.since ?? now) : now;
    inst.severities[sev] = now - since >= rule.forMs ? { state: 'firing', since: now } : { state: 'pending', since };
  }
  const level: Level = inst.severities.critical.state === 'firing' ? 'critical' : inst.severities.warning.state === 'firing' ? 'warning' : 'none';
  const from = inst.level;
  if (level === from) return undefined;
  inst.level = level;
  if (from === 'none') {
    inst.firingSince = now;
    delete inst.resolvedAt;
  }
  if (level === 'none') inst.resolvedAt = now;
  const kind = from === 'none' ? 'firing' : level === 'none' ? 'resolved' : level === 'critical' ? 'escalated' : 'downgraded';
  const severity: Severity = level === 'none' ? (from as Severity) : level;
  const threshold = kind === 'resolved' ? rule.clear[severity] : kind === 'downgraded' ? rule.warning : rule[severity];
  return {
    key: inst.key, alert: rule.name, subject: inst.subject, subjectKind: rule.subjectKind, kind, severity, from, to: level,
    measure: rule.measure.text, value, valueText: value === undefined ? 'no data' : formatMeasureValue(rule.measure.kind, value),
    threshold: threshold?.text ?? '', since: inst.firingSince ?? now, at: now,
    labels: { ...rule.labels, alert: rule.name, severity, [rule.subjectKind.slice(0, -1)]: inst.subject },
    ...(rule.summary === undefined ? {} : { summary: rule.summary }),
    ...(inst.change === undefined ? {} : { change: inst.change }),
  };
}
