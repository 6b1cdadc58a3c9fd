/**
 * perfwarden's Grafana dashboards as data: Overview, Probe detail, Load run, Alerts and
 * notifications. `dashboards/*.json` is generated from here (`npx tsx src/dashboards/write-dashboards.ts`)
 * and a test keeps the two equal, so the JSON is never edited by hand.
 *
 * Every query uses the metric names of PRODUCT.md; latencies are `histogram_quantile` over the
 * real histograms. Thresholds are the alert levels of `config/default.yaml` (seed 002): p95 warning
 * 400 ms / critical 600 ms, error rate 0.5 % / 2 %, cache hit ratio below 75 % / 60 %, target CPU
 * 80 % / 95 %, memory slope 256 KiB/min / 2 MiB/min (a test keeps them equal to that file).
 *
 * Alert counts count *alerts*, not (alert, severity) series: a firing critical also reports its
 * warning as firing, so `sum(perfwarden_alert_state == bool 2)` would count it twice. Counts take
 * each alert's worst state (`max by (alert)`), and "by severity" splits by the highest severity.
 */
import { DATASOURCE, SCHEMA_VERSION } from './grafana-model.js';
import type { Dashboard, TemplateVariable, ValueMapping } from './grafana-model.js';
import { datasourceVariable, labelVariable, layout, stat, stateTimeline, timeseries } from './panels.js';
import type { Levels, Section } from './panels.js';

/** Alert levels of `config/default.yaml` shown as thresholds, in base units (s, ratio, bytes/s). */
export const DEFAULT_LEVELS = {
  latencyP95Seconds: { warning: 0.4, critical: 0.6 },
  errorRatio: { warning: 0.005, critical: 0.02 },
  cacheHitRatio: { warning: 0.75, critical: 0.6, direction: 'below' },
  cpuRatio: { warning: 0.8, critical: 0.95 },
  memorySlopeBytesPerSecond: { warning: (256 * 1024) / 60, critical: (2 * 1024 * 1024) / 60 },
} as const satisfies Record<string, Levels>;

/** Which `config/default.yaml` alert each level mirrors (checked by test/dashboards). */
export const LEVEL_SOURCES: Readonly<Record<keyof typeof DEFAULT_LEVELS, string>> = {
  latencyP95Seconds: 'api-latency',
  errorRatio: 'api-errors',
  cacheHitRatio: 'cache-hit-rate',
  cpuRatio: 'cpu-usage',
  memorySlopeBytesPerSecond: 'memory-leak',
};

/** Anything at all is worth a red: one step, no orange at the same value. */
const ANY: Levels = { critical: 1 };

/** Alerts whose worst state (over severities) is `state`: 2 firing, 1 pending. */
function alertsIn(state: 1 | 2): string {
  return `count(max by (alert) (perfwarden_alert_state) == ${state}) or vector(0)`;
}

/** Firing alerts by their highest firing severity (a critical is not counted again as a warning). */
const FIRING_BY_SEVERITY = [
  { expr: 'count(perfwarden_alert_state{severity="critical"} == 2) or vector(0)', legend: 'critical' },
  { expr: 'count((perfwarden_alert_state{severity="warning"} == 2) unless on (alert) (perfwarden_alert_state{severity="critical"} == 2)) or vector(0)', legend: 'warning' },
];

/** The rate window of the panels. */
const W = '5m';
const LOAD_W = '1m';

const ALERT_STATE_MAPPINGS: ValueMapping[] = [{
  type: 'value',
  options: {
    0: { text: 'inactive', color: 'green', index: 0 },
    1: { text: 'pending', color: 'orange', index: 1 },
    2: { text: 'firing', color: 'red', index: 2 },
  },
}];

const SUCCESS_MAPPINGS: ValueMapping[] = [{
  type: 'value',
  options: { 0: { text: 'failing', color: 'red', index: 0 }, 1: { text: 'ok', color: 'green', index: 1 } },
}];

function quantile(q: number, metric: string, selector: string, by: string): string {
  const group = by === '' ? 'le' : `${by}, le`;
  return `histogram_quantile(${q}, sum by (${group}) (rate(${metric}_bucket${selector}[${W}])))`;
}

function errorRatio(by: string, selector = ''): string {
  const inner = selector === '' ? '' : `${selector}, `;
  return `sum by (${by}) (rate(perfwarden_probe_runs_total{${inner}outcome="failure"}[${W}])) / sum by (${by}) (rate(perfwarden_probe_runs_total${selector === '' ? '' : `{${selector}}`}[${W}]))`;
}

/**
 * A mark at each latency change the detector confirmed: the gauge's value is the moment of the
 * change (Unix seconds), so the annotation sits where the level moved, not where it was noticed.
 */
