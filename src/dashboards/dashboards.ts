/**
 * perfwarden's Grafana dashboards as data: Overview, Probe detail, Load run, Alerts and
 * notifications. `dashboards/*.json` is generated from here for `config/default.yaml`
 * (`perfwarden dashboards --config config/default.yaml --out dashboards`) and a test keeps the
 * two equal, so the JSON is never edited by hand; `perfwarden dashboards --config yours.yaml`
 * draws the threshold lines at your alert levels.
 *
 * Every query uses the metric names of PRODUCT.md; latencies are `histogram_quantile` over the
 * real histograms. `$probe` and `$run` are multi-select with All (a regex match, `=~`), and the
 * queries keep the probe or run apart so several can be compared. Links: a probe's series on the
 * Overview opens Probe detail for it, a run on Probe detail opens Load run.
 *
 * Alert counts count *alerts*, not (alert, severity) series: a firing critical also reports its
 * warning as firing, so `sum(perfwarden_alert_state == bool 2)` would count it twice. Counts take
 * each alert's worst state (`max by (alert)`), and "by severity" splits by the highest severity.
 */
import { scopeToInstances } from './scope.js';
import type { AlertRuleConfig } from '../config/sections/alerts.js';
import { DATASOURCE, SCHEMA_VERSION } from './grafana-model.js';
import type { Dashboard, DataLink, TemplateVariable, ValueMapping } from './grafana-model.js';
import { datasourceVariable, labelVariable, layout, stat, stateTimeline, timeseries } from './panels.js';
import type { Levels, Section } from './panels.js';

/** The threshold lines the panels draw, in base units (s, ratio, bytes/s); absent: no line. */
export interface DashboardLevels {
  latencyP95Seconds?: Levels;
  errorRatio?: Levels;
  cacheHitRatio?: Levels;
  cpuRatio?: Levels;
  memorySlopeBytesPerSecond?: Levels;
}

/** Which alert measure each level comes from (the first alert with that measure wins). */
export const LEVEL_MEASURES: Readonly<Record<keyof DashboardLevels, string>> = {
  latencyP95Seconds: 'latency.p95',
  errorRatio: 'error_rate',
  cacheHitRatio: 'cache_hit_ratio',
  cpuRatio: 'cpu_ratio',
  memorySlopeBytesPerSecond: 'memory_slope',
};

/** The levels of the configured alerts: warning and critical of the first alert per measure. */
export function levelsFromAlerts(alerts: readonly AlertRuleConfig[]): DashboardLevels {
  const out: DashboardLevels = {};
  for (const [key, measure] of Object.entries(LEVEL_MEASURES) as [keyof DashboardLevels, string][]) {
    const alert = alerts.find((a) => a.measure === measure && (a.warning !== undefined || a.critical !== undefined));
    const line = alert?.critical ?? alert?.warning;
    if (alert === undefined || line === undefined) continue;
    out[key] = {
      ...(alert.warning === undefined ? {} : { warning: alert.warning.value }),
      critical: line.value,
      direction: line.op.startsWith('<') ? 'below' : 'above',
    };
  }
  return out;
}

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
/** Rate windows follow Grafana's `$__rate_interval` (at least four scrapes), not a fixed length. */
const W = '$__rate_interval';
const LOAD_W = '$__rate_interval';

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
  expr: scopeToInstances('max by (probe) (perfwarden_probe_change_time_seconds) * 1000'), step: '1m', useValueForTime: true,
  titleFormat: 'latency change', textFormat: '{{probe}}', tagKeys: 'probe',
};

/** Which perfwarden jobs and instances (replicas, shards, load pods) a dashboard shows: all by default. */
const JOB_VARIABLE = labelVariable('job', 'job', 'up', 'Job');
const INSTANCE_VARIABLE = labelVariable('instance', 'instance', 'up{job=~"$job"}', 'Instance');

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
    templating: { list: [datasourceVariable(), JOB_VARIABLE, INSTANCE_VARIABLE, ...variables] },
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

/** Opens Probe detail for the clicked probe (Overview → Probe detail). */
const PROBE_LINK: DataLink[] = [{ title: 'Probe detail for ${__field.labels.probe}', url: '/d/perfwarden-probe/perfwarden-probe-detail?var-probe=${__field.labels.probe}&${__url_time_range}' }];
/** Opens Load run for the clicked run (Probe detail → Load run). */
const RUN_LINK: DataLink[] = [{ title: 'Load run ${__field.labels.run}', url: '/d/perfwarden-load/perfwarden-load-run?var-run=${__field.labels.run}&${__url_time_range}' }];

