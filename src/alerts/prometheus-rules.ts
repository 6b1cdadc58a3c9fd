/**
 * One source of truth: the configured alerts as Prometheus alerting rules over perfwarden's own
 * metrics, so a team that runs Prometheus + Alertmanager gets the same alerts without perfwarden's
 * evaluator. Each severity becomes one rule with a `severity` label; value hysteresis (`clear`)
 * becomes "still over the clear line while this alert is already firing" (joined on `ALERTS`),
 * and `keepFiringFor` becomes `keep_firing_for` (Prometheus >= 2.42). Each measure maps to the same
 * definition over exported metrics (counter deltas for cache hits, histogram buckets for load
 * latency, the leak verdict for the slope); one with no equivalent is skipped with the reason.
 */
import { stringify } from 'yaml';
import type { AlertRuleConfig } from '../config/sections/alerts.js';
import { compileRules } from './evaluator.js';
import { negate } from './threshold.js';
import type { Threshold } from './threshold.js';
import type { CompiledRule, Severity } from './types.js';
import { CHANGE_MEASURES, PROBE_MEASURES } from './measures.js';
import { LEAK_CONFIDENCE_THRESHOLD } from '../health/types.js';

/** One Prometheus alerting rule. */
export interface PromAlertRule {
  alert: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The generated file and what could not be expressed. */
export interface GeneratedRules {
  groups: { name: string; rules: readonly PromAlertRule[] }[];
  skipped: string[];
}

/** Milliseconds as a Prometheus duration ("1h30m", "15s", "250ms"). */
export function promDuration(ms: number): string {
  if (ms <= 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

function escapeRegex(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');
}

function selector(label: string, names: readonly string[], extra = ''): string {
  const m = names.length === 1 ? `${label}="${names[0] ?? ''}"` : `${label}=~"${names.map(escapeRegex).join('|')}"`;
  return `{${m}${extra === '' ? '' : `,${extra}`}}`;
}

function num(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(12)));
}

/** The PromQL of a rule's measure, or a reason it has none. */
function measureExpr(rule: CompiledRule): { expr: string; by: string } | { skip: string } {
  const m = measureOnly(rule);
  // check_rate is itself a count (zero checks is what it catches): perfwarden applies no minimum.
  if ('skip' in m || rule.minSamples <= 1 || rule.measure.kind === 'check_rate' || CHANGE_MEASURES.has(rule.measure.kind)) return m;
  const count = sampleCount(rule, m.by);
  if (count === undefined) return { skip: `${rule.name}: minSamples ${rule.minSamples} counts samples Prometheus does not see for ${rule.measure.text} of ${rule.subjectKind}` };
  // perfwarden keeps its state when the window holds fewer samples; `and` drops the series, which
  // keeps a pending rule from firing and a firing one from resolving only through keep_firing_for.
  return { by: m.by, expr: `(${m.expr}) and on (${m.by}) (${count} >= ${rule.minSamples})` };
}

/** What perfwarden counts as a rule's samples, in PromQL (undefined when not exported). */
function sampleCount(rule: CompiledRule, by: string): string | undefined {
  const w = promDuration(rule.windowMs);
  const sel = selector(by, rule.subjects);
  const m = rule.measure.kind;
  if (rule.subjectKind === 'loads') return m === 'regression' ? undefined : `sum by (run) (increase(perfwarden_load_requests_total${sel}[${w}]))`;
  if (m === 'cache_hit_ratio') return rule.subjectKind === 'targets' ? `sum by (target) (increase(perfwarden_cache_lookups_total${sel}[${w}]))` : undefined;
  if (rule.subjectKind === 'probes' && PROBE_MEASURES.has(m)) return `sum by (probe) (increase(perfwarden_probe_runs_total${sel}[${w}]))`;
  if (rule.subjectKind === 'targets' && PROBE_MEASURES.has(m)) return `sum by (target) (increase(perfwarden_probe_duration_seconds_count${sel}[${w}]))`;
  return undefined;
}

function measureOnly(rule: CompiledRule): { expr: string; by: string } | { skip: string } {
  const w = promDuration(rule.windowMs);
  const kind = rule.subjectKind;
  const by = kind === 'probes' ? 'probe' : kind === 'targets' ? 'target' : 'run';
  const sel = (extra = '') => selector(by, rule.subjects, extra);
  const m = rule.measure.kind;
  if (kind === 'loads') {
    const requests = `sum by (run) (rate(perfwarden_load_requests_total${sel()}[${w}]))`;
    const failed = `sum by (run) (rate(perfwarden_load_requests_total${sel('status_class!~"2xx|3xx"')}[${w}]))`;
    switch (m) {
      case 'latency': return { by, expr: `histogram_quantile(${rule.measure.quantile}, sum by (run, le) (rate(perfwarden_load_request_duration_seconds_bucket${sel()}[${w}])))` };
      case 'error_rate': return { by, expr: `${failed} / ${requests}` };
      case 'probe_success': return { by, expr: `1 - ${failed} / ${requests}` };
      case 'check_rate': return { by, expr: `${requests} * 60` };
      case 'regression': return { by, expr: `max by (run) (perfwarden_load_regression${sel()})` };
      default: return { skip: `${rule.name}: ${rule.measure.text} cannot be computed for loads` };
    }
  }
  switch (m) {
    case 'latency':
      return { by, expr: `histogram_quantile(${rule.measure.quantile}, sum by (${by}, le) (rate(perfwarden_probe_duration_seconds_bucket${sel()}[${w}])))` };
    case 'error_rate':
      return kind === 'probes'
        ? { by, expr: `sum by (probe) (rate(perfwarden_probe_runs_total${sel('outcome="failure"')}[${w}])) / sum by (probe) (rate(perfwarden_probe_runs_total${sel()}[${w}]))` }
        : { skip: `${rule.name}: error_rate of targets counts every probe run of the target; perfwarden_probe_runs_total has no target label (select probes)` };
    case 'probe_success':
      return kind === 'probes'
        ? { by, expr: `sum by (probe) (rate(perfwarden_probe_runs_total${sel('outcome="success"')}[${w}])) / sum by (probe) (rate(perfwarden_probe_runs_total${sel()}[${w}]))` }
        : { skip: `${rule.name}: probe_success of targets counts every probe run of the target; perfwarden_probe_runs_total has no target label (select probes)` };
    case 'check_rate':
      return kind === 'probes'
        ? { by, expr: `sum by (probe) (rate(perfwarden_probe_runs_total${sel()}[${w}])) * 60` }
        : { by, expr: `sum by (target) (rate(perfwarden_probe_duration_seconds_count${sel()}[${w}])) * 60` };
    case 'cache_hit_ratio':
      // Counter deltas over the window, like perfwarden (not an average of the 15 s ratio gauge).
      return kind === 'targets'
        ? { by, expr: `sum by (target) (increase(perfwarden_cache_hits_total${sel()}[${w}])) / sum by (target) (increase(perfwarden_cache_lookups_total${sel()}[${w}]))` }
        : { skip: `${rule.name}: cache_hit_ratio of probes comes from response headers, exported per target only (select targets)` };
    case 'memory_bytes': case 'memory_ratio': case 'memory_slope': case 'cpu_ratio':
      if (kind !== 'targets') return { skip: `${rule.name}: ${m} needs select.targets` };
      if (m === 'memory_bytes') return { by, expr: `max by (target) (perfwarden_target_memory_bytes${sel()})` };
      if (m === 'memory_ratio') return { by, expr: `max by (target) (perfwarden_target_memory_bytes${sel()}) / max by (target) (perfwarden_target_memory_limit_bytes${sel()})` };
      // The slope while the detector says "leak" (confidence >= the threshold), else 0 — perfwarden's measure.
      if (m === 'memory_slope') return { by, expr: `max by (target) (perfwarden_target_memory_slope_bytes_per_second${sel()}) * on (target) (max by (target) (perfwarden_target_memory_leak_confidence${sel()}) >= bool ${LEAK_CONFIDENCE_THRESHOLD})` };
      return { by, expr: `avg by (target) (avg_over_time(perfwarden_target_cpu_ratio${sel()}[${w}]))` };
    case 'regression':
      return { skip: `${rule.name}: regression needs select.loads` };
    case 'source_up':
      return kind === 'targets'
        ? { by, expr: `min by (target) (perfwarden_target_source_up${sel()})` }
        : { skip: `${rule.name}: source_up needs select.targets` };
    case 'latency_change': {
      // The last confirmed change while it is younger than resolveAfter (acknowledging it through
      // perfwarden's API does not reach Prometheus).
      const after = (rule.change?.resolveAfterMs ?? 3600_000) / 1000;
      return { by, expr: `max by (probe) (perfwarden_probe_change_ratio${sel()}) and on (probe) (time() - max by (probe) (perfwarden_probe_change_time_seconds${sel()}) < ${num(after)})` };
    }
    case 'error_rate_change':
      return { skip: `${rule.name}: error_rate_change is detected inside perfwarden; only latency changes are exported (perfwarden_probe_change_ratio)` };
    case 'cert_expiry':
      return kind === 'probes'
        ? { by, expr: `min by (probe) (perfwarden_tls_cert_expiry_seconds${sel()})` }
        : { skip: `${rule.name}: cert_expiry needs select.probes` };
  }
}

function humanize(rule: CompiledRule): string {
  switch (rule.measure.kind) {
    case 'latency': case 'cert_expiry': return '{{ $value | humanizeDuration }}';
    case 'memory_bytes': return '{{ $value | humanize1024 }}B';
    case 'memory_slope': return '{{ $value | humanize1024 }}B/s';
    case 'check_rate': return '{{ $value | printf "%.1f" }}/min';
    case 'regression': case 'source_up': return '{{ $value }}';
    case 'latency_change': case 'error_rate_change': return 'x{{ $value | printf "%.2f" }}';
    default: return '{{ $value | humanizePercentage }}';
  }
}

function compare(expr: string, t: Threshold): string {
  return `(${expr}) ${t.op} ${num(t.value)}`;
}

/** Generates the rule groups for `alerts`. */
export function generatePrometheusRules(alerts: readonly AlertRuleConfig[]): GeneratedRules {
  const rules: PromAlertRule[] = [];
  const skipped: string[] = [];
  for (const rule of compileRules(alerts)) {
    const m = measureExpr(rule);
    if ('skip' in m) {
      skipped.push(m.skip);
      continue;
    }
    for (const sev of ['warning', 'critical'] as const satisfies readonly Severity[]) {
      const trigger = rule[sev];
      if (trigger === undefined) continue;
      let expr = compare(m.expr, trigger);
      const clear = rule.clear[sev];
      // The clear line differs from the trigger (written, or scaled from the other severity's band).
      const hasHysteresis = clear !== undefined && clear.value !== trigger.value;
      if (hasHysteresis) {
        // Stay firing while the value has not crossed the clear line (the clear condition negated).
        expr = `${expr}\n  or (${compare(m.expr, negate(clear))}\n    and on (${m.by}) ALERTS{alertname="${rule.name}",severity="${sev}",alertstate="firing"})`;
      }
      rules.push({
        alert: rule.name,
        expr,
        ...(rule.forMs > 0 ? { for: promDuration(rule.forMs) } : {}),
        ...(rule.keepFiringForMs > 0 ? { keep_firing_for: promDuration(rule.keepFiringForMs) } : {}),
        labels: { severity: sev, ...rule.labels },
        annotations: {
          summary: `${rule.name} ${sev}: {{ $labels.${m.by} }} ${rule.measure.text} is ${humanize(rule)} (${trigger.text})`,
          ...(rule.summary === undefined ? {} : { description: rule.summary }),
        },
      });
    }
  }
  return { groups: [{ name: 'perfwarden', rules }, { name: 'perfwarden-self', rules: SELF_RULES }], skipped };
}

/**
 * Built-in alerts about perfwarden itself. They live in Prometheus, not in perfwarden's own
 * evaluation: a daemon whose store cannot be written cannot durably queue a notification about it.
 */
export const SELF_RULES: readonly PromAlertRule[] = [
  {
    alert: 'perfwarden-storage-down',
    expr: 'perfwarden_storage_up == 0',
    for: '1m',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'perfwarden on {{ $labels.instance }} cannot write its SQLite store: alert state and notifications are no longer durable',
      description: 'See /readyz for the file and the reason (read-only or immutable file, full disk, lock).',
    },
  },
];

