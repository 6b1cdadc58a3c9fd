/**
 * The durable outbox: every notification is a row before anyone tries to send it, and is marked
 * sent only after its channel accepted it. A failed send is retried with exponential backoff
 * (capped) for as long as it takes, up to a time budget (`giveUpAfter`, days by default; an
 * optional `maxAttempts` too), so a mail server down over a weekend loses nothing. Because rows
 * survive `kill -9`, a restart delivers what was pending.
 *
 * Each channel is its own pipeline ({@link Outbox.deliverChannel}): its own due rows, its own
 * concurrency, whole-delivery timeout and backoff, so a channel that hangs never delays another.
 * Inside a channel, one group's notices go in order (a row waits while an older row of its group
 * is pending).
 *
 * Delivery is at-least-once. The duplicate window is the time between the channel accepting a
 * row and the synchronous SQLite write that marks it sent (a crash there repeats it), plus a
 * delivery we abandoned at its timeout after the server had already accepted it. The row id
 * travels as the Message-ID / `X-Perfwarden-Notification-Id`, so receivers can drop that repeat.
 */
import type { SqliteDatabase } from '../storage/database.js';
import { coerceError } from '../core/errors.js';
import type { Notification, Notifier, RetryPolicy } from './types.js';
import { subjectLine } from './render.js';

export type { RetryPolicy } from './types.js';

/** One delivery attempt's outcome, for counters and logs. */
export interface DeliveryOutcome {
  id: number;
  channel: string;
  outcome: 'sent' | 'failed' | 'dead';
  /** What it was about, for people: the subject line (names the alert). */
  subject: string;
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
  id: number; channel: string; group_key: string; payload: string; status: OutboxEntry['status']; attempts: number;
  next_attempt_at: number; last_error: string | null; created_at: number; sent_at: number | null;
}

/** Delivers due outbox rows through named notifiers. */
export class Outbox {
  private readonly notifiers: ReadonlyMap<string, Notifier>;

  constructor(private readonly db: SqliteDatabase, notifiers: readonly Notifier[], private readonly retry: RetryPolicy) {
    this.notifiers = new Map(notifiers.map((n) => [n.name, n]));
  }

  /** Backoff before attempt `attempts + 1` on `channel` (its own retry policy, else the global one). */
  backoff(attempts: number, channel?: string): number {
    const retry = this.policy(channel);
    return Math.min(retry.maxBackoff, retry.initialBackoff * 2 ** Math.max(0, attempts - 1));
  }

  private policy(channel: string | undefined): RetryPolicy {
    return (channel === undefined ? undefined : this.notifiers.get(channel)?.pipeline?.retry) ?? this.retry;
  }

  /** Channel names with rows in the outbox that no configured channel delivers (renamed or removed). */
  orphanChannels(): string[] {
    const rows = this.db.prepare("SELECT DISTINCT channel FROM notification_outbox WHERE status = 'pending'").all() as { channel: string }[];
    return rows.map((r) => r.channel).filter((c) => !this.notifiers.has(c));
  }

  /**
   * Sends every due pending row of every channel, channel after channel (tests and one-shot
   * passes; the engine runs {@link deliverChannel} per channel, side by side).
   */
  async deliverDue(now: number, clock: () => number = () => now, limit = 50): Promise<DeliveryOutcome[]> {
    const channels = this.db.prepare("SELECT DISTINCT channel FROM notification_outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY channel").all(now) as { channel: string }[];
    const outcomes: DeliveryOutcome[] = [];
    for (const { channel } of channels) outcomes.push(...await this.deliverChannel(channel, now, clock, limit));
    return outcomes;
  }

  /**
   * One pass of one channel's pipeline: its due rows (the oldest pending row of each group, so a
   * group's notices stay in order), `concurrency` at a time, each bounded by the channel's
   * whole-delivery timeout. After a failure the pass takes no new row: the channel is down, and
   * its other rows wait for their own backoff instead of costing one timeout each.
   * `clock` stamps each row's outcome (sends take real time).
   */
  async deliverChannel(channel: string, now: number, clock: () => number = () => now, limit = 50): Promise<DeliveryOutcome[]> {
    // A row whose group has an older pending row in backoff waits for it: a resolved notice never overtakes its firing one.
    const rows = this.db.prepare(`SELECT * FROM notification_outbox o WHERE o.channel = ? AND o.status = 'pending' AND o.next_attempt_at <= ?
      AND NOT EXISTS (SELECT 1 FROM notification_outbox p WHERE p.channel = o.channel AND p.group_key = o.group_key AND p.status = 'pending' AND p.id < o.id AND p.next_attempt_at > ?)
      ORDER BY o.id LIMIT ?`).all(channel, now, now, limit) as Row[];
    const notifier = this.notifiers.get(channel);
    const outcomes: DeliveryOutcome[] = [];
    const busy = new Set<string>();
    let failed = false;
    // The next row whose group has nothing in flight (rows are in id order, so a group's come out in order).
    const take = (): Row | undefined => {
      const i = rows.findIndex((r) => !busy.has(r.group_key));
      return i < 0 ? undefined : rows.splice(i, 1)[0];
    };
    const worker = async () => {
      for (let row = take(); row !== undefined && !failed; row = take()) {
        busy.add(row.group_key);
        const o = await this.attempt(row, notifier, clock);
        busy.delete(row.group_key);
        if (o.outcome !== 'sent') failed = true;
        outcomes.push(o);
      }
    };
    await Promise.all(Array.from({ length: notifier?.pipeline?.concurrency ?? 1 }, worker));
    return outcomes;
  }

  private async attempt(row: Row, notifier: Notifier | undefined, clock: () => number): Promise<DeliveryOutcome> {
    const n: Notification = { ...(JSON.parse(row.payload) as Omit<Notification, 'id'>), id: row.id };
    try {
      if (notifier === undefined) throw new Error(`no channel named ${row.channel} is configured`);
      await sendWithin(notifier, n);
      this.db.prepare("UPDATE notification_outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?").run(clock(), row.id);
      return { id: row.id, channel: row.channel, outcome: 'sent', subject: subjectLine(n) };
    } catch (thrown) {
      const error = coerceError(thrown).message;
      const attempts = row.attempts + 1;
      const at = clock();
      const retry = this.policy(row.channel);
      const dead = (retry.maxAttempts !== undefined && attempts >= retry.maxAttempts)
        || (retry.giveUpAfter !== undefined && at - row.created_at >= retry.giveUpAfter);
      this.db.prepare('UPDATE notification_outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?')
        .run(dead ? 'dead' : 'pending', attempts, at + this.backoff(attempts, row.channel), error, row.id);
      return { id: row.id, channel: row.channel, outcome: dead ? 'dead' : 'failed', subject: subjectLine(n), error };
    }
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

/**
 * Sends through `notifier` within its whole-delivery timeout: the signal aborts what the channel
 * can abort (HTTP), and the promise settles at the deadline whatever the channel does (SMTP).
 */
export async function sendWithin(notifier: Notifier, n: Notification): Promise<void> {
  const timeout = notifier.pipeline?.timeout;
  if (timeout === undefined) return notifier.send(n);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`delivery timed out after ${timeout} ms`);
      controller.abort(err);
      reject(err);
    }, timeout);
  });
  try {
    await Promise.race([notifier.send(n, controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
