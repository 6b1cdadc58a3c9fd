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
import { generatePrometheusRules, promDuration } from '../../src/alerts/prometheus-rules.js';

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
  assert.deepEqual(new Set(rules.map((r) => r.alert)), new Set(['api-latency', 'api-errors', 'cache-hit-rate', 'memory-usage', 'cpu-usage', 'memory-leak']));
  assert.ok(rules.every((r) => r.labels.severity === 'warning' || r.labels.severity === 'critical'));
  assert.equal(rules.find((r) => r.alert === 'cpu-usage')?.keep_firing_for, '2m');
});

test('promtool accepts the shipped rules and its unit tests pass', { timeout: 60_000 }, async () => {
  const check = await run('promtool', ['check', 'rules', join(ROOT, 'alerts/perfwarden.rules.yml')]);
  assert.match(check.stdout, /SUCCESS: 12 rules found/);
  const unit = await run('promtool', ['test', 'rules', 'perfwarden.rules.test.yml'], { cwd: join(ROOT, 'alerts') });
  assert.match(unit.stdout + unit.stderr, /SUCCESS/);
});

test('promtool rejects nothing we generate for every measure and selection, and unmappable ones are reported', async () => {
  const config = loadConfigText(`
targets: [{ name: api.v1, url: "http://127.0.0.1:1" }]
probes: [{ name: a, target: api.v1, every: 5s, http: { path: /a } }, { name: b, target: api.v1, every: 5s, http: { path: /b } }]
alerts:
  - { name: r1, select: { probes: [a, b] }, measure: latency.p99.9, warning: "> 1s" }
  - { name: r2, select: { targets: [api.v1] }, measure: error_rate, critical: "> 1%" }
  - { name: r3, select: { probes: [a] }, measure: probe_success, warning: "< 99%", clear: "> 99.5%", keepFiringFor: 1m }
  - { name: r4, select: { probes: [a] }, measure: check_rate, warning: "< 1" }
  - { name: r5, select: { loads: [smoke] }, measure: latency.p95, warning: "> 200ms" }
  - { name: r6, select: { loads: [smoke] }, measure: error_rate, warning: "> 0.1%" }
  - { name: r7, select: { targets: [api.v1] }, measure: memory_bytes, warning: "> 1GiB" }
  - { name: r8, select: { probes: [a] }, measure: cache_hit_ratio, warning: "< 50%" }
`, 'all.yaml', {});
  const g = generatePrometheusRules(config.alerts);
  assert.deepEqual(g.skipped, ['r8: cache_hit_ratio is exported per target (select targets)']);
  assert.match(g.groups[0]?.rules[1]?.expr ?? '', /target="api.v1"/);
  const dir = mkdtempSync(join(tmpdir(), 'pw-rules-'));
  try {
    const file = join(dir, 'r.yml');
    const { stringify } = await import('yaml');
    writeFileSync(file, stringify({ groups: g.groups }));
    const check = await run('promtool', ['check', 'rules', file]);
    assert.match(check.stdout, /SUCCESS: 7 rules found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
