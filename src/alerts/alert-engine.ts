/**
 * The alerting loop in one handle: samples in → windowed store → evaluator → (one SQLite
 * transaction: instance state + routed events) → grouped flush into the outbox → delivery.
 * Because state and events commit together, a `kill -9` at any point either loses the whole
 * evaluation (it is simply redone) or keeps all of it; it never announces a firing alert twice.
 * Time comes from the injected Clock (whole milliseconds), so tests drive the loop with FakeClock
 * and `tick()`. Beside the grouped notices, channels with a `resendInterval` (Alertmanager) hear
 * about every announced firing alert that often, and history older than the retention is pruned.
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Clock, TimerHandle } from '../core/clock.js';
import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { SqliteDatabase } from '../storage/database.js';
import { migrate } from '../storage/database.js';
import { Outbox } from '../notify/outbox.js';
import { pruneNotifyHistory } from '../notify/retention.js';
import type { DeliveryOutcome, RetryPolicy } from '../notify/outbox.js';
import { NotificationRouter } from '../notify/router.js';
import type { Route } from '../notify/router.js';
import { SilenceStore } from '../notify/silences.js';
import type { Notifier } from '../notify/types.js';
import { AlertEvaluator } from './evaluator.js';
import { ChangeTracker } from './change-tracker.js';
import { formatMeasureValue } from './measures.js';
import { MeasureStore } from './measure-store.js';
import { alertMigrations } from './migrations.js';
import type { AlertTransition, CompiledRule, InstanceState } from './types.js';

/** What the engine needs. */
export interface AlertEngineOptions {
  db: SqliteDatabase;
  rules: readonly CompiledRule[];
  notifiers: readonly Notifier[];
  routes: readonly Route[];
  retry: RetryPolicy;
  evaluationIntervalMs: number;
  clock: Clock;
  dashboardUrl?: string;
  registry?: Registry;
  logger?: Logger;
  /** Told about every level change and every delivery attempt (the daemon forwards them to its bus). */
  onTransition?: (t: AlertTransition) => void;
  onDelivery?: (o: DeliveryOutcome) => void;
  /** How long flushed events, finished outbox rows and expired silences are kept. Default 30 days. */
  retentionMs?: number;
  /** How often history is pruned. Default 1 hour. */
  pruneIntervalMs?: number;
}

/** Default {@link AlertEngineOptions.retentionMs}. */
export const DEFAULT_NOTIFY_RETENTION_MS = 30 * 86_400_000;

/** The running alert pipeline. */
export class AlertEngine {
  /** Where probe results and health samples go. */
  readonly store: MeasureStore;
  readonly evaluator: AlertEvaluator;
  /** The change detectors of change-measure rules; probe results go here too. */
  readonly changes: ChangeTracker;
  readonly silences: SilenceStore;
  readonly outbox: Outbox;
  private readonly router: NotificationRouter;
  private readonly opts: AlertEngineOptions;
  private readonly notifierTypes: Map<string, string>;
  private readonly stateGauge: Gauge<'alert' | 'severity'> | undefined;
  private readonly sentCounter: Counter<'channel' | 'outcome'> | undefined;
  private nextEvaluationAt = 0;
  private nextPruneAt = 0;
  /** Per channel with a resendInterval: when it is next due (in memory; a restart re-sends at once). */
  private readonly nextResendAt = new Map<string, number>();
  private timer: TimerHandle | undefined;
  private delivering: Promise<void> | undefined;
  private stopped = false;
  private closed = false;

