/**
 * The alerts service other modules find as `ctx.services.get('alerts')`: alert instances with
 * their state, silences and the notification outbox, for the API and the status page.
 */
import type { Level, Severity, SeverityState } from './types.js';
import type { ChangeInfo } from './change-detector.js';
import type { Silence, SilenceInput } from '../notify/silences.js';
import type { OutboxEntry } from '../notify/outbox.js';

/** One alert instance as the API shows it. */
export interface AlertView {
  alert: string;
  subject: string;
  subjectKind: 'probes' | 'loads' | 'targets';
  /** none, warning or critical. */
  level: Level;
  /** Per configured severity: inactive, pending or firing. */
  severities: Partial<Record<Severity, SeverityState>>;
  measure: string;
  warning?: string;
  critical?: string;
  value?: number;
  valueText?: string;
  firingSince?: number;
  resolvedAt?: number;
  lastEvaluatedAt?: number;
  /** Whether an active silence matches it now. */
  silenced: boolean;
  /** Change alerts: the change they are about, and the sentence notifications use. */
  change?: ChangeInfo;
  detail?: string;
}

/** What the alerts module offers. */
export interface AlertService {
  list(): AlertView[];
  silences(includeExpired?: boolean): Silence[];
  /** Throws PW_ERR_INVALID_ARGUMENT. */
  createSilence(input: SilenceInput): Silence;
  /** Throws PW_ERR_NOT_FOUND. */
  expireSilence(id: string): void;
  /** Newest notifications first (pending, sent, dead, silenced). */
  notifications(limit?: number): OutboxEntry[];
  /** Acknowledges the active change of a change alert, which resolves on the next evaluation. Throws PW_ERR_NOT_FOUND. */
  acknowledge(alert: string, subject: string): void;
}
