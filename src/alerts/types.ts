/** Alert states and transitions: plain data shared by the evaluator, storage, notifiers and the API. */
import type { Measure } from './measures.js';
import type { SubjectKind } from './measure-store.js';
import type { Threshold } from './threshold.js';
import type { ChangeInfo } from './change-detector.js';
import type { ChangeRuleOptions } from './change-tracker.js';

/** A severity. Critical supersedes warning. */
export type Severity = 'warning' | 'critical';

/** The severity an alert instance is firing at, or none. */
export type Level = 'none' | Severity;

/** One severity's state of one instance. Resolved is a transition back to inactive. */
export type SeverityState = 'inactive' | 'pending' | 'firing';

/** A rule ready to evaluate (from config). */
export interface CompiledRule {
  name: string;
  measure: Measure;
  subjectKind: SubjectKind;
  subjects: readonly string[];
  windowMs: number;
  forMs: number;
  warning?: Threshold;
  critical?: Threshold;
  /** Clear conditions per configured severity (hysteresis). */
  clear: Partial<Record<Severity, Threshold>>;
  keepFiringForMs: number;
  minSamples: number;
  labels: Readonly<Record<string, string>>;
  summary?: string;
  /** Detector tuning, for change measures only. */
  change?: ChangeRuleOptions;
}

/** The state of one alert for one subject (probe, load or target). */
export interface InstanceState {
  /** `${alert}/${subject}`. */
  key: string;
  alert: string;
  subject: string;
  subjectKind: SubjectKind;
  level: Level;
  severities: Record<Severity, { state: SeverityState; since?: number; clearedSince?: number }>;
  /** When the current firing episode began. */
  firingSince?: number;
  /** When it last resolved. */
  resolvedAt?: number;
  lastValue?: number;
  lastEvaluatedAt?: number;
  /** The change a change-measure alert is firing about. */
  change?: ChangeInfo;
}

/** What changed. One transition per change of level: a critical that supersedes a warning is one "escalated". The router adds "repeat" for alerts still firing after `repeatInterval`. */
export type TransitionKind = 'firing' | 'escalated' | 'downgraded' | 'resolved' | 'repeat';

/** A change of an instance's level, with everything a notification needs. */
export interface AlertTransition {
  key: string;
  alert: string;
  subject: string;
  subjectKind: SubjectKind;
  kind: TransitionKind;
  /** The severity the notice is about: the new level, or for "resolved" the level that ended. */
  severity: Severity;
  from: Level;
  to: Level;
  measure: string;
  /** The measured value (base units) and how people read it. */
  value: number | undefined;
  valueText: string;
  /** The threshold that fired (or the clear condition that resolved). */
  threshold: string;
  /** Start of the firing episode. */
  since: number;
  at: number;
  labels: Record<string, string>;
  summary?: string;
  /** For change measures: when, from what to what, how sure. */
  change?: ChangeInfo;
}
