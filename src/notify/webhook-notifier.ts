/** Webhook (JSON POST of the notification, or Slack's `{ text }`) and Alertmanager API v2 channels. */
import { request } from 'undici';
import type { AlertmanagerChannelConfig, WebhookChannelConfig } from '../config/sections/notifications.js';
import { subjectLine, textBody } from './render.js';
import type { Notification, Notifier } from './types.js';
import { describeChange } from '../alerts/change-text.js';

async function postJson(url: string, body: unknown, headers: Readonly<Record<string, string>>, timeout: number): Promise<void> {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`HTTP ${res.statusCode} from ${url}: ${text.slice(0, 200)}`);
}

function withoutKey(labels: Readonly<Record<string, string>>, key: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (k !== key) out[k] = v;
  return out;
}

/** A JSON webhook; `format: slack` posts `{ text }`. */
export function createWebhookNotifier(config: WebhookChannelConfig): Notifier {
  return {
    name: config.name,
    type: 'webhook',
    async send(n: Notification): Promise<void> {
      const body = config.format === 'slack' ? { text: `*${subjectLine(n)}*\n${textBody(n)}` } : n;
      await postJson(config.url, body, config.headers ?? {}, config.timeout);
    },
  };
}

/** How many resend intervals ahead a firing alert's `endsAt` is set: two lost re-sends are tolerated. */
export const ALERTMANAGER_ENDS_AT_INTERVALS = 3;

/**
 * Alertmanager: each notice becomes an alert. A firing one carries `endsAt = now + 3 ×
 * resendInterval` and the engine re-sends it every `resendInterval` while it fires, so
 * Alertmanager keeps it active for exactly as long as we do (without `endsAt` it would resolve
 * it after its `resolve_timeout`, 5m by default); a resolved one carries `endsAt` = the time it
 * resolved. `now` is wall-clock time (Alertmanager compares `endsAt` with its own clock).
 */
export function createAlertmanagerNotifier(config: AlertmanagerChannelConfig, now: () => number = Date.now): Notifier {
  const url = `${config.url.replace(/\/+$/, '')}/api/v2/alerts`;
  return {
    name: config.name,
    type: 'alertmanager',
    resendInterval: config.resendInterval,
    async send(n: Notification): Promise<void> {
      const firingEndsAt = new Date(Math.floor(now()) + ALERTMANAGER_ENDS_AT_INTERVALS * config.resendInterval).toISOString();
      const alerts = n.alerts.map((t) => ({
        // `alertname` is Alertmanager's name label; the notice's own `alert` label would only duplicate it.
        labels: { ...withoutKey(t.labels, 'alert'), alertname: t.alert, severity: t.severity },
        annotations: {
          summary: `${t.alert} on ${t.subject}: ${t.measure} = ${t.valueText} (${t.threshold})`,
          value: t.valueText,
          threshold: t.threshold,
          ...(t.summary === undefined ? {} : { description: t.summary }),
          ...(t.change === undefined ? {} : { change: describeChange(t.subject, t.change, t.at) }),
        },
        startsAt: new Date(Math.floor(t.since)).toISOString(),
        endsAt: t.kind === 'resolved' ? new Date(Math.floor(t.at)).toISOString() : firingEndsAt,
        ...(n.dashboardUrl === undefined ? {} : { generatorURL: n.dashboardUrl }),
      }));
      await postJson(url, alerts, config.headers ?? {}, config.timeout);
    },
  };
}
