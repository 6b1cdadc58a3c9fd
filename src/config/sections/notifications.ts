/**
 * The `notifications` config section: channels (email, webhook, Alertmanager), routes with
 * grouping and repeat intervals, delivery retry, and how often alerts are evaluated.
 * Secrets come in as `${ENV}` references, substituted by the loader.
 */
import { Type } from '@sinclair/typebox';
import type { StaticDecode } from '@sinclair/typebox';
import { Duration, Headers, Name, Strict, WithDefault } from '../types.js';
import type { ReportProblem } from '../problem.js';
import { parseDuration } from '../../core/units.js';

/** Delivery retry: exponential backoff, capped, until a count or a time budget runs out. */
export const RetrySchema = Strict({
  initialBackoff: Duration({ default: '5s' }),
  maxBackoff: Duration({ default: '5m' }),
  /** After this many failed attempts a notification is given up ("dead"). Unset: no limit by count. */
  maxAttempts: Type.Optional(Type.Integer({ minimum: 1 })),
  /** A notification still undelivered this long after it was queued is given up ("dead"). */
  giveUpAfter: Duration({ default: '7d' }),
});

/**
 * What every channel has: its own delivery pipeline. `timeout` bounds one whole delivery
 * (connect, greeting, send, answer), `connectTimeout` the TCP/TLS connect, `concurrency` how many
 * notifications of different groups it sends at once (one group's notices always go in order),
 * `retry` overrides `notifications.retry` for this channel.
 */
const pipeline = {
  timeout: Duration({ default: '10s' }),
  connectTimeout: Duration({ default: '5s' }),
  concurrency: Type.Integer({ minimum: 1, maximum: 16, default: 1 }),
  retry: Type.Optional(RetrySchema),
};

/** SMTP email through nodemailer. */
export const EmailChannelSchema = Strict({
  name: Name(),
  type: Type.Literal('email'),
  host: Type.String({ minLength: 1 }),
  port: Type.Integer({ minimum: 1, maximum: 65535, default: 587 }),
  /** true: TLS from the first byte (port 465); false: STARTTLS when offered. */
  secure: Type.Boolean({ default: false }),
  requireTls: Type.Boolean({ default: false }),
  tlsVerify: Type.Boolean({ default: true }),
  user: Type.Optional(Type.String()),
  password: Type.Optional(Type.String()),
  from: Type.String({ minLength: 3 }),
  to: Type.Array(Type.String({ minLength: 3 }), { minItems: 1 }),
  /** How long the server may take to greet after the connect (a server that never greets fails here). */
  greetingTimeout: Duration({ default: '5s' }),
  ...pipeline,
});

/** A JSON POST; `format: slack` sends `{ text }` a Slack incoming webhook accepts. */
export const WebhookChannelSchema = Strict({
  name: Name(),
  type: Type.Literal('webhook'),
  url: Type.String({ pattern: '^https?://', errorMessage: 'expected an http(s) URL' }),
  format: Type.Union([Type.Literal('json'), Type.Literal('slack')], { default: 'json' }),
  headers: Type.Optional(Headers()),
  ...pipeline,
});

/** Alertmanager API v2 (`POST /api/v2/alerts`). */
export const AlertmanagerChannelSchema = Strict({
  name: Name(),
  type: Type.Literal('alertmanager'),
  url: Type.String({ pattern: '^https?://', errorMessage: 'expected the Alertmanager base URL, like "http://127.0.0.1:9093"' }),
  headers: Type.Optional(Headers()),
  ...pipeline,
  /**
   * How often a firing alert is re-sent (at most 1m). Alertmanager resolves an alert that is not
   * re-sent within its `resolve_timeout` (5m by default), so each send carries
   * `endsAt = now + 3 × resendInterval`, independent of the route's grouping and repeatInterval.
   */
  resendInterval: Duration({ default: '1m' }),
});

/** A channel. */
export const ChannelSchema = Type.Union([EmailChannelSchema, WebhookChannelSchema, AlertmanagerChannelSchema]);

/** A route: which alerts go to which channels, and how they are batched. First match wins. */
export const RouteSchema = Strict({
  match: Type.Optional(Strict({
    severity: Type.Optional(Type.Union([Type.Literal('warning'), Type.Literal('critical')])),
    alert: Type.Optional(Type.String()),
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  })),
  channels: Type.Array(Name(), { minItems: 1 }),
  groupWait: Duration({ default: '30s' }),
  groupInterval: Duration({ default: '5m' }),
  repeatInterval: Duration({ default: '4h' }),
  sendResolved: Type.Boolean({ default: true }),
  /** true: keep trying later routes after this one matched. */
  continue: Type.Boolean({ default: false }),
});

/** `notifications`. */
export const NotificationsSection = Strict({
  evaluationInterval: Duration({ default: '15s' }),
  /** Where the dashboard lives; linked from every notification. */
  dashboardUrl: Type.Optional(Type.String()),
  channels: Type.Array(ChannelSchema, { default: [] }),
  /** Default: every alert to every channel. */
  routes: Type.Optional(Type.Array(RouteSchema)),
  retry: WithDefault(RetrySchema, {}),
  /** How long history is kept: flushed alert events, sent/dead/silenced outbox rows, expired silences. */
  retention: Duration({ default: '30d' }),
}, { default: {} });

/** Decoded types. */
export type NotificationsConfig = StaticDecode<typeof NotificationsSection>;
export type ChannelConfig = StaticDecode<typeof ChannelSchema>;
export type EmailChannelConfig = StaticDecode<typeof EmailChannelSchema>;
export type WebhookChannelConfig = StaticDecode<typeof WebhookChannelSchema>;
export type AlertmanagerChannelConfig = StaticDecode<typeof AlertmanagerChannelSchema>;
export type RouteConfig = StaticDecode<typeof RouteSchema>;
export type RetryConfig = StaticDecode<typeof RetrySchema>;

/** Longest Alertmanager `resendInterval`: its default `resolve_timeout` is 5m, and we send `endsAt` = 3 intervals ahead. */
export const MAX_ALERTMANAGER_RESEND_MS = 60_000;

function durationOrUndefined(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    return parseDuration(v);
  } catch {
    return undefined;
  }
}

/** Unique channel names; routes name existing channels; Alertmanager re-sends at least every minute. */
export function checkNotifications(raw: { notifications?: { channels?: unknown; routes?: unknown } }, report: ReportProblem): void {
  const channels = Array.isArray(raw.notifications?.channels) ? (raw.notifications.channels as { name?: unknown; type?: unknown; resendInterval?: unknown }[]) : [];
  const names = new Set<unknown>();
  channels.forEach((c, i) => {
    if (names.has(c?.name)) report(['notifications', 'channels', i, 'name'], `duplicate channel name "${String(c?.name)}"`);
    names.add(c?.name);
    const resend = durationOrUndefined(c?.resendInterval);
    if (c?.type === 'alertmanager' && resend !== undefined && (resend > MAX_ALERTMANAGER_RESEND_MS || resend <= 0)) {
      report(['notifications', 'channels', i, 'resendInterval'], 'expected a duration between 1ms and 1m (Alertmanager resolves alerts not re-sent within its resolve_timeout)');
    }
  });
  const routes = Array.isArray(raw.notifications?.routes) ? (raw.notifications.routes as { channels?: unknown }[]) : [];
  routes.forEach((r, i) => {
    if (!Array.isArray(r?.channels)) return;
    r.channels.forEach((n: unknown, j: number) => {
      if (!names.has(n)) report(['notifications', 'routes', i, 'channels', j], `unknown channel "${String(n)}"`);
    });
  });
}
