import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigText } from '../../src/config/load-config.js';
import { AlertEvaluator, compileRules } from '../../src/alerts/evaluator.js';
import { MeasureStore } from '../../src/alerts/measure-store.js';
import { CERT_EXPIRY_ALERT, alertRules, builtInAlerts } from '../../src/alerts/builtin-alerts.js';
import { generatePrometheusRules, renderPrometheusRules } from '../../src/alerts/prometheus-rules.js';
import type { ProbeResult } from '../../src/probe/types.js';
import { PROMTOOL } from '../helpers/promtool.js';

const DAY = 86_400;
const config = loadConfigText(`
probes:
  - { name: site-cert, type: tls, every: 1h, tls: { host: example.com } }
  - { name: api-cert, type: tls, every: 6h, tls: { host: api.example.com, expiryWarning: 30d, expiryCritical: 7d } }
  - { name: status, type: http, every: 10s, http: { url: "http://127.0.0.1:1/" } }
alerts:
  - { name: status-errors, select: { probes: [status] }, measure: error_rate, warning: "> 5%" }
`, 'tls.yaml', {});

function tlsResult(probe: string, at: number, expirySeconds: number): ProbeResult {
  return {
    probe, target: probe, kind: 'tls', url: 'tls://example.com:443', ok: expirySeconds > 0, startedAt: at, durationSeconds: 0.02, phases: {},
    tls: { authorized: true, subject: 'CN=example.com', issuer: 'CN=ca', validFrom: at - DAY * 1000, validTo: at + expirySeconds * 1000, expirySeconds },
  };
}

test('every tls probe gets expiry alerts without configuring any, one rule per threshold pair', () => {
  const rules = builtInAlerts(config.probes);
  assert.deepEqual(rules.map((r) => [r.name, r.select.probes, r.warning?.text, r.critical?.text]), [
    [CERT_EXPIRY_ALERT, ['site-cert'], '< 14d', '< 3d'],
    [`${CERT_EXPIRY_ALERT}-2`, ['api-cert'], '< 30d', '< 7d'],
  ]);
  assert.equal(rules[1]?.window, 12 * 3_600_000, 'two intervals of the probe: its last result is always in the window');
  assert.deepEqual(alertRules(config).map((r) => r.name), ['status-errors', CERT_EXPIRY_ALERT, `${CERT_EXPIRY_ALERT}-2`]);
});

test('the evaluator warns, then escalates, as the certificate nears expiry (counted down between runs)', () => {
  const store = new MeasureStore({ retentionMs: 2 * DAY * 1000 });
  const evaluator = new AlertEvaluator(compileRules(builtInAlerts(config.probes)), store);
  const t0 = Date.UTC(2026, 0, 1);
  store.addProbeResult(tlsResult('site-cert', t0, 20 * DAY));
  assert.deepEqual(evaluator.evaluate(t0), []);
  store.addProbeResult(tlsResult('site-cert', t0 + 1000, 10 * DAY));
  const warn = evaluator.evaluate(t0 + 1000);
  assert.deepEqual(warn.map((t) => [t.alert, t.subject, t.kind, t.severity]), [[CERT_EXPIRY_ALERT, 'site-cert', 'firing', 'warning']]);
  assert.equal(warn[0]?.valueText, '10d');
  // No new result: the last one (3 days and an hour) is counted down past the critical line.
  store.addProbeResult(tlsResult('site-cert', t0 + 2000, 3 * DAY + 3600));
  assert.deepEqual(evaluator.evaluate(t0 + 2000).map((t) => t.kind), []);
  const crit = evaluator.evaluate(t0 + 2000 + 1.5 * 3_600_000);
  assert.deepEqual(crit.map((t) => [t.kind, t.severity]), [['escalated', 'critical']]);
});

test('perfwarden rules exports them over perfwarden_tls_cert_expiry_seconds, and promtool accepts the file', () => {
  const generated = generatePrometheusRules(alertRules(config));
  const expiry = generated.groups[0]?.rules.filter((r) => r.alert === CERT_EXPIRY_ALERT) ?? [];
  const measure = 'min by (probe) (perfwarden_tls_cert_expiry_seconds{probe="site-cert"})';
  assert.deepEqual(expiry.map((r) => r.labels.severity), ['warning', 'critical']);
  assert.equal(expiry[0]?.expr.split('\n')[0], `(${measure}) < 1209600`);
  assert.equal(expiry[1]?.expr.split('\n')[0], `(${measure}) < 259200`);
  const dir = mkdtempSync(join(tmpdir(), 'pw-rules-'));
  try {
    writeFileSync(join(dir, 'rules.yml'), renderPrometheusRules(generated, 'tls.yaml'));
    const r = spawnSync(PROMTOOL, ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
