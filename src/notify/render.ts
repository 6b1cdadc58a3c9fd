/** Human text of a notification: subject, plain text and HTML (what, how bad, since when, value vs threshold, link). */
import type { AlertTransition } from '../alerts/types.js';
import type { Notification } from './types.js';
import { describeChange } from '../alerts/change-text.js';

const VERB: Record<AlertTransition['kind'], string> = {
  firing: 'FIRING', escalated: 'ESCALATED', downgraded: 'DOWNGRADED', resolved: 'RESOLVED', repeat: 'STILL FIRING',
};

/** "[CRITICAL] api-latency FIRING: status latency.p95 = 712ms (> 600ms)". */
export function subjectLine(n: Notification): string {
  const first = n.alerts[0];
  if (first === undefined) return `[${n.severity.toUpperCase()}] perfwarden`;
  const tag = n.status === 'resolved' ? 'RESOLVED' : n.severity.toUpperCase();
  const more = n.alerts.length > 1 ? ` (+${n.alerts.length - 1} more)` : '';
  return `[${tag}] ${first.alert} ${VERB[first.kind]}: ${first.subject} ${first.measure} = ${first.valueText} (${first.threshold})${more}`;
}

function line(t: AlertTransition): string {
  const since = new Date(t.since).toISOString();
  const rule = t.kind === 'resolved' ? `cleared: ${t.threshold}` : `threshold: ${t.threshold}`;
  return `${VERB[t.kind]} ${t.severity} — ${t.alert} on ${t.subjectKind.slice(0, -1)} ${t.subject}: ${t.measure} = ${t.valueText} (${rule}); since ${since}`
    + (t.change === undefined ? '' : `\n  ${describeChange(t.subject, t.change, t.at)}`)
    + (t.summary === undefined ? '' : `\n  ${t.summary}`);
}

/** Plain-text body. */
export function textBody(n: Notification): string {
  const lines = n.alerts.map(line);
  if (n.dashboardUrl !== undefined) lines.push('', `Dashboard: ${n.dashboardUrl}`);
  lines.push('', `perfwarden notification #${n.id} at ${new Date(n.createdAt).toISOString()}`);
  return `${lines.join('\n')}\n`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** HTML body (inline styles only: mail clients drop style sheets). */
export function htmlBody(n: Notification): string {
  const colour = n.status === 'resolved' ? '#2e7d32' : n.severity === 'critical' ? '#c62828' : '#ef6c00';
  const rows = n.alerts.map((t) => `<tr><td style="padding:4px 8px"><b>${esc(VERB[t.kind])}</b> ${esc(t.severity)}</td>`
    + `<td style="padding:4px 8px">${esc(t.alert)} · ${esc(t.subject)}</td>`
    + `<td style="padding:4px 8px">${esc(t.measure)} = <b>${esc(t.valueText)}</b></td>`
    + `<td style="padding:4px 8px">${esc(t.kind === 'resolved' ? `cleared ${t.threshold}` : t.threshold)}</td>`
    + `<td style="padding:4px 8px">since ${esc(new Date(t.since).toISOString())}</td></tr>`
    + (t.change === undefined ? '' : `<tr><td></td><td colspan="4" style="padding:0 8px 4px">${esc(describeChange(t.subject, t.change, t.at))}</td></tr>`)).join('');
  const link = n.dashboardUrl === undefined ? '' : `<p><a href="${esc(n.dashboardUrl)}">Open the dashboard</a></p>`;
  return `<div style="font-family:sans-serif"><h2 style="color:${colour}">${esc(subjectLine(n))}</h2>`
    + `<table style="border-collapse:collapse">${rows}</table>${link}`
    + `<p style="color:#777;font-size:12px">perfwarden notification #${n.id}</p></div>`;
}