  constructor(opts: AlertEngineOptions) {
    this.opts = opts;
    migrate(opts.db, alertMigrations);
    const retention = Math.max(60_000, ...opts.rules.map((r) => r.windowMs));
    this.store = new MeasureStore({ retentionMs: retention });
    const changeRatio = opts.registry === undefined ? undefined : new Gauge({ name: 'perfwarden_probe_change_ratio', help: 'New level / old level of the last latency change the change detector confirmed for the probe (median latency after / before).', labelNames: ['probe'], registers: [opts.registry] });
    const changeTime = opts.registry === undefined ? undefined : new Gauge({ name: 'perfwarden_probe_change_time_seconds', help: 'When the last confirmed latency change of the probe happened (Unix seconds; the estimated change point, not the detection).', labelNames: ['probe'], registers: [opts.registry] });
    this.changes = new ChangeTracker(opts.rules, opts.clock, (probe, rule, info) => {
      if (info.metric === 'latency') {
        changeRatio?.set({ probe }, info.ratio);
        changeTime?.set({ probe }, info.at / 1000);
      }
      opts.logger?.info({ probe, alert: rule.name, metric: info.metric, before: info.before, after: info.after, ratio: info.ratio, at: new Date(info.at).toISOString(), confidence: info.confidence }, 'change confirmed');
    });
    this.evaluator = new AlertEvaluator(opts.rules, this.store, this.changes);
    this.silences = new SilenceStore(opts.db);
    this.router = new NotificationRouter(opts.db, opts.routes, this.silences, opts.dashboardUrl);
    this.outbox = new Outbox(opts.db, opts.notifiers, opts.retry);
    this.notifierTypes = new Map(opts.notifiers.map((n) => [n.name, n.type]));
    const saved = (opts.db.prepare('SELECT state FROM alert_instances').all() as { state: string }[]).map((r) => JSON.parse(r.state) as InstanceState);
    this.evaluator.restore(saved);
    if (opts.registry !== undefined) {
      this.stateGauge = new Gauge({ name: 'perfwarden_alert_state', help: 'Alert state per severity: 0 inactive, 1 pending, 2 firing.', labelNames: ['alert', 'severity'], registers: [opts.registry] });
      this.sentCounter = new Counter({ name: 'perfwarden_notifications_total', help: 'Notification delivery attempts by channel and outcome (sent, failed, dead, silenced); failed includes failed Alertmanager re-sends of firing alerts.', labelNames: ['channel', 'outcome'], registers: [opts.registry] });
      for (const n of opts.notifiers) for (const outcome of ['sent', 'failed', 'dead', 'silenced']) this.sentCounter.inc({ channel: n.name, outcome }, 0);
      this.updateGauge();
    }
  }

  /** Evaluates when due, flushes due groups, then delivers due notifications. Never throws. */
  async tick(): Promise<void> {
    this.step();
    await this.deliver();
  }

  /** Starts the loop: every `min(1s, evaluationInterval)` evaluate and flush; delivery runs beside it. */
  start(): void {
    this.stopped = false;
    const every = Math.min(1000, this.opts.evaluationIntervalMs);
    const loop = () => {
      if (this.stopped) return;
      this.step();
      // A slow or dead channel (SMTP timeouts) must not hold up evaluation: delivery is not awaited.
      void this.deliver();
      this.timer = this.opts.clock.setTimeout(loop, every);
    };
    loop();
  }

  /** Stops the loop and waits for the delivery in flight; closes channels. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    await this.delivering;
    if (this.closed) return;
    this.closed = true;
    for (const n of this.opts.notifiers) await n.close?.().catch(() => {});
  }

  /** Evaluates when due and flushes due groups into the outbox (synchronous SQLite work). */
  private step(): void {
    const now = this.now();
    try {
      if (now >= this.nextEvaluationAt) {
        this.nextEvaluationAt = now + this.opts.evaluationIntervalMs;
        this.evaluate(now);
      }
      const flushed = this.router.flush(now);
      for (const channel of flushed.silenced) this.sentCounter?.inc({ channel, outcome: 'silenced' });
    } catch (thrown) {
      this.opts.logger?.error({ err: coerceError(thrown) }, 'alert evaluation failed');
    }
    this.prune(now);
  }

  /** Whole epoch milliseconds: every timestamp in state, payloads and the API is an integer. */
  private now(): number {
    return Math.floor(this.opts.clock.now());
  }

  /** Deletes history older than the retention, at most every `pruneIntervalMs` (sooner while a backlog remains). */
  private prune(now: number): void {
    if (now < this.nextPruneAt) return;
    try {
      const r = pruneNotifyHistory(this.opts.db, now, this.opts.retentionMs ?? DEFAULT_NOTIFY_RETENTION_MS);
      this.nextPruneAt = now + (r.more ? Math.min(1000, this.opts.evaluationIntervalMs) : this.opts.pruneIntervalMs ?? 3600_000);
      if (r.events + r.outbox + r.silences > 0) this.opts.logger?.info({ events: r.events, outbox: r.outbox, silences: r.silences }, 'pruned alert history');
    } catch (thrown) {
      this.nextPruneAt = now + (this.opts.pruneIntervalMs ?? 3600_000);
      this.opts.logger?.error({ err: coerceError(thrown) }, 'pruning alert history failed');
    }
  }