function overview(L: DashboardLevels): Dashboard {
  return dashboard('perfwarden-overview', 'perfwarden / Overview', 'Every probe and target at a glance: success, latency, errors, alerts, memory and cache.', [], [
    {
      title: 'Probes',
      panels: [
        stat({ title: 'Probe success (last run; click a probe for its detail)', queries: [{ expr: 'perfwarden_probe_success', legend: '{{probe}}' }], unit: 'none', min: 0, max: 1, mappings: SUCCESS_MAPPINGS, levels: { warning: 1, critical: 0.5, direction: 'below' }, links: PROBE_LINK, width: 24, height: 5 }),
        timeseries({ title: 'p95 latency by probe', queries: [{ expr: quantile(0.95, 'perfwarden_probe_duration_seconds', '', 'probe'), legend: '{{probe}}', exemplar: true }], unit: 's', min: 0, levels: L.latencyP95Seconds, links: PROBE_LINK }),
        timeseries({ title: 'Error rate by probe', description: 'Failed runs / all runs per rate interval.', queries: [{ expr: errorRatio('probe'), legend: '{{probe}}' }], unit: 'percentunit', min: 0, levels: L.errorRatio, links: PROBE_LINK }),
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
        timeseries({ title: 'Target memory slope (leak trend)', description: 'Robust (Theil–Sen) slope of target memory; sustained positive values suggest a leak. Lines: the levels of the memory_slope alert.', queries: [{ expr: 'perfwarden_target_memory_slope_bytes_per_second', legend: '{{target}}' }], unit: 'Bps', levels: L.memorySlopeBytesPerSecond, width: 6 }),
        timeseries({ title: 'Target CPU', description: 'CPU of the target, core-seconds per second (1 = one core busy). Lines: the levels of the cpu_ratio alert.', queries: [{ expr: 'perfwarden_target_cpu_ratio', legend: '{{target}}' }], unit: 'percentunit', min: 0, levels: L.cpuRatio, width: 6 }),
        timeseries({ title: 'Cache hit ratio', queries: [{ expr: 'perfwarden_cache_hit_ratio', legend: '{{target}}' }], unit: 'percentunit', min: 0, max: 1, levels: L.cacheHitRatio, width: 6 }),
      ],
    },
    {
      title: 'WebSocket probes',
      panels: [
        timeseries({ title: 'WebSocket handshake p95', queries: [{ expr: quantile(0.95, 'perfwarden_ws_connect_duration_seconds', '', 'probe'), legend: '{{probe}}', exemplar: true }], unit: 's', min: 0, levels: L.latencyP95Seconds }),
        timeseries({ title: 'WebSocket message round trip p95', queries: [{ expr: quantile(0.95, 'perfwarden_ws_message_rtt_seconds', '', 'probe'), legend: '{{probe}}', exemplar: true }], unit: 's', min: 0, levels: L.latencyP95Seconds }),
      ],
    },
    {
      title: 'perfwarden itself',
      panels: [
        timeseries({ title: 'Event-loop lag p99', queries: [{ expr: 'nodejs_eventloop_lag_p99_seconds', legend: '{{instance}}' }], unit: 's', min: 0, width: 8 }),
        timeseries({ title: 'Heap used', queries: [{ expr: 'nodejs_heap_size_used_bytes', legend: '{{instance}}' }], unit: 'bytes', min: 0, width: 8 }),
        timeseries({ title: 'Probe start delay p95', queries: [{ expr: `histogram_quantile(0.95, sum by (le) (rate(perfwarden_probe_start_delay_seconds_bucket[${W}])))`, legend: 'p95' }], unit: 's', min: 0, width: 8 }),
      ],
    },
  ]);
}

function probeDetail(L: DashboardLevels): Dashboard {
  const sel = '{probe=~"$probe"}';
  return dashboard('perfwarden-probe', 'perfwarden / Probe detail', 'Probes (one, several or all): phases, percentiles, failures by reason, and the load runs of the same hour.', [
    labelVariable('probe', 'probe', 'perfwarden_probe_runs_total', 'Probe'),
  ], [
    {
      title: 'Probes $probe',
      panels: [
        stat({ title: 'Last run', queries: [{ expr: `perfwarden_probe_success${sel}`, legend: '{{probe}}' }], unit: 'none', min: 0, max: 1, mappings: SUCCESS_MAPPINGS, levels: { warning: 1, critical: 0.5, direction: 'below' }, width: 8, height: 5 }),
        stat({ title: 'Error rate', queries: [{ expr: errorRatio('probe', 'probe=~"$probe"'), legend: '{{probe}}' }], unit: 'percentunit', min: 0, levels: L.errorRatio, width: 8, height: 5 }),
        stat({ title: 'p95', queries: [{ expr: quantile(0.95, 'perfwarden_probe_duration_seconds', sel, 'probe'), legend: '{{probe}}' }], unit: 's', levels: L.latencyP95Seconds, width: 8, height: 5 }),
        timeseries({ title: 'Latency percentiles', queries: [0.5, 0.95, 0.99].map((q) => ({ expr: quantile(q, 'perfwarden_probe_duration_seconds', sel, 'probe'), legend: `{{probe}} p${Math.round(q * 100)}`, exemplar: true })), unit: 's', min: 0, levels: L.latencyP95Seconds, width: 24 }),
        timeseries({ title: 'Phases (mean, stacked)', description: 'Mean time per phase over the selected probes: dns, connect, tls, ttfb, transfer.', queries: [{ expr: `sum by (phase) (rate(perfwarden_probe_phase_duration_seconds_sum${sel}[${W}])) / sum by (phase) (rate(perfwarden_probe_phase_duration_seconds_count${sel}[${W}]))`, legend: '{{phase}}' }], unit: 's', min: 0, stacked: true }),
        timeseries({ title: 'Failures by reason', queries: [{ expr: `sum by (probe, reason) (increase(perfwarden_probe_runs_total{probe=~"$probe", outcome="failure"}[${W}]))`, legend: '{{probe}} {{reason}}' }], unit: 'short', min: 0, stacked: true }),
      ],
    },
    {
      title: 'Load runs',
      panels: [
        stat({ title: 'Load runs in the last hour (requests; click one to open it)', description: 'Each load run that sent requests in the last hour: did one of them coincide with the probes getting slower?', queries: [{ expr: 'sum by (run) (increase(perfwarden_load_requests_total[1h]))', legend: '{{run}}' }], unit: 'short', min: 0, links: RUN_LINK, width: 24, height: 4 }),
      ],
    },
  ]);
}

