/**
 * The durable outbox: every notification is a row before anyone tries to send it, and is marked
 * sent only after its channel accepted it. A failed send is retried with exponential backoff
 * (capped) for as long as it takes, up to a time budget (`giveUpAfter`, days by default; an
 * optional `maxAttempts` too), so a mail server down over a weekend loses nothing. Because rows survive `kill -9`, a restart
 * delivers what was pending; the row id travels as the message id so receivers can de-duplicate
 * the one send a crash could repeat (killed after the server accepted, before the row was marked).
 */
import type { SqliteDatabase } from '../storage/database.js';
import { coerceError } from '../core/errors.js';
import type { Notification, Notifier } from './types.js';

/** Retry tuning, milliseconds. Neither limit set: retried forever. */
export interface RetryPolicy {
  initialBackoff: number;
  maxBackoff: number;
  /** Give up ("dead") after this many failed attempts. */
  maxAttempts?: number | undefined;
  /** Give up ("dead") after a failure this long after the row was queued. */
  giveUpAfter?: number | undefined;
}

/** One delivery attempt's outcome, for counters and logs. */
export interface DeliveryOutcome {
  id: number;
  channel: string;
  outcome: 'sent' | 'failed' | 'dead';
  error?: string;
}

/** A row of the outbox as the API shows it. */
export interface OutboxEntry {
  id: number;
  channel: string;
  status: 'pending' | 'sent' | 'dead' | 'silenced';
  attempts: number;
  nextAttemptAt: number;
  lastError?: string;
  createdAt: number;
  sentAt?: number;
  notification: Notification;
}

interface Row {
  id: number; channel: string; payload: string; status: OutboxEntry['status']; attempts: number;
  next_attempt_at: number; last_error: string | null; created_at: number; sent_at: number | null;
}

/** Delivers due outbox rows through named notifiers. */
export class Outbox {
  private readonly notifiers: ReadonlyMap<string, Notifier>;

  constructor(private readonly db: SqliteDatabase, notifiers: readonly Notifier[], private readonly retry: RetryPolicy) {
    this.notifiers = new Map(notifiers.map((n) => [n.name, n]));
  }

  /** Backoff before attempt `attempts + 1`. */
  backoff(attempts: number): number {
    return Math.min(this.retry.maxBackoff, this.retry.initialBackoff * 2 ** Math.max(0, attempts - 1));
  }

  /**
   * Sends every due pending row, one at a time (ordered by id). After a channel fails, its other
   * rows wait for the next pass, so one dead server costs one timeout per pass, not one per row.
   * `clock` stamps each row's outcome (sends take real time).
   */
  async deliverDue(now: number, clock: () => number = () => now, limit = 50): Promise<DeliveryOutcome[]> {
    const rows = this.db.prepare("SELECT * FROM notification_outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?").all(now, limit) as Row[];
    const outcomes: DeliveryOutcome[] = [];
    const failedChannels = new Set<string>();
    for (const row of rows) {
      if (failedChannels.has(row.channel)) continue;
      const n: Notification = { ...(JSON.parse(row.payload) as Omit<Notification, 'id'>), id: row.id };
      const notifier = this.notifiers.get(row.channel);
      try {
        if (notifier === undefined) throw new Error(`no channel named ${row.channel} is configured`);
        await notifier.send(n);
        this.db.prepare("UPDATE notification_outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?").run(clock(), row.id);
        outcomes.push({ id: row.id, channel: row.channel, outcome: 'sent' });
      } catch (thrown) {
        const error = coerceError(thrown).message;
        const attempts = row.attempts + 1;
        const at = clock();
        const dead = (this.retry.maxAttempts !== undefined && attempts >= this.retry.maxAttempts)
          || (this.retry.giveUpAfter !== undefined && at - row.created_at >= this.retry.giveUpAfter);
        failedChannels.add(row.channel);
        this.db.prepare('UPDATE notification_outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?')
          .run(dead ? 'dead' : 'pending', attempts, at + this.backoff(attempts), error, row.id);
        outcomes.push({ id: row.id, channel: row.channel, outcome: dead ? 'dead' : 'failed', error });
      }
    }
    return outcomes;
  }

  /** The newest rows, for the API and tests. */
  list(limit = 100): OutboxEntry[] {
    const rows = this.db.prepare('SELECT * FROM notification_outbox ORDER BY id DESC LIMIT ?').all(limit) as Row[];
    return rows.map((r) => ({
      id: r.id, channel: r.channel, status: r.status, attempts: r.attempts, nextAttemptAt: r.next_attempt_at, createdAt: r.created_at,
      notification: { ...(JSON.parse(r.payload) as Omit<Notification, 'id'>), id: r.id },
      ...(r.last_error === null ? {} : { lastError: r.last_error }),
      ...(r.sent_at === null ? {} : { sentAt: r.sent_at }),
    }));
  }

  /** The earliest time a pending row is due, if any. */
  nextDue(): number | undefined {
    const row = this.db.prepare("SELECT MIN(next_attempt_at) AS at FROM notification_outbox WHERE status = 'pending'").get() as { at: number | null };
    return row.at ?? undefined;
  }
}
