/**
 * Routing and grouping, Alertmanager-style, kept in SQLite so a restart loses nothing. An alert
 * transition matches routes (first match wins unless `continue`); it becomes an event in its
 * group (route + alert name). A new group waits `groupWait` before its first notification, later
 * changes are batched at most every `groupInterval` (except an escalation, which is urgent and
 * goes out on the next flush), and an alert still firing is repeated every `repeatInterval`.
 * Channels that need periodic re-sends (Alertmanager) ask {@link NotificationRouter.refreshable}. Flushing turns a group's events into one outbox row per channel, in the same
 * transaction that marks them flushed.
 */
import type { SqliteDatabase } from '../storage/database.js';
import type { RouteConfig } from '../config/sections/notifications.js';
import type { AlertTransition, InstanceState, Severity } from '../alerts/types.js';
import type { SilenceStore } from './silences.js';
import type { Notification } from './types.js';

/** A route in effect (config routes, or one catch-all route to every channel). */
export type Route = RouteConfig;

/** Builds the default route when none is configured. */
export function defaultRoutes(channels: readonly string[]): Route[] {
  if (channels.length === 0) return [];
  return [{ channels: [...channels], groupWait: 30_000, groupInterval: 300_000, repeatInterval: 4 * 3600_000, sendResolved: true, continue: false }];
}

function routeMatches(route: Route, t: { alert: string; severity: Severity; labels: Readonly<Record<string, string>> }): boolean {
  const m = route.match;
  if (m === undefined) return true;
  if (m.severity !== undefined && m.severity !== t.severity) return false;
  if (m.alert !== undefined && m.alert !== t.alert) return false;
  for (const [k, v] of Object.entries(m.labels ?? {})) if (t.labels[k] !== v) return false;
  return true;
}

/** What a flush did, for metrics and logs. */
export interface FlushResult {
  queued: number;
  /** One entry per channel a silenced notice was recorded for. */
  silenced: string[];
}

