/**
 * What the terminal says about deliveries: one line the first time a notification fails (naming
 * its alert, its channel and why), then its retries are counted and summarised at most every few
 * minutes, and one line when it is finally delivered or given up. A mail server down for an
 * hour costs a handful of lines, not one six-line warning per retry.
 */
import type { Logger } from '../core/logger.js';
import type { DeliveryOutcome } from './outbox.js';

interface Failing {
  attempts: number;
  lastSummaryAt: number;
  error: string;
}

/** Logs delivery outcomes, summarising repeats. */
export class DeliveryLog {
  private readonly failing = new Map<number, Failing>();

  constructor(private readonly logger: Logger | undefined, private readonly summaryEveryMs = 300_000) {}

  /** Logs (or counts) one outcome at `now` (ms). */
  record(o: DeliveryOutcome, now: number): void {
    const seen = this.failing.get(o.id);
    const what = { channel: o.channel, id: o.id, notification: o.subject };
    if (o.outcome === 'sent') {
      if (seen !== undefined) this.logger?.info({ ...what, failedAttempts: seen.attempts }, `notification #${o.id} to ${o.channel} delivered after ${seen.attempts} failed attempt(s): ${o.subject}`);
      this.failing.delete(o.id);
      return;
    }
    const error = o.error ?? 'unknown error';
    if (o.outcome === 'dead') {
      this.logger?.error({ ...what, err: error, failedAttempts: (seen?.attempts ?? 0) + 1 }, `notification #${o.id} to ${o.channel} given up after ${(seen?.attempts ?? 0) + 1} attempt(s): ${o.subject}: ${error}`);
      this.failing.delete(o.id);
      return;
    }
    if (seen === undefined) {
      this.failing.set(o.id, { attempts: 1, lastSummaryAt: now, error });
      this.logger?.warn({ ...what, err: error }, `notification #${o.id} to ${o.channel} not delivered (retrying with backoff): ${o.subject}: ${error}`);
      return;
    }
    seen.attempts++;
    seen.error = error;
    if (now - seen.lastSummaryAt >= this.summaryEveryMs) {
      seen.lastSummaryAt = now;
      this.logger?.warn({ ...what, err: error, failedAttempts: seen.attempts }, `notification #${o.id} to ${o.channel} still not delivered after ${seen.attempts} attempts: ${o.subject}: ${error}`);
    }
  }
}
