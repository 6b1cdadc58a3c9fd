/**
 * `perfwarden notify test` and `POST /api/notifications/test`: one made-up notification through
 * each channel (or one), with the channel's own timeout, so a newcomer learns at once whether a
 * mail server, webhook or Alertmanager is reachable, not after the first real alert.
 */
import { coerceError, PwError } from '../core/errors.js';
import { sendWithin } from './outbox.js';
import type { Notification, Notifier } from './types.js';

/** What one channel did with the test message. */
export interface TestOutcome {
  channel: string;
  type: string;
  ok: boolean;
  /** How long the send took, ms. */
  ms: number;
  error?: string;
}

/** The test notification (id 0: it is never stored in the outbox). */
export function testNotification(channel: string, now: number): Notification {
  return {
    id: 0, channel, groupKey: 'test', status: 'firing', severity: 'warning', createdAt: now,
    alerts: [{
      key: 'perfwarden-test/perfwarden', alert: 'perfwarden-test', subject: 'perfwarden', subjectKind: 'targets', kind: 'firing', severity: 'warning',
      from: 'none', to: 'warning', measure: 'test', value: undefined, valueText: 'test message', threshold: 'none: this is a test of the channel',
      since: now, at: now, labels: { alert: 'perfwarden-test', severity: 'warning', target: 'perfwarden' },
      summary: 'A test notification sent by `perfwarden notify test`; nothing is wrong.',
    }],
  };
}

/** Sends the test notification through `notifiers` (only `channel` when given). Throws PW_ERR_NOT_FOUND for an unknown channel. */
export async function sendTestNotifications(notifiers: readonly Notifier[], now: () => number, channel?: string): Promise<TestOutcome[]> {
  const chosen = channel === undefined ? notifiers : notifiers.filter((n) => n.name === channel);
  if (channel !== undefined && chosen.length === 0) {
    const known = notifiers.map((n) => n.name).join(', ') || 'none configured';
    throw new PwError('PW_ERR_NOT_FOUND', `no channel named "${channel}" (channels: ${known})`);
  }
  // Side by side, like deliveries: a dead channel does not delay the others' answers.
  return Promise.all(chosen.map(async (n): Promise<TestOutcome> => {
    const started = performance.now();
    try {
      await sendWithin(n, testNotification(n.name, Math.floor(now())));
      return { channel: n.name, type: n.type, ok: true, ms: Math.round(performance.now() - started) };
    } catch (thrown) {
      return { channel: n.name, type: n.type, ok: false, ms: Math.round(performance.now() - started), error: coerceError(thrown).message };
    }
  }));
}

/** One line per outcome, for the terminal. */
export function formatTestOutcome(o: TestOutcome): string {
  return o.ok ? `${o.channel} (${o.type}): sent in ${o.ms} ms` : `${o.channel} (${o.type}): FAILED after ${o.ms} ms: ${o.error ?? 'unknown error'}`;
}
