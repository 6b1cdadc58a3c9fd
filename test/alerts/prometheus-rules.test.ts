import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { runCli } from '../../src/cli/program.js';
import type { CliIo } from '../../src/cli/io.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { generatePrometheusRules, promDuration, renderPrometheusRules } from '../../src/alerts/prometheus-rules.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');

function io() {
  let out = '';
  let err = '';
  let code = 0;
  const value: CliIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, env: {}, isTTY: false, setExitCode: (c) => { code = c; } };
  return { value, out: () => out, err: () => err, code: () => code };
}

test('promDuration formats like Prometheus', () => {
  assert.equal(promDuration(90_000), '1m30s');
  assert.equal(promDuration(250), '250ms');
  assert.equal(promDuration(7_200_000), '2h');
});

test('`perfwarden rules` output equals the shipped alerts/perfwarden.rules.yml (regenerate when config changes)', async () => {
  const cli = io();
  await runCli(['rules', '--config', join(ROOT, 'config/default.yaml')], cli.value);
  assert.equal(cli.code(), 0, cli.err());
  const shipped = readFileSync(join(ROOT, 'alerts/perfwarden.rules.yml'), 'utf8');
  // Only the header's source path may differ.
  const body = (s: string) => s.split('\n').filter((l) => !l.startsWith('# Generated')).join('\n');
  assert.equal(body(cli.out()), body(shipped));
  const doc = parse(cli.out()) as { groups: { rules: { alert: string; labels: { severity: string }; for?: string; keep_firing_for?: string }[] }[] };
  const rules = doc.groups[0]?.rules ?? [];
  assert.deepEqual(new Set(rules.map((r) => r.alert)), new Set(['api-latency', 'api-errors', 'cache-hit-rate', 'memory-usage', 'cpu-usage', 'memory-leak', 'latency-change']));
  assert.ok(rules.every((r) => r.labels.severity === 'warning' || r.labels.severity === 'critical'));
  assert.equal(rules.find((r) => r.alert === 'cpu-usage')?.keep_firing_for, '2m');
});

test('promtool accepts the shipped rules and its unit tests pass', { timeout: 60_000 }, async () => {
  const check = await run('promtool', ['check', 'rules', join(ROOT, 'alerts/perfwarden.rules.yml')]);
  assert.match(check.stdout, /SUCCESS: 14 rules found/);
  const unit = await run('promtool', ['test', 'rules', 'perfwarden.rules.test.yml'], { cwd: join(ROOT, 'alerts') });
  assert.match(unit.stdout + unit.stderr, /SUCCESS/);
});

test('promtool rejects nothing we generate for every measure and selection, and unmappable ones are reported', async () => {
  const config = loadConfigText(`
targets: [{ name: api.v1, url: "http://127.0.0.1:1" }]
probes: [{ name: a, target: api.v1, every: 5s, http: { path: /a } }, { name: b, target: api.v1, every: 5s, http: { path: /b } }]
loads: [{ name: smoke, target: api.v1, executor: constant-vus, vus: 1, duration: 10s, scenarios: [{ name: s, requests: [{ path: / }] }] }]
alerts:
  - { name: r1, select: { probes: [a, b] }, measure: latency.p99.9, warning: "> 1s", minSamples: 20 }
  - { name: r2, select: { targets: [api.v1] }, measure: error_rate, critical: "> 1%" }
  - { name: r3, select: { probes: [a] }, measure: probe_success, warning: "< 99%", clear: "> 99.5%", keepFiringFor: 1m }
  - { name: r4, select: { probes: [a] }, measure: check_rate, warning: "< 1" }
  - { name: r5, select: { loads: [smoke] }, measure: latency.p99, warning: "> 200ms" }
  - { name: r6, select: { loads: [smoke] }, measure: error_rate, warning: "> 0.1%", minSamples: 100 }
  - { name: r7, select: { targets: [api.v1] }, measure: memory_bytes, warning: "> 1GiB" }
  - { name: r8, select: { probes: [a] }, measure: cache_hit_ratio, warning: "< 50%" }
  - { name: r9, select: { loads: [smoke] }, measure: regression, critical: "> 0" }
  - { name: r10, select: { targets: [api.v1] }, measure: cache_hit_ratio, warning: "< 75%", minSamples: 500 }
  - { name: r11, select: { targets: [api.v1] }, measure: memory_slope, warning: "> 1MiB/min" }
  - { name: r12, select: { targets: [api.v1] }, measure: memory_ratio, warning: "> 90%", minSamples: 3 }
`, 'all.yaml', {});
  const g = generatePrometheusRules(config.alerts);
  assert.deepEqual(g.skipped, [
    'r2: error_rate of targets counts every probe run of the target; perfwarden_probe_runs_total has no target label (select probes)',
    'r8: cache_hit_ratio of probes comes from response headers, exported per target only (select targets)',
    'r12: minSamples 3 counts samples Prometheus does not see for memory_ratio of targets',
  ]);
  const expr = (name: string) => g.groups[0]?.rules.find((r) => r.alert === name)?.expr ?? '';
  assert.match(expr('r7'), /target="api.v1"/);
  assert.match(expr('r1'), /and on \(probe\) \(sum by \(probe\) \(increase\(perfwarden_probe_runs_total\{probe=~"a\|b"\}\[5m\]\)\) >= 20\)/);
  assert.match(expr('r5'), /^\(histogram_quantile\(0\.99, sum by \(run, le\) \(rate\(perfwarden_load_request_duration_seconds_bucket\{run="smoke"\}\[5m\]\)\)\)\) > 0\.2$/);
  assert.equal(expr('r9'), '(max by (run) (perfwarden_load_regression{run="smoke"})) > 0');
  assert.equal(expr('r10'), '((sum by (target) (increase(perfwarden_cache_hits_total{target="api.v1"}[5m])) / sum by (target) (increase(perfwarden_cache_lookups_total{target="api.v1"}[5m]))) and on (target) (sum by (target) (increase(perfwarden_cache_lookups_total{target="api.v1"}[5m])) >= 500)) < 0.75');
  assert.match(expr('r11'), /perfwarden_target_memory_leak_confidence\{target="api.v1"\}\) >= bool 0\.99\)\) > /);
  const text = renderPrometheusRules(g, 'all.yaml');
  assert.match(text, /^# skipped: r2: error_rate of targets/m);
  const dir = mkdtempSync(join(tmpdir(), 'pw-rules-'));
  try {
    const file = join(dir, 'r.yml');
    writeFileSync(file, text);
    const check = await run('promtool', ['check', 'rules', file]);
    assert.match(check.stdout, /SUCCESS: 9 rules found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
