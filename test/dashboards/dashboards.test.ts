/**
 * The dashboards as Grafana will read them: committed JSON equals what the builder generates,
 * uids unique, the declared schema version, every panel with a datasource (the `${DS_PROMETHEUS}`
 * variable) and at least one query, variables declared before use, units and alert thresholds set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load-config.js';
import { buildDashboards, levelsFromAlerts, renderDashboard } from '../../src/dashboards/dashboards.js';
import { runCli } from '../../src/cli/program.js';
import { captureIo } from '../helpers/capture-io.js';
import type { Dashboard, Panel } from '../../src/dashboards/grafana-model.js';
import { SCHEMA_VERSION } from '../../src/dashboards/grafana-model.js';

const DIR = new URL('../../dashboards/', import.meta.url).pathname;
const defaultConfig = loadConfigFile(new URL('../../config/default.yaml', import.meta.url).pathname, {});
const built = buildDashboards(levelsFromAlerts(defaultConfig.alerts));
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const committed: Record<string, Dashboard> = Object.fromEntries(files.map((f) => [f, JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Dashboard]));
const panelsOf = (d: Dashboard): Panel[] => d.panels.filter((p) => p.type !== 'row');

test('dashboards/*.json is exactly what the builder generates for config/default.yaml (perfwarden dashboards --out dashboards)', () => {
  assert.deepEqual(files, Object.keys(built).sort());
  for (const [file, d] of Object.entries(built)) {
    assert.equal(readFileSync(join(DIR, file), 'utf8'), renderDashboard(d), `${file} is stale`);
  }
});

test('the four dashboards with unique uids and the schema version they declare', () => {
  const titles = Object.values(committed).map((d) => d.title).sort();
  assert.deepEqual(titles, ['perfwarden / Alerts and notifications', 'perfwarden / Load run', 'perfwarden / Overview', 'perfwarden / Probe detail']);
  const uids = Object.values(committed).map((d) => d.uid);
  assert.equal(new Set(uids).size, uids.length);
  for (const [file, d] of Object.entries(committed)) {
    assert.equal(d.schemaVersion, SCHEMA_VERSION, file);
    assert.match(d.uid, /^[a-zA-Z0-9_-]{1,40}$/, `${file}: Grafana uids are at most 40 characters`);
  }
});

test('every panel has a datasource and a query; ids unique; no overlapping grid positions', () => {
  for (const [file, d] of Object.entries(committed)) {
    const ids = d.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `${file}: panel ids unique`);
    const cells = new Set<string>();
    for (const p of d.panels) {
      assert.ok(p.gridPos.x >= 0 && p.gridPos.x + p.gridPos.w <= 24, `${file} "${p.title}" fits the grid`);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          assert.ok(!cells.has(`${x},${y}`), `${file} "${p.title}" overlaps another panel`);
          cells.add(`${x},${y}`);
        }
      }
    }
    for (const p of panelsOf(d)) {
      assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${DS_PROMETHEUS}' }, `${file} "${p.title}" datasource`);
      assert.ok((p.targets ?? []).length >= 1, `${file} "${p.title}" has a query`);
      for (const t of p.targets ?? []) {
        assert.deepEqual(t.datasource, p.datasource);
        assert.ok(t.expr.trim().length > 0);
        assert.match(t.refId, /^[A-Z]$/);
      }
      assert.ok(p.fieldConfig?.defaults.unit, `${file} "${p.title}" has a unit`);
    }
  }
});

/** Variables Grafana itself provides. */
const GRAFANA_BUILTINS = new Set(['__rate_interval', '__interval', '__range']);

/** A query without the `$job`/`$instance` scope every query gets. */
const unscoped = (expr: string) => expr.replaceAll('{job=~"$job",instance=~"$instance"}', '').replaceAll('job=~"$job",instance=~"$instance",', '');