const LATENCY_CHANGES = {
  name: 'Latency changes', datasource: { ...DATASOURCE }, enable: true, hide: false, iconColor: 'rgba(255, 152, 48, 1)',
  expr: 'max by (probe) (perfwarden_probe_change_time_seconds) * 1000', step: '1m', useValueForTime: true,
  titleFormat: 'latency change', textFormat: '{{probe}}', tagKeys: 'probe',
};

function dashboard(uid: string, title: string, description: string, variables: TemplateVariable[], sections: Section[]): Dashboard {
  return {
    uid,
    title,
    description,
    tags: ['perfwarden'],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    time: { from: 'now-1h', to: 'now' },
    templating: { list: [datasourceVariable(), ...variables] },
    annotations: {
      list: [{
        builtIn: 1, datasource: { type: 'grafana', uid: '-- Grafana --' }, enable: true, hide: true,
        iconColor: 'rgba(0, 211, 255, 1)', name: 'Annotations & Alerts', type: 'dashboard',
      }, LATENCY_CHANGES],
    },
    links: [{ type: 'dashboards', tags: ['perfwarden'], asDropdown: true, title: 'perfwarden', includeVars: false, keepTime: true }],
    panels: layout(sections),
  };
}

function overview(): Dashboard {
  return dashboard('perfwarden-overview', 'perfwarden / Overview', 'Every probe and target at a glance: success, latency, errors, alerts, memory and cache.', [], [
    {
      title: 'Probes',
      panels: [
        stat({ title: 'Probe success (last run)', queries: [{ expr: 'perfwarden_probe_success', legend: '{{probe}}' }], unit: 'none', min: 0, max: 1, mappings: SUCCESS_MAPPINGS, levels: { warning: 1, critical: 0.5, direction: 'below' }, width: 24, height: 5 }),
        timeseries({ title: 'p95 latency by probe', queries: [{ expr: quantile(0.95, 'perfwarden_probe_duration_seconds', '', 'probe'), legend: '{{probe}}', exemplar: true }], unit: 's', min: 0, levels: DEFAULT_LEVELS.latencyP95Seconds }),
        timeseries({ title: 'Error rate by probe', description: 'Failed runs / all runs over 5 m.', queries: [{ expr: errorRatio('probe'), legend: '{{probe}}' }], unit: 'percentunit', min: 0, levels: DEFAULT_LEVELS.errorRatio }),
      ],
    },
    {
      title: 'Alerts',
      panels: [
        stat({ title: 'Alerts firing', description: 'Alerts (not severities) firing now.', queries: [{ expr: alertsIn(2), legend: 'firing' }], unit: 'none', min: 0, levels: ANY, width: 8, height: 5 }),
        stat({ title: 'Alerts pending', description: 'Alerts whose worst state is pending (their condition holds, `for` not yet elapsed).', queries: [{ expr: alertsIn(1), legend: 'pending' }], unit: 'none', min: 0, levels: { warning: 1, critical: 100 }, width: 8, height: 5 }),
        stat({ title: 'Probe runs skipped (behind schedule, 1 h)', queries: [{ expr: 'sum(increase(perfwarden_probe_skipped_total[1h]))', legend: 'skipped' }], unit: 'short', min: 0, levels: { warning: 1, critical: 10 }, width: 8, height: 5 }),
      ],
    },
    {
      title: 'Targets',
      panels: [
        timeseries({ title: 'Target memory', queries: [{ expr: 'perfwarden_target_memory_bytes', legend: '{{target}}' }], unit: 'bytes', min: 0, width: 6 }),
        timeseries({ title: 'Target memory slope (leak trend)', description: 'Robust (Theil–Sen) slope of target memory; sustained positive values suggest a leak. Lines: the memory-leak alert (256 KiB/min warning, 2 MiB/min critical).', queries: [{ expr: 'perfwarden_target_memory_slope_bytes_per_second', legend: '{{target}}' }], unit: 'Bps', levels: DEFAULT_LEVELS.memorySlopeBytesPerSecond, width: 6 }),
        timeseries({ title: 'Target CPU', description: 'CPU of the target, core-seconds per second (1 = one core busy). Lines: the cpu-usage alert.', queries: [{ expr: 'perfwarden_target_cpu_ratio', legend: '{{target}}' }], unit: 'percentunit', min: 0, levels: DEFAULT_LEVELS.cpuRatio, width: 6 }),
        timeseries({ title: 'Cache hit ratio', queries: [{ expr: 'perfwarden_cache_hit_ratio', legend: '{{target}}' }], unit: 'percentunit', min: 0, max: 1, levels: DEFAULT_LEVELS.cacheHitRatio, width: 6 }),
      ],
    },
    {
      title: 'WebSocket probes',
      panels: [
        timeseries({ title: 'WebSocket handshake p95', queries: [{ expr: quantile(0.95, 'perfwarden_ws_connect_duration_seconds', '', 'probe'), legend: '{{probe}}', exemplar: true }], unit: 's', min: 0, levels: DEFAULT_LEVELS.latencyP95Seconds }),
        timeseries({ title: 'WebSocket message round trip p95', queries: [{ expr: quantile(0.95, 'perfwarden_ws_message_rtt_seconds', '', 'probe'), legend: '{{probe}}', exemplar: true }], unit: 's', min: 0, levels: DEFAULT_LEVELS.latencyP95Seconds }),
      ],
    },
    {
      title: 'perfwarden itself',
      panels: [
        timeseries({ title: 'Event-loop lag p99', queries: [{ expr: 'nodejs_eventloop_lag_p99_seconds', legend: '{{instance}}' }], unit: 's', min: 0, width: 8 }),
        timeseries({ title: 'Heap used', queries: [{ expr: 'nodejs_heap_size_used_bytes', legend: '{{instance}}' }], unit: 'bytes', min: 0, width: 8 }),
        timeseries({ title: 'Probe start delay p95', queries: [{ expr: 'histogram_quantile(0.95, sum by (le) (rate(perfwarden_probe_start_delay_seconds_bucket[5m])))', legend: 'p95' }], unit: 's', min: 0, width: 8 }),
      ],
    },
  ]);
}