/** Routes, groups and schedules notifications into the outbox. */
export class NotificationRouter {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly routes: readonly Route[],
    private readonly silences: SilenceStore,
    private readonly dashboardUrl: string | undefined,
  ) {}

  /** Indexes of the routes a transition goes to. */
  matching(t: { alert: string; severity: Severity; labels: Readonly<Record<string, string>> }): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.routes.length; i++) {
      if (!routeMatches(this.routes[i]!, t)) continue;
      out.push(i);
      if (!this.routes[i]!.continue) break;
    }
    return out;
  }

  /** Records transitions as group events. Call inside the transaction that saves alert state. */
  enqueue(transitions: readonly AlertTransition[], now: number): void {
    for (const t of transitions) {
      for (const i of this.matching(t)) {
        const route = this.routes[i]!;
        if (t.kind === 'resolved' && !route.sendResolved) {
          this.db.prepare('DELETE FROM notify_repeats WHERE instance_key = ? AND route = ?').run(t.key, i);
          continue;
        }
        this.addEvent(i, t, now);
      }
    }
  }

  /** Adds "repeat" events for instances firing longer than `repeatInterval` since their last notice. */
  repeats(states: readonly InstanceState[], transitionsOf: (s: InstanceState) => AlertTransition, now: number): void {
    const last = this.db.prepare('SELECT last_sent_at FROM notify_repeats WHERE instance_key = ? AND route = ?');
    const pending = this.db.prepare('SELECT 1 FROM alert_events WHERE instance_key = ? AND route = ? AND flushed_at IS NULL LIMIT 1');
    for (const s of states) {
      if (s.level === 'none') continue;
      const t = transitionsOf(s);
      for (const i of this.matching(t)) {
        const row = last.get(s.key, i) as { last_sent_at: number } | undefined;
        if (row === undefined || now - row.last_sent_at < this.routes[i]!.repeatInterval) continue;
        if (pending.get(s.key, i) !== undefined) continue;
        this.addEvent(i, t, now);
      }
    }
  }

  /**
   * The firing instances a channel with `resendInterval` (Alertmanager) must hear about again:
   * those already announced on a route that includes the channel (their first notice went out
   * through the group, so `groupWait` still applies to it) and not silenced now.
   */
  refreshable(channel: string, states: readonly InstanceState[], transitionsOf: (s: InstanceState) => AlertTransition, now: number): AlertTransition[] {
    const announced = this.db.prepare('SELECT 1 FROM notify_repeats WHERE instance_key = ? AND route = ?');
    const out: AlertTransition[] = [];
    for (const s of states) {
      if (s.level === 'none') continue;
      const t = transitionsOf(s);
      const routes = this.matching(t).filter((i) => this.routes[i]!.channels.includes(channel));
      if (!routes.some((i) => announced.get(s.key, i) !== undefined)) continue;
      if (this.silences.silencing(t.labels, now) !== undefined) continue;
      out.push(t);
    }
    return out;
  }

  /** Flushes every due group into the outbox; one transaction per group. */
  flush(now: number): FlushResult {
    const due = this.db.prepare('SELECT group_key, route FROM notify_groups WHERE next_flush_at IS NOT NULL AND next_flush_at <= ?').all(now) as { group_key: string; route: number }[];
    const result: FlushResult = { queued: 0, silenced: [] };
    for (const g of due) {
      this.db.transaction(() => {
        const r = this.flushGroup(g.group_key, g.route, now);
        result.queued += r.queued;
        result.silenced.push(...r.silenced);
      })();
    }
    return result;
  }

  private flushGroup(groupKey: string, routeIndex: number, now: number): FlushResult {
    const route = this.routes[routeIndex];
    const events = this.db.prepare('SELECT id, instance_key, transition FROM alert_events WHERE group_key = ? AND flushed_at IS NULL ORDER BY id').all(groupKey) as { id: number; instance_key: string; transition: string }[];
    this.db.prepare('UPDATE alert_events SET flushed_at = ? WHERE group_key = ? AND flushed_at IS NULL').run(now, groupKey);
    this.db.prepare('UPDATE notify_groups SET last_flush_at = ?, next_flush_at = NULL WHERE group_key = ?').run(now, groupKey);
    if (route === undefined || events.length === 0) return { queued: 0, silenced: [] };
    // Only the newest notice per instance matters (a firing then resolved inside one wait is one resolved).
    const latest = new Map<string, AlertTransition>();
    for (const e of events) latest.set(e.instance_key, JSON.parse(e.transition) as AlertTransition);
    const send: AlertTransition[] = [];
    const muted: AlertTransition[] = [];
    for (const t of latest.values()) (this.silences.silencing(t.labels, now) === undefined ? send : muted).push(t);
    const insert = this.db.prepare('INSERT INTO notification_outbox (channel, group_key, payload, status, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    for (const [list, status] of [[send, 'pending'], [muted, 'silenced']] as const) {
      if (list.length === 0) continue;
      for (const channel of route.channels) {
        const n: Omit<Notification, 'id'> = {
          channel, groupKey, createdAt: now, alerts: list,
          status: list.some((t) => t.kind !== 'resolved') ? 'firing' : 'resolved',
          severity: list.some((t) => t.severity === 'critical') ? 'critical' : 'warning',
          ...(this.dashboardUrl === undefined ? {} : { dashboardUrl: this.dashboardUrl }),
        };
        insert.run(channel, groupKey, JSON.stringify(n), status, now, now);
      }
    }
    const upsert = this.db.prepare('INSERT INTO notify_repeats (instance_key, route, last_sent_at) VALUES (?, ?, ?) ON CONFLICT (instance_key, route) DO UPDATE SET last_sent_at = excluded.last_sent_at');
    const drop = this.db.prepare('DELETE FROM notify_repeats WHERE instance_key = ? AND route = ?');
    for (const t of latest.values()) {
      if (t.kind === 'resolved') drop.run(t.key, routeIndex);
      else upsert.run(t.key, routeIndex, now);
    }
    return { queued: send.length === 0 ? 0 : route.channels.length, silenced: muted.length === 0 ? [] : [...route.channels] };
  }

  private addEvent(routeIndex: number, t: AlertTransition, now: number): void {
    const route = this.routes[routeIndex]!;
    const groupKey = `${routeIndex}:${t.alert}`;
    this.db.prepare('INSERT INTO alert_events (group_key, route, instance_key, transition, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(groupKey, routeIndex, t.key, JSON.stringify(t), now);
    const g = this.db.prepare('SELECT next_flush_at, last_flush_at FROM notify_groups WHERE group_key = ?').get(groupKey) as { next_flush_at: number | null; last_flush_at: number | null } | undefined;
    // An escalation is urgent: it goes out on the next flush instead of waiting for groupWait or
    // groupInterval (resolved notices and new warnings keep the batching).
    const urgent = t.kind === 'escalated';
    if (g === undefined) {
      this.db.prepare('INSERT INTO notify_groups (group_key, route, next_flush_at) VALUES (?, ?, ?)').run(groupKey, routeIndex, urgent ? now : now + route.groupWait);
    } else if (g.next_flush_at === null) {
      const at = urgent ? now : g.last_flush_at === null ? now + route.groupWait : Math.max(now, g.last_flush_at + route.groupInterval);
      this.db.prepare('UPDATE notify_groups SET next_flush_at = ? WHERE group_key = ?').run(at, groupKey);
    } else if (urgent && g.next_flush_at > now) {
      this.db.prepare('UPDATE notify_groups SET next_flush_at = ? WHERE group_key = ?').run(now, groupKey);
    }
  }
}