test('template variables: DS_PROMETHEUS, job and instance (multi, All) everywhere, $probe and $run declared where used', () => {
  for (const [file, d] of Object.entries(committed)) {
    const declared = new Set(d.templating.list.map((v) => v.name));
    assert.ok(declared.has('DS_PROMETHEUS'), file);
    assert.equal(d.templating.list.find((v) => v.name === 'DS_PROMETHEUS')?.type, 'datasource');
    for (const name of ['job', 'instance']) assert.equal(d.templating.list.find((v) => v.name === name)?.includeAll, true, `${file} $${name}`);
    for (const p of panelsOf(d)) {
      for (const t of p.targets ?? []) {
        for (const [, name] of t.expr.matchAll(/\$\{?(\w+)\}?/g)) assert.ok(declared.has(name!) || GRAFANA_BUILTINS.has(name!), `${file} "${p.title}" uses undeclared $${name}`);
        assert.match(t.expr, /job=~"\$job",instance=~"\$instance"/, `${file} "${p.title}": scoped to $job and $instance`);
      }
    }
  }
  assert.ok(committed['probe-detail.json']?.templating.list.some((v) => v.name === 'probe'));
  assert.ok(committed['load-run.json']?.templating.list.some((v) => v.name === 'run'));
});

test('units and thresholds: latency in seconds at 400/600 ms, error rates at 0.5 %/2 %, cache below 75 %/60 %', () => {
  const all = Object.values(committed).flatMap(panelsOf);
  const latency = all.filter((p) => (p.targets ?? []).some((t) => /histogram_quantile\(0\.95, .*(probe_duration|load_request_duration)/.test(t.expr)));
  assert.ok(latency.length >= 3);
  for (const p of latency) {
    assert.equal(p.fieldConfig?.defaults.unit, 's', p.title);
    const steps = p.fieldConfig?.defaults.thresholds.steps.map((s) => s.value);
    assert.deepEqual(steps, [null, 0.4, 0.6], p.title);
  }
  const errors = all.filter((p) => /error rate/i.test(p.title));
  assert.ok(errors.length >= 3);
  for (const p of errors) {
    assert.equal(p.fieldConfig?.defaults.unit, 'percentunit', p.title);
    assert.deepEqual(p.fieldConfig?.defaults.thresholds.steps.map((s) => s.value), [null, 0.005, 0.02], p.title);
  }
  const cache = all.find((p) => p.title === 'Cache hit ratio');
  assert.deepEqual(cache?.fieldConfig?.defaults.thresholds.steps, [{ color: 'red', value: null }, { color: 'orange', value: 0.6 }, { color: 'green', value: 0.75 }]);
  const memory = all.find((p) => p.title === 'Target memory');
  assert.equal(memory?.fieldConfig?.defaults.unit, 'bytes');
  // Probe latency queries ask Grafana for exemplars (the jump to the trace); load histograms carry
  // none (a load run's trace is found by its run id), so their panels do not ask.
  for (const p of latency.filter((x) => x.type === 'timeseries')) {
    const load = p.targets?.some((t) => t.expr.includes('load_request_duration')) === true;
    assert.equal(p.targets?.some((t) => t.exemplar), !load, p.title);
  }
});

test('no panel has two threshold steps at one value (orange and red at the same level)', () => {
  for (const d of Object.values(committed)) {
    for (const p of panelsOf(d)) {
      const values = p.fieldConfig?.defaults.thresholds.steps.map((s) => s.value) ?? [];
      assert.equal(new Set(values).size, values.length, `${d.title} "${p.title}": ${JSON.stringify(p.fieldConfig?.defaults.thresholds.steps)}`);
    }
  }
});

test('perfwarden dashboards --config draws the threshold lines at that config\'s alert levels', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-dash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'strict.yaml');
  writeFileSync(file, `targets: [{ name: api, url: "http://127.0.0.1:8000" }]
probes: [{ name: status, target: api, every: 15s, http: { path: /status } }]
alerts:
  - { name: fast, select: { probes: [status] }, measure: latency.p95, warning: "> 150ms", critical: "> 250ms" }
  - { name: errors, select: { probes: [status] }, measure: error_rate, critical: "> 1%" }
`);
  const io = captureIo();
  await runCli(['dashboards', '--config', file, '--out', join(dir, 'out')], io);
  assert.equal(io.code, 0, io.stderr);
  assert.match(io.stdout, /wrote 4 dashboards .* \(threshold lines: latencyP95Seconds, errorRatio\)/);
  const overview = JSON.parse(readFileSync(join(dir, 'out', 'overview.json'), 'utf8')) as Dashboard;
  const steps = (title: string) => panelsOf(overview).find((p) => p.title === title)?.fieldConfig?.defaults.thresholds.steps.map((s) => s.value);
  assert.deepEqual(steps('p95 latency by probe'), [null, 0.15, 0.25]);
  assert.deepEqual(steps('Error rate by probe'), [null, 0.01], 'critical only: one red line');
  assert.deepEqual(steps('Target CPU'), [null], 'no cpu_ratio alert: no line');
});