function probeDetail(): Dashboard {
  const sel = '{probe="$probe"}';
  return dashboard('perfwarden-probe', 'perfwarden / Probe detail', 'One probe: phases, percentiles, failures by reason.', [
    labelVariable('probe', 'probe', 'perfwarden_probe_runs_total', 'Probe'),
  ], [
    {
      title: 'Probe $probe',
      panels: [
        stat({ title: 'Last run', queries: [{ expr: `perfwarden_probe_success${sel}`, legend: '{{target}}' }], unit: 'none', min: 0, max: 1, mappings: SUCCESS_MAPPINGS, levels: { warning: 1, critical: 0.5, direction: 'below' }, width: 8, height: 5 }),
        stat({ title: 'Error rate (5 m)', queries: [{ expr: errorRatio('probe', 'probe="$probe"'), legend: 'errors' }], unit: 'percentunit', min: 0, levels: DEFAULT_LEVELS.errorRatio, width: 8, height: 5 }),
        stat({ title: 'p95 (5 m)', queries: [{ expr: quantile(0.95, 'perfwarden_probe_duration_seconds', sel, ''), legend: 'p95' }], unit: 's', levels: DEFAULT_LEVELS.latencyP95Seconds, width: 8, height: 5 }),
        timeseries({ title: 'Latency percentiles', queries: [0.5, 0.95, 0.99].map((q) => ({ expr: quantile(q, 'perfwarden_probe_duration_seconds', sel, ''), legend: `p${Math.round(q * 100)}`, exemplar: true })), unit: 's', min: 0, levels: DEFAULT_LEVELS.latencyP95Seconds, width: 24 }),
        timeseries({ title: 'Phases (mean, stacked)', description: 'Mean time per phase: dns, connect, tls, ttfb, transfer.', queries: [{ expr: `sum by (phase) (rate(perfwarden_probe_phase_duration_seconds_sum${sel}[${W}])) / sum by (phase) (rate(perfwarden_probe_phase_duration_seconds_count${sel}[${W}]))`, legend: '{{phase}}' }], unit: 's', min: 0, stacked: true }),
        timeseries({ title: 'Failures by reason', queries: [{ expr: `sum by (reason) (increase(perfwarden_probe_runs_total{probe="$probe", outcome="failure"}[${W}]))`, legend: '{{reason}}' }], unit: 'short', min: 0, stacked: true }),
      ],
    },
  ]);
}

