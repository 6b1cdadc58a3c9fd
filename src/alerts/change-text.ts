/**
 * The sentence a change alert is told with, in notifications and the API: what rose, from what
 * to what, by how much, when, how long ago and how sure the detector is. One function, so mail,
 * webhook and API say the same thing.
 */
import type { ChangeInfo } from './change-detector.js';

function ms(seconds: number): string {
  const v = seconds * 1000;
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : v >= 100 ? `${Math.round(v)} ms` : `${Math.round(v * 10) / 10} ms`;
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10} %`;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} seconds ago`;
  if (s < 7200) return `${Math.round(s / 60)} minutes ago`;
  return `${Math.round(s / 3600)} hours ago`;
}

/** `p50 of trade rose from 41 ms to 88 ms (x2.1) at 14:05:30 UTC, 12 minutes ago, confidence 0.99; p95 60 ms → 131 ms`. */
export function describeChange(subject: string, c: ChangeInfo, now: number): string {
  const when = `${new Date(c.at).toISOString().slice(11, 19)} UTC`;
  // Rounded down, and never 1.00: a detector is never certain.
  const confidence = Math.min(0.99, Math.floor(c.confidence * 100) / 100).toFixed(2);
  const what = c.metric === 'latency' ? `p50 of ${subject} rose from ${ms(c.before)} to ${ms(c.after)}` : `failure rate of ${subject} rose from ${pct(c.before)} to ${pct(c.after)}`;
  const p95 = c.beforeP95 !== undefined && c.afterP95 !== undefined ? `; p95 ${ms(c.beforeP95)} → ${ms(c.afterP95)}` : '';
  return `${what} (x${Math.round(c.ratio * 10) / 10}) at ${when}, ${ago(now - c.at)}, confidence ${confidence}${p95}`;
}
