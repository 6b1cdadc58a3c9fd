/**
 * The change detectors of the alert rules with a change measure (`latency_change`,
 * `error_rate_change`): one detector per (rule, probe), fed every result of the probe, and the
 * active change of each as the rule's measure. A confirmed change stays active (its ratio is the
 * measured value) until it is acknowledged through the API or `resolveAfter` has passed since it
 * happened; then the value is x1 and the alert resolves. The detector has meanwhile made the new
 * level its baseline, so only a further change fires again.
 *
 * Pure apart from the injected Clock (acknowledgements are stamped with it); time otherwise comes
 * with the samples and the evaluator's `now`.
 */
import type { Clock } from '../core/clock.js';
import type { ProbeResult } from '../probe/types.js';
import type { ChangeInfo, OnlineDetector } from './change-detector.js';
import { PROBE_DETECTOR, PROBE_FAILURES, PROBE_LATENCY, failureDetector, latencyDetector, logLatency } from './change-models.js';
import type { Measurement } from './measure-store.js';
import type { CompiledRule, InstanceState } from './types.js';

/** Per-rule tuning of the detector (config `change:` of a rule). */
export interface ChangeRuleOptions {
  /** Smallest ratio confirmed (new level / old level). */
  minRatio: number;
  /** Smallest absolute change: seconds for latency, ratio points for the failure rate. */
  minDelta: number;
  /** A change stays active this long after it happened, unless acknowledged sooner. */
  resolveAfterMs: number;
}

/** Defaults of {@link ChangeRuleOptions} per measure. */
export const CHANGE_DEFAULTS: Readonly<Record<'latency_change' | 'error_rate_change', ChangeRuleOptions>> = {
  latency_change: { minRatio: PROBE_LATENCY.minRatio, minDelta: PROBE_LATENCY.minDelta, resolveAfterMs: 3600_000 },
  error_rate_change: { minRatio: PROBE_FAILURES.minRatio, minDelta: PROBE_FAILURES.minDelta, resolveAfterMs: 3600_000 },
};

/** A change as an alert instance holds it. */
export interface ActiveChange {
  info: ChangeInfo;
  acknowledgedAt?: number;
}

interface Watch {
  rule: CompiledRule;
  subject: string;
  options: ChangeRuleOptions;
  detector: OnlineDetector;
  active?: ActiveChange;
}

/** Told about every confirmed change (the engine exports it as gauges and logs it). */
export type ChangeListener = (probe: string, rule: CompiledRule, info: ChangeInfo) => void;

/** The detectors of every change rule. */
export class ChangeTracker {
  private readonly watches = new Map<string, Watch>();
  private readonly byProbe = new Map<string, Watch[]>();

  constructor(rules: readonly CompiledRule[], private readonly clock: Clock, private readonly onChange: ChangeListener = () => {}) {
    for (const rule of rules) {
      if (rule.change === undefined || rule.subjectKind !== 'probes') continue;
      for (const subject of rule.subjects) {
        const o = rule.change;
        const detector = rule.measure.kind === 'latency_change'
          ? latencyDetector({ ...PROBE_LATENCY, minRatio: o.minRatio, minDelta: o.minDelta }, PROBE_DETECTOR)
          : failureDetector({ minRatio: o.minRatio, minDelta: o.minDelta });
        const w: Watch = { rule, subject, options: o, detector };
        this.watches.set(`${rule.name}/${subject}`, w);
        this.byProbe.set(subject, [...(this.byProbe.get(subject) ?? []), w]);
      }
    }
  }

  /** Feeds a probe result to the detectors watching its probe. */
  addProbeResult(r: ProbeResult): void {
    for (const w of this.byProbe.get(r.probe) ?? []) {
      // Latency of failed checks (timeouts, refused connections) is not the service's latency.
      if (w.rule.measure.kind === 'latency_change' && !r.ok) continue;
      const v = w.rule.measure.kind === 'latency_change' ? logLatency(r.durationSeconds) : r.ok ? 0 : 1;
      const info = w.detector.push({ at: r.startedAt, v });
      if (info === undefined) continue;
      w.active = { info };
      this.onChange(r.probe, w.rule, info);
    }
  }

  /**
   * The measure of a change rule for one probe: the active change's ratio, x1 when none is
   * active, undefined while the detector is still learning its baseline and nothing is active.
   */
  measure(rule: CompiledRule, subject: string, now: number): Measurement | undefined {
    const w = this.watches.get(`${rule.name}/${subject}`);
    if (w === undefined) return undefined;
    const a = w.active;
    if (a !== undefined && a.acknowledgedAt === undefined && now - a.info.at < w.options.resolveAfterMs) {
      return { value: a.info.ratio, samples: a.info.samples, change: a.info };
    }
    return w.detector.ready || a !== undefined ? { value: 1, samples: 0 } : undefined;
  }

  /** Acknowledges the active change of an alert instance; false when there is none. */
  acknowledge(alert: string, subject: string): boolean {
    const a = this.watches.get(`${alert}/${subject}`)?.active;
    if (a === undefined || a.acknowledgedAt !== undefined) return false;
    a.acknowledgedAt = Math.floor(this.clock.now());
    return true;
  }

  /** Puts back the changes of firing instances saved before a restart (their detectors re-learn). */
  restore(states: readonly InstanceState[]): void {
    for (const s of states) {
      const w = this.watches.get(s.key);
      if (w !== undefined && s.change !== undefined && s.level !== 'none') w.active = { info: s.change };
    }
  }
}