function loadRun(): Dashboard {
  const sel = '{run="$run"}';
  const requests = `perfwarden_load_requests_total${sel}`;
  return dashboard('perfwarden-load', 'perfwarden / Load run', 'One load run: throughput, latency percentiles, errors by class, VUs, dropped iterations, generator lag.', [
    labelVariable('run', 'run', 'perfwarden_load_requests_total', 'Run'),
  ], [
    {
      title: 'Load run $run',
      panels: [
        timeseries({ title: 'Requests per second', queries: [{ expr: `sum by (endpoint) (rate(${requests}[${LOAD_W}]))`, legend: '{{endpoint}}' }, { expr: `sum(rate(${requests}[${LOAD_W}]))`, legend: 'total' }], unit: 'reqps', min: 0 }),
        timeseries({ title: 'Latency percentiles', queries: [0.5, 0.95, 0.99].map((q) => ({ expr: `histogram_quantile(${q}, sum by (le) (rate(perfwarden_load_request_duration_seconds_bucket${sel}[${LOAD_W}])))`, legend: `p${Math.round(q * 100)}` })), unit: 's', min: 0, levels: DEFAULT_LEVELS.latencyP95Seconds }),
        timeseries({ title: 'Errors by class', description: 'Everything that is not 2xx/3xx: 4xx, 5xx, timeout, reset …', queries: [{ expr: `sum by (status_class) (rate(perfwarden_load_requests_total{run="$run", status_class!~"2xx|3xx"}[${LOAD_W}]))`, legend: '{{status_class}}' }], unit: 'reqps', min: 0, stacked: true }),
        timeseries({ title: 'Error rate', queries: [{ expr: `(sum(rate(perfwarden_load_requests_total{run="$run", status_class!~"2xx|3xx"}[${LOAD_W}])) or vector(0)) / sum(rate(${requests}[${LOAD_W}]))`, legend: 'error rate' }], unit: 'percentunit', min: 0, levels: DEFAULT_LEVELS.errorRatio }),
        timeseries({ title: 'Active virtual users', queries: [{ expr: `perfwarden_load_active_vus${sel}`, legend: 'VUs' }], unit: 'short', min: 0, width: 8 }),
        timeseries({ title: 'Dropped iterations', description: 'Open model: iterations that could not start (in-flight cap reached). Non-zero means the generator, not the target, limited the rate.', queries: [{ expr: `sum(increase(perfwarden_load_dropped_iterations_total${sel}[${LOAD_W}]))`, legend: 'dropped' }], unit: 'short', min: 0, levels: { warning: 1, critical: 100 }, width: 8 }),
        timeseries({ title: 'Generator lag', description: 'How far behind its intended schedule the load generator is.', queries: [{ expr: `perfwarden_load_generator_lag_seconds${sel}`, legend: 'lag' }], unit: 's', min: 0, levels: { warning: 0.05, critical: 0.25 }, width: 8 }),
        stat({ title: 'Regression vs baseline', queries: [{ expr: `perfwarden_load_regression${sel}`, legend: 'regressed' }], unit: 'none', mappings: [{ type: 'value', options: { 0: { text: 'no regression', color: 'green', index: 0 }, 1: { text: 'REGRESSED', color: 'red', index: 1 } } }], levels: ANY, width: 24, height: 4 }),
      ],
    },
  ]);
}

function alerts(): Dashboard {
  return dashboard('perfwarden-alerts', 'perfwarden / Alerts and notifications', 'Alert states over time and what was sent where.', [], [
    {
      title: 'Alerts',
      panels: [
        stateTimeline({ title: 'Alert states', queries: [{ expr: 'perfwarden_alert_state', legend: '{{alert}} ({{severity}})' }], unit: 'none', mappings: ALERT_STATE_MAPPINGS, levels: { warning: 1, critical: 2 }, width: 24, height: 10 }),
        timeseries({ title: 'Firing by severity', description: 'Firing alerts by their highest firing severity; the stack is the number of alerts firing.', queries: FIRING_BY_SEVERITY, unit: 'short', min: 0, stacked: true }),
        timeseries({ title: 'Pending', description: 'Alerts whose worst state is pending.', queries: [{ expr: alertsIn(1), legend: 'pending' }], unit: 'short', min: 0 }),
      ],
    },
    {
      title: 'Notifications',
      panels: [
        timeseries({ title: 'Notifications by channel and outcome', queries: [{ expr: `sum by (channel, outcome) (increase(perfwarden_notifications_total[${W}]))`, legend: '{{channel}} {{outcome}}' }], unit: 'short', min: 0, stacked: true }),
        stat({ title: 'Notifications (1 h) by outcome', queries: [{ expr: 'sum by (outcome) (increase(perfwarden_notifications_total[1h]))', legend: '{{outcome}}' }], unit: 'short', min: 0 }),
      ],
    },
  ]);
}

/** Every dashboard by its file name under `dashboards/`. */
export function buildDashboards(): Record<string, Dashboard> {
  return {
    'overview.json': overview(),
    'probe-detail.json': probeDetail(),
    'load-run.json': loadRun(),
    'alerts.json': alerts(),
  };
}

/** The JSON text of a dashboard file (stable formatting, trailing newline). */
export function renderDashboard(d: Dashboard): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}