/** The YAML file, with a header saying where it came from and where it differs from perfwarden. */
export function renderPrometheusRules(generated: GeneratedRules, source: string): string {
  const head = [
    `# Generated by \`perfwarden rules\` from ${source}. Do not edit: change the config and regenerate.`,
    '# Needs Prometheus >= 2.42 when a rule uses keep_firing_for. Route by the `severity` label;',
    '# an Alertmanager inhibit rule (critical inhibits warning, equal: [alertname, probe, target])',
    '# gives the "critical supersedes warning" behaviour of perfwarden\'s own notifications.',
    '# Same definitions as perfwarden: latency quantiles interpolate the same histogram buckets',
    '# (perfwarden takes exact bucket deltas across the window, Prometheus extrapolates rate() to the',
    '# window edges: the same quantile once the window holds two scrapes of the traffic); cache hit',
    '# ratio is hits / lookups of the counter increase over the window; the leak slope counts only',
    `# while the detector's confidence is >= ${LEAK_CONFIDENCE_THRESHOLD} (its verdict "leak"). \`minSamples\` drops the series`,
    '# below the count: where perfwarden keeps a firing alert firing, Prometheus resolves it.',
    ...generated.skipped.map((s) => `# skipped: ${s}`),
  ];
  return `${head.join('\n')}\n${stringify({ groups: generated.groups }, { lineWidth: 0 })}`;
}
