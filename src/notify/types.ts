/** What a channel is handed, and the small interface every channel implements. */
import type { AlertTransition, Severity } from '../alerts/types.js';

/** One notification: a group's batch of alert notices for one channel. */
export interface Notification {
  /** Outbox row id: stable across retries and restarts (used as the message id / dedupe key). */
  id: number;
  channel: string;
  groupKey: string;
  /** "firing" when any notice in the batch is still firing, else "resolved". */
  status: 'firing' | 'resolved';
  /** The worst severity in the batch. */
  severity: Severity;
  alerts: AlertTransition[];
  /** Where people look next. */
  dashboardUrl?: string;
  createdAt: number;
}

/**
 * A delivery channel: email, webhook, Alertmanager. `send` rejects when delivery failed; it stops
 * early when `signal` aborts (the channel's whole-delivery timeout).
 */
export interface Notifier {
  readonly name: string;
  readonly type: string;
  send(notification: Notification, signal?: AbortSignal): Promise<void>;
  /** The channel's own pipeline: whole-delivery timeout, sends at once, retry. Absent: the defaults. */
  readonly pipeline?: ChannelPipeline;
  /**
   * Set by channels that must hear about a firing alert periodically, whatever the route's
   * grouping and repeatInterval say (Alertmanager resolves alerts not re-sent within its
   * `resolve_timeout`). The engine re-sends every announced, unsilenced firing instance this often.
   */
  readonly resendInterval?: number;
  /** Checks the channel can be reached (connect, greeting, login) without sending anything. */
  verify?(): Promise<void>;
  /** Releases pooled connections. */
  close?(): Promise<void>;
}

/** How one channel delivers, apart from every other channel. */
export interface ChannelPipeline {
  /** Bound of one whole delivery, ms. */
  timeout: number;
  /** Notifications of different groups sent at once. */
  concurrency: number;
  /** Overrides the global retry policy. */
  retry?: RetryPolicy;
}

/** Retry tuning, milliseconds. Neither limit set: retried forever. */
export interface RetryPolicy {
  initialBackoff: number;
  maxBackoff: number;
  /** Give up ("dead") after this many failed attempts. */
  maxAttempts?: number | undefined;
  /** Give up ("dead") after a failure this long after the row was queued. */
  giveUpAfter?: number | undefined;
}
