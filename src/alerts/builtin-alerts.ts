/**
 * Alerts every daemon has without configuring them: certificate expiry for each `tls` probe
 * (warning within `tls.expiryWarning`, critical within `tls.expiryCritical`). They are ordinary
 * rules, appended to the configured ones, so perfwarden's evaluator, notifications, the API and
 * `perfwarden rules` (Prometheus) all treat them like any other.
 */
import type { AlertRuleConfig } from '../config/sections/alerts.js';
import type { Config } from '../config/schema.js';
import { formatDuration } from '../core/units.js';
import { parseThreshold } from './threshold.js';

/** Name of the built-in expiry rule of probes with the default thresholds. */
export const CERT_EXPIRY_ALERT = 'tls-cert-expiry';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** "14d" rather than "336h" in messages and the generated rules. */
function text(ms: number): string {
  return ms % DAY === 0 ? `${ms / DAY}d` : formatDuration(ms);
}

/** The built-in rules for `probes`: one per distinct pair of expiry thresholds. */
export function builtInAlerts(probes: Config['probes']): AlertRuleConfig[] {
  const groups = new Map<string, { warning: number; critical: number; probes: string[]; windowMs: number }>();
  for (const p of probes) {
    if (p.type !== 'tls') continue;
    const key = `${p.tls.expiryWarning}/${p.tls.expiryCritical}`;
    const g = groups.get(key) ?? { warning: p.tls.expiryWarning, critical: p.tls.expiryCritical, probes: [], windowMs: HOUR };
    g.probes.push(p.name);
    // The window must hold the last result: two intervals, at least an hour (cron probes: a day).
    g.windowMs = Math.max(g.windowMs, p.every === undefined ? 25 * HOUR : 2 * p.every);
    groups.set(key, g);
  }
  return [...groups.values()].map((g, i) => {
    const warning = parseThreshold(`< ${text(g.warning)}`);
    const critical = parseThreshold(`< ${text(g.critical)}`);
    return {
      name: i === 0 ? CERT_EXPIRY_ALERT : `${CERT_EXPIRY_ALERT}-${i + 1}`,
      select: { probes: g.probes },
      measure: 'cert_expiry',
      window: g.windowMs,
      for: 0,
      warning,
      critical,
      keepFiringFor: 0,
      minSamples: 1,
      summary: 'The TLS certificate expires soon: renew it before clients refuse the connection.',
    };
  });
}

/** The configured alerts followed by the built-in ones: what the daemon evaluates and `perfwarden rules` exports. */
export function alertRules(config: Pick<Config, 'alerts' | 'probes'>): AlertRuleConfig[] {
  return [...config.alerts, ...builtInAlerts(config.probes)];
}