function loadRun(L: DashboardLevels): Dashboard {
  const sel = '{run=~"$run"}';
  const requests = `perfwarden_load_requests_total${sel}`;
  const failed = `perfwarden_load_requests_total{run=~"$run", status_class!~"2xx|3xx"}`;
  return dashboard('perfwarden-load', 'perfwarden / Load run', 'Load runs (one, several or all): throughput, latency percentiles, errors by class, VUs, dropped iterations, generator lag.', [
    labelVariable('run', 'run', 'perfwarden_load_requests_total', 'Run'),
  ], [
    {
      title: 'Load runs $run',
      panels: [
        timeseries({ title: 'Requests per second', queries: [{ expr: `sum by (run, endpoint) (rate(${requests}[${LOAD_W}]))`, legend: '{{run}} {{endpoint}}' }, { expr: `sum by (run) (rate(${requests}[${LOAD_W}]))`, legend: '{{run}} total' }], unit: 'reqps', min: 0 }),
        timeseries({ title: 'Latency percentiles', queries: [0.5, 0.95, 0.99].map((q) => ({ expr: `histogram_quantile(${q}, sum by (run, le) (rate(perfwarden_load_request_duration_seconds_bucket${sel}[${LOAD_W}])))`, legend: `{{run}} p${Math.round(q * 100)}` })), unit: 's', min: 0, levels: L.latencyP95Seconds }),
        timeseries({ title: 'Errors by class', description: 'Everything that is not 2xx/3xx: 4xx, 5xx, timeout, reset …', queries: [{ expr: `sum by (run, status_class) (rate(${failed}[${LOAD_W}]))`, legend: '{{run}} {{status_class}}' }], unit: 'reqps', min: 0, stacked: true }),
        // A run without errors has no failed series: `or` fills it with the run's own zero.
        timeseries({ title: 'Error rate', queries: [{ expr: `(sum by (run) (rate(${failed}[${LOAD_W}])) or (sum by (run) (rate(${requests}[${LOAD_W}])) * 0)) / sum by (run) (rate(${requests}[${LOAD_W}]))`, legend: '{{run}}' }], unit: 'percentunit', min: 0, levels: L.errorRatio }),
        timeseries({ title: 'Active virtual users', description: 'All instances (shards) together.', queries: [{ expr: `sum by (run) (perfwarden_load_active_vus${sel})`, legend: '{{run}}' }], unit: 'short', min: 0, width: 8 }),
        timeseries({ title: 'Dropped iterations', description: 'Open model: iterations that could not start (in-flight cap reached). Non-zero means the generator, not the target, limited the rate.', queries: [{ expr: `sum by (run) (increase(perfwarden_load_dropped_iterations_total${sel}[${LOAD_W}]))`, legend: '{{run}}' }], unit: 'short', min: 0, levels: { warning: 1, critical: 100 }, width: 8 }),
        timeseries({ title: 'Generator lag', description: 'Worst event-loop lag of each instance\'s load worker threads: a question about the generator, so per instance.', queries: [{ expr: `perfwarden_load_generator_lag_seconds${sel}`, legend: '{{run}} {{instance}}' }], unit: 's', min: 0, levels: { warning: 0.05, critical: 0.25 }, width: 8 }),
        stat({ title: 'Regression vs baseline', queries: [{ expr: `perfwarden_load_regression${sel}`, legend: '{{run}}' }], unit: 'none', mappings: [{ type: 'value', options: { 0: { text: 'no regression', color: 'green', index: 0 }, 1: { text: 'REGRESSED', color: 'red', index: 1 } } }], levels: ANY, width: 24, height: 4 }),
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
export function buildDashboards(levels: DashboardLevels): Record<string, Dashboard> {
  return {
    'overview.json': overview(levels),
    'probe-detail.json': probeDetail(levels),
    'load-run.json': loadRun(levels),
    'alerts.json': alerts(),
  };
}

/** The JSON text of a dashboard file (stable formatting, trailing newline). */
export function renderDashboard(d: Dashboard): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}
