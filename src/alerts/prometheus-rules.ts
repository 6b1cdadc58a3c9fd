/**
 * One source of truth: the configured alerts as Prometheus alerting rules over perfwarden's own
 * metrics, so a team that runs Prometheus + Alertmanager gets the same alerts without perfwarden's
 * evaluator. Each severity becomes one rule with a `severity` label; value hysteresis (`clear`)
 * becomes "still over the clear line while this alert is already firing" (joined on `ALERTS`),
 * and `keepFiringFor` becomes `keep_firing_for` (Prometheus >= 2.42). Measures with no exported
 * metric for the selection are skipped with a note.
 */
import { stringify } from 'yaml';
import type { AlertRuleConfig } from '../config/sections/alerts.js';
import { compileRules } from './evaluator.js';
import { negate } from './threshold.js';
import type { Threshold } from './threshold.js';
import type { CompiledRule, Severity } from './types.js';

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
  groups: { name: string; rules: PromAlertRule[] }[];
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
  const w = promDuration(rule.windowMs);
  const kind = rule.subjectKind;
  const by = kind === 'probes' ? 'probe' : kind === 'targets' ? 'target' : 'run';
  const sel = (extra = '') => selector(by, rule.subjects, extra);
  const m = rule.measure.kind;
  if (kind === 'loads') {
    if (m === 'latency') return { by, expr: `histogram_quantile(${rule.measure.quantile}, sum by (run, le) (rate(perfwarden_load_request_duration_seconds_bucket${sel()}[${w}])))` };
    if (m === 'error_rate') return { by, expr: `sum by (run) (rate(perfwarden_load_requests_total${sel('status_class!~"2xx|3xx"')}[${w}])) / sum by (run) (rate(perfwarden_load_requests_total${sel()}[${w}]))` };
    return { skip: `${rule.name}: ${rule.measure.text} of loads has no Prometheus metric` };
  }
  switch (m) {
    case 'latency':
      return { by, expr: `histogram_quantile(${rule.measure.quantile}, sum by (${by}, le) (rate(perfwarden_probe_duration_seconds_bucket${sel()}[${w}])))` };
    case 'error_rate':
      return kind === 'probes'
        ? { by, expr: `sum by (probe) (rate(perfwarden_probe_runs_total${sel('outcome="failure"')}[${w}])) / sum by (probe) (rate(perfwarden_probe_runs_total${sel()}[${w}]))` }
        : { by, expr: `1 - avg by (target) (avg_over_time(perfwarden_probe_success${sel()}[${w}]))` };
    case 'probe_success':
      return { by, expr: `avg by (${by}) (avg_over_time(perfwarden_probe_success${sel()}[${w}]))` };
    case 'check_rate':
      return kind === 'probes'
        ? { by, expr: `sum by (probe) (rate(perfwarden_probe_runs_total${sel()}[${w}])) * 60` }
        : { skip: `${rule.name}: check_rate of targets has no Prometheus metric (select probes)` };
    case 'cache_hit_ratio':
      return kind === 'targets'
        ? { by, expr: `avg by (target) (avg_over_time(perfwarden_cache_hit_ratio${sel()}[${w}]))` }
        : { skip: `${rule.name}: cache_hit_ratio is exported per target (select targets)` };
    case 'memory_bytes': case 'memory_ratio': case 'memory_slope': case 'cpu_ratio':
      if (kind !== 'targets') return { skip: `${rule.name}: ${m} needs select.targets` };
      if (m === 'memory_bytes') return { by, expr: `max by (target) (perfwarden_target_memory_bytes${sel()})` };
      if (m === 'memory_ratio') return { by, expr: `max by (target) (perfwarden_target_memory_bytes${sel()}) / max by (target) (perfwarden_target_memory_limit_bytes${sel()})` };
      if (m === 'memory_slope') return { by, expr: `max by (target) (perfwarden_target_memory_slope_bytes_per_second${sel()})` };
      return { by, expr: `avg by (target) (avg_over_time(perfwarden_target_cpu_ratio${sel()}[${w}]))` };
  }
}

function humanize(rule: CompiledRule): string {
  switch (rule.measure.kind) {
    case 'latency': return '{{ $value | humanizeDuration }}';
    case 'memory_bytes': return '{{ $value | humanize1024 }}B';
    case 'memory_slope': return '{{ $value | humanize1024 }}B/s';
    case 'check_rate': return '{{ $value | printf "%.1f" }}/min';
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
  const configured = new Map(alerts.map((a) => [a.name, a]));
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
      const hasHysteresis = configured.get(rule.name)?.clear !== undefined && clear !== undefined && clear.value !== trigger.value;
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
  return { groups: [{ name: 'perfwarden', rules }], skipped };
}

/** The YAML file, with a header saying where it came from. */
export function renderPrometheusRules(generated: GeneratedRules, source: string): string {
  const head = [
    `# Generated by \`perfwarden rules\` from ${source}. Do not edit: change the config and regenerate.`,
    '# Needs Prometheus >= 2.42 when a rule uses keep_firing_for. Route by the `severity` label;',
    '# an Alertmanager inhibit rule (critical inhibits warning, equal: [alertname, probe, target])',
    '# gives the "critical supersedes warning" behaviour of perfwarden\'s own notifications.',
    ...generated.skipped.map((s) => `# skipped: ${s}`),
  ];
  return `${head.join('\n')}\n${stringify({ groups: generated.groups }, { lineWidth: 0 })}`;
}
