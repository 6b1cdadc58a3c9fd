/** Webhook (JSON POST of the notification, or Slack's `{ text }`) and Alertmanager API v2 channels. */
import { request } from 'undici';
import type { AlertmanagerChannelConfig, WebhookChannelConfig } from '../config/sections/notifications.js';
import { subjectLine, textBody } from './render.js';
import type { Notification, Notifier } from './types.js';

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

/** Alertmanager: each notice becomes an alert; resolved ones carry `endsAt`, so AM resolves and de-duplicates. */
export function createAlertmanagerNotifier(config: AlertmanagerChannelConfig): Notifier {
  const url = `${config.url.replace(/\/+$/, '')}/api/v2/alerts`;
  return {
    name: config.name,
    type: 'alertmanager',
    async send(n: Notification): Promise<void> {
      const alerts = n.alerts.map((t) => ({
        labels: { ...t.labels, alertname: t.alert, severity: t.severity },
        annotations: {
          summary: `${t.alert} on ${t.subject}: ${t.measure} = ${t.valueText} (${t.threshold})`,
          value: t.valueText,
          threshold: t.threshold,
          ...(t.summary === undefined ? {} : { description: t.summary }),
        },
        startsAt: new Date(t.since).toISOString(),
        ...(t.kind === 'resolved' ? { endsAt: new Date(t.at).toISOString() } : {}),
        ...(n.dashboardUrl === undefined ? {} : { generatorURL: n.dashboardUrl }),
      }));
      await postJson(url, alerts, config.headers ?? {}, config.timeout);
    },
  };
}
