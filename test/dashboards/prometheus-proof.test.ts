/**
 * Proof with a real Prometheus: the daemon runs its demo target with probes every second, a real
 * Prometheus scrapes it every second, and every panel query of every dashboard (template
 * variables substituted the way Grafana would, from label values) must return at least one series
 * with a number in it. No panel may skip: a metric family a short test cannot produce would have
 * to be listed in MAY_BE_ABSENT with the reason, and the test prints it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Daemon } from '../../src/daemon/create-daemon.js';
import { buildDashboards, levelsFromAlerts } from '../../src/dashboards/dashboards.js';
import { loadConfigFile } from '../../src/config/load-config.js';
import type { Panel } from '../../src/dashboards/grafana-model.js';
import { PROMETHEUS_BIN, startPrometheus } from './prometheus-process.js';
import type { PrometheusProcess } from './prometheus-process.js';
import { startLoadSource, startProofDaemon } from './metrics-sources.js';
import type { LoadSource } from './metrics-sources.js';

/** Metric families that a short test cannot produce: panels over them may skip, and say why. */
const MAY_BE_ABSENT: Readonly<Record<string, string>> = {};

interface VectorSample { metric: Record<string, string>; value: [number, string] }

const skip = !existsSync(PROMETHEUS_BIN) ? `${PROMETHEUS_BIN} is not installed` : false;

let daemon: Daemon | undefined;
let load: LoadSource | undefined;
let prom: PrometheusProcess | undefined;

before(async () => {
  if (skip !== false) return;
  daemon = await startProofDaemon();
  load = await startLoadSource();
  prom = await startPrometheus([new URL(daemon.url).host, load.hostPort]);
  const p = prom;
  const value = async (q: string): Promise<number> => {
    const r = await p.api<{ result: VectorSample[] }>('query', { query: q });
    return Number(r.result[0]?.value[1] ?? NaN);
  };
  // Two targets up, and enough scrapes for rate() to see counters move on both.
  await p.waitUntil('both targets up', async () => (await value('count(up == 1)')) === 2);
  await p.waitUntil('probe, WebSocket and load rates', async () =>
    (await value('sum(rate(perfwarden_probe_runs_total[5m]))')) > 0
    && (await value('sum(rate(perfwarden_ws_message_rtt_seconds_count[5m]))')) > 0
    && (await value('sum(rate(perfwarden_probe_phase_duration_seconds_count[5m]))')) > 0
    && (await value('sum(rate(perfwarden_load_requests_total[1m]))')) > 0
    && (await value('count(perfwarden_target_memory_slope_bytes_per_second)')) > 0
    && (await value('count(perfwarden_cache_hit_ratio)')) > 0, 90_000);
});

after(async () => {
  await prom?.stop();
  await load?.stop();
  await daemon?.stop('test done');
});

function exprMetrics(expr: string): string[] {
  return [...new Set(expr.match(/\b(?:perfwarden|nodejs)_[a-z0-9_]+/g) ?? [])];
}

function family(series: string): string {
  return series.replace(/_(bucket|sum|count)$/, '');
}

test('every dashboard panel returns data from a real Prometheus', { skip, timeout: 180_000 }, async (t) => {
  assert.ok(prom);
  const names = new Set(await prom.api<string[]>('label/__name__/values'));
  const families = new Set([...names].map(family));
  const labelValues = async (label: string, metric: string): Promise<string[]> =>
    prom!.api<string[]>(`label/${label}/values`, { 'match[]': metric });
  const probes = await labelValues('probe', 'perfwarden_probe_runs_total');
  const runs = await labelValues('run', 'perfwarden_load_requests_total');
  assert.ok(probes.includes('status'), `probes seen: ${probes.join(',')}`);
  assert.ok(runs.includes('smoke'), `runs seen: ${runs.join(',')}`);
  // Variables as Grafana fills them: All for job and instance, a 1 m rate interval.
  const vars: Record<string, string> = { probe: 'status', run: 'smoke', job: '.*', instance: '.*', __rate_interval: '1m' };

  const skipped: string[] = [];
  let checked = 0;
  const levels = levelsFromAlerts(loadConfigFile(new URL('../../config/default.yaml', import.meta.url).pathname, {}).alerts);
  for (const [file, dashboard] of Object.entries(buildDashboards(levels))) {
    const panels = dashboard.panels.filter((p: Panel) => p.type !== 'row');
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        const expr = target.expr.replace(/\$\{?(\w+)\}?/g, (m, v: string) => vars[v] ?? m);
        assert.doesNotMatch(expr, /\$/, `${file} "${panel.title}": unsubstituted variable in ${expr}`);
        const missing = exprMetrics(expr).filter((m) => !names.has(m) && !families.has(m));
        if (missing.length > 0) {
          const notAllowed = missing.filter((m) => MAY_BE_ABSENT[family(m)] === undefined);
          assert.deepEqual(notAllowed, [], `${file} "${panel.title}": ${notAllowed.join(', ')} must be exposed`);
          skipped.push(`${file} "${panel.title}" [${target.refId}]: ${missing.map((m) => `${m} not exposed (${MAY_BE_ABSENT[family(m)]})`).join('; ')}`);
          continue;
        }
        const data: { resultType: string; result: VectorSample[] } = await prom.api<{ resultType: string; result: VectorSample[] }>('query', { query: expr });
        assert.equal(data.resultType, 'vector', `${file} "${panel.title}": ${expr}`);
        assert.ok(data.result.length >= 1, `${file} "${panel.title}" [${target.refId}] returned no series: ${expr}`);
        const finite = data.result.filter((s) => Number.isFinite(Number(s.value[1])));
        assert.ok(finite.length >= 1, `${file} "${panel.title}" [${target.refId}] returned only NaN/Inf: ${expr} → ${JSON.stringify(data.result)}`);
        checked += 1;
      }
    }
  }
  t.diagnostic(`${checked} panel queries returned data`);
  for (const s of skipped) t.diagnostic(`skipped ${s}`);
  assert.ok(checked >= 25, `only ${checked} queries checked`);
});

test('latency exemplars carry trace ids under OpenMetrics', { skip, timeout: 120_000 }, async () => {
  assert.ok(prom && load);
  // Prometheus asks for OpenMetrics first; the load source served it.
  assert.ok(load.formats.includes('openmetrics'), `formats served: ${[...new Set(load.formats)].join(',')}`);
  const p = prom;
  let found: { seriesLabels: Record<string, string>; exemplars: { labels: Record<string, string> }[] }[] = [];
  await p.waitUntil('a probe latency exemplar', async () => {
    const end = Date.now() / 1000;
    found = await p.api('query_exemplars', { query: 'perfwarden_probe_duration_seconds_bucket', start: String(end - 600), end: String(end) });
    return found.some((s) => s.exemplars.length > 0);
  }, 30_000);
  const traceIds = found.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id));
  assert.ok(traceIds.length > 0);
  for (const id of traceIds) assert.match(id ?? '', /^[0-9a-f]{32}$/);
});