test('targets: CPU panel and memory-slope thresholds at the cpu-usage and memory-leak alert levels', () => {
  const all = panelsOf(committed['overview.json']!);
  const cpu = all.find((p) => (p.targets ?? []).some((t) => unscoped(t.expr) === 'perfwarden_target_cpu_ratio'));
  assert.ok(cpu, 'a panel shows perfwarden_target_cpu_ratio');
  assert.equal(cpu.fieldConfig?.defaults.unit, 'percentunit');
  assert.deepEqual(cpu.fieldConfig?.defaults.thresholds.steps.map((s) => s.value), [null, 0.8, 0.95]);
  const slope = all.find((p) => (p.targets ?? []).some((t) => unscoped(t.expr) === 'perfwarden_target_memory_slope_bytes_per_second'));
  assert.equal(slope?.fieldConfig?.defaults.unit, 'Bps');
  assert.deepEqual(slope?.fieldConfig?.defaults.thresholds.steps.map((s) => s.value), [null, (256 * 1024) / 60, (2 * 1024 * 1024) / 60]);
});

test('every query names only metrics of the PRODUCT.md contract, the daemon or the Node process', () => {
  const known = /^(perfwarden_(probe_(duration_seconds|phase_duration_seconds|success|runs_total|skipped_total|start_delay_seconds)|ws_(connect_duration_seconds|message_rtt_seconds)|load_(request_duration_seconds|requests_total|active_vus|dropped_iterations_total|generator_lag_seconds|regression)|target_memory_bytes|target_memory_slope_bytes_per_second|target_cpu_ratio|cache_hit_ratio|alert_state|notifications_total)|nodejs_(eventloop_lag_p99_seconds|heap_size_used_bytes))(_bucket|_sum|_count)?$/;
  for (const d of Object.values(committed)) {
    for (const p of panelsOf(d)) {
      for (const t of p.targets ?? []) {
        for (const m of t.expr.match(/\b(?:perfwarden|nodejs)_[a-z0-9_]+/g) ?? []) assert.match(m, known, `${d.title} "${p.title}"`);
      }
    }
  }
});

test('$probe and $run are multi-select with All, and every query matches them with =~', () => {
  for (const [file, name] of [['probe-detail.json', 'probe'], ['load-run.json', 'run']] as const) {
    const v = committed[file]!.templating.list.find((x) => x.name === name);
    assert.equal(v?.multi, true, `${file} $${name} multi`);
    assert.equal(v?.includeAll, true, `${file} $${name} All`);
    assert.equal(v?.allValue, '.*');
    for (const p of panelsOf(committed[file]!)) {
      for (const t of p.targets ?? []) {
        assert.doesNotMatch(t.expr, new RegExp(`${name}="\\$${name}"`), `${file} "${p.title}": = would not match several values`);
        // Several probes or runs stay apart: the legend names which one a series is.
        if (t.expr.includes(`$${name}`) && p.title !== 'Phases (mean, stacked)') assert.match(t.legendFormat, new RegExp(`\\{\\{${name}\\}\\}`), `${file} "${p.title}" legend`);
      }
    }
  }
});

test('links: Overview probe panels open Probe detail for the probe, Probe detail lists runs that open Load run', () => {
  const uid = (file: string) => committed[file]!.uid;
  const overviewLinks = panelsOf(committed['overview.json']!).flatMap((p) => p.fieldConfig?.defaults.links ?? []);
  assert.ok(overviewLinks.length >= 3);
  for (const l of overviewLinks) assert.match(l.url, new RegExp(`^/d/${uid('probe-detail.json')}/.*var-probe=\\$\\{__field\\.labels\\.probe\\}`));
  const runLinks = panelsOf(committed['probe-detail.json']!).flatMap((p) => (p.fieldConfig?.defaults.links ?? []).map((l) => ({ l, p })));
  assert.equal(runLinks.length, 1);
  assert.match(runLinks[0]!.l.url, new RegExp(`^/d/${uid('load-run.json')}/.*var-run=\\$\\{__field\\.labels\\.run\\}`));
  assert.match(runLinks[0]!.p.targets?.[0]?.expr ?? '', /by \(run\)/, 'the linked panel has a run label to link with');
});