  /**
   * Re-sends announced firing alerts to channels with a `resendInterval` (Alertmanager), in the
   * delivery chain so a re-send can never overtake the resolved notice that follows it.
   * Best effort: the next re-send comes one interval later, and `endsAt` allows two to be lost.
   */
  private async resend(): Promise<void> {
    for (const n of this.opts.notifiers) {
      if (n.resendInterval === undefined) continue;
      const now = this.now();
      if (now < (this.nextResendAt.get(n.name) ?? 0)) continue;
      this.nextResendAt.set(n.name, now + n.resendInterval);
      const alerts = this.router.refreshable(n.name, this.evaluator.states(), (s) => this.repeatOf(s, now), now);
      if (alerts.length === 0) continue;
      try {
        await n.send({
          id: 0, channel: n.name, groupKey: 'resend', status: 'firing', createdAt: now, alerts,
          severity: alerts.some((t) => t.severity === 'critical') ? 'critical' : 'warning',
          ...(this.opts.dashboardUrl === undefined ? {} : { dashboardUrl: this.opts.dashboardUrl }),
        });
      } catch (thrown) {
        this.sentCounter?.inc({ channel: n.name, outcome: 'failed' });
        this.opts.logger?.warn({ channel: n.name, err: coerceError(thrown).message }, 're-sending firing alerts failed (retried next interval)');
      }
    }
  }

  /** One delivery pass at a time; a second call while one runs joins it. */
  private deliver(): Promise<void> {
    this.delivering ??= (async () => {
      try {
        await this.resend();
        const outcomes = await this.outbox.deliverDue(this.now(), () => this.now());
        for (const o of outcomes) {
          this.sentCounter?.inc({ channel: o.channel, outcome: o.outcome });
          if (o.outcome !== 'sent') this.opts.logger?.warn({ channel: o.channel, id: o.id, err: o.error, outcome: o.outcome }, 'notification not delivered');
          this.opts.onDelivery?.(o);
        }
      } catch (thrown) {
        this.opts.logger?.error({ err: coerceError(thrown) }, 'notification delivery failed');
      } finally {
        this.delivering = undefined;
      }
    })();
    return this.delivering;
  }

  /** Current instance states. */
  states(): InstanceState[] {
    return this.evaluator.states();
  }

  private evaluate(now: number): void {
    const transitions = this.evaluator.evaluate(now);
    const states = this.evaluator.states();
    this.opts.db.transaction(() => {
      const save = this.opts.db.prepare('INSERT INTO alert_instances (key, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at');
      for (const s of states) save.run(s.key, JSON.stringify(s), now);
      this.router.enqueue(transitions, now);
      this.router.repeats(states, (s) => this.repeatOf(s, now), now);
    })();
    this.updateGauge();
    for (const t of transitions) {
      this.opts.logger?.info({ alert: t.alert, subject: t.subject, kind: t.kind, severity: t.severity, value: t.valueText, threshold: t.threshold }, 'alert transition');
      this.opts.onTransition?.(t);
    }
  }

  private repeatOf(s: InstanceState, now: number): AlertTransition {
    const rule = this.evaluator.rule(s.alert);
    const severity = s.level === 'none' ? 'warning' : s.level;
    const kind = rule?.subjectKind ?? s.subjectKind;
    return {
      key: s.key, alert: s.alert, subject: s.subject, subjectKind: kind, kind: 'repeat', severity, from: s.level, to: s.level,
      measure: rule?.measure.text ?? '', value: s.lastValue,
      valueText: s.lastValue === undefined || rule === undefined ? 'no data' : formatMeasureValue(rule.measure.kind, s.lastValue),
      threshold: rule?.[severity]?.text ?? '', since: s.firingSince ?? now, at: now,
      labels: { ...(rule?.labels ?? {}), alert: s.alert, severity, [kind.slice(0, -1)]: s.subject },
      ...(rule?.summary === undefined ? {} : { summary: rule.summary }),
      ...(s.change === undefined ? {} : { change: s.change }),
    };
  }

  private updateGauge(): void {
    if (this.stateGauge === undefined) return;
    for (const g of this.evaluator.gauge()) this.stateGauge.set({ alert: g.alert, severity: g.severity }, g.value);
  }

  /** The channel type of a channel name (for the API). */
  channelType(name: string): string | undefined {
    return this.notifierTypes.get(name);
  }
}
