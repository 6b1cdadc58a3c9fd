/**
 * Compares a load run with its baseline, overall and per endpoint. Latency is noisy: a rule
 * on the ratio alone flags 2 ms → 3 ms, a rule on the difference alone flags 2 s → 2.05 s, so
 * a row regresses only when it is worse by more than X % AND more than Y ms (and likewise for
 * the error rate, in ratio points and relative terms). Pure: data in, data out.
 */
import type { ComparisonRow, EndpointResultLike, LatencyMsLike, LoadResultLike, RegressionReport, RegressionRule } from './types.js';
import { DEFAULT_REGRESSION_RULE } from './types.js';

interface Side {
  requests: number | undefined;
  errors: number | undefined;
  latency: LatencyMsLike | undefined;
}

function endpointSide(e: EndpointResultLike): Side {
  return { requests: e.requests ?? e.summary?.requests, errors: e.errors ?? e.summary?.errors, latency: e.latencyMs };
}

function overallSide(r: LoadResultLike): Side {
  return { requests: r.summary?.requests, errors: r.summary?.errors, latency: r.latencyMs };
}

function errorRate(s: Side): number | undefined {
  if (s.requests === undefined || s.errors === undefined || s.requests === 0) return undefined;
  return s.errors / s.requests;
}

function row(endpoint: string, metric: ComparisonRow['metric'], baseline: number | undefined, current: number | undefined, flag: (b: number, c: number) => boolean, enoughData: boolean): ComparisonRow {
  const both = baseline !== undefined && current !== undefined && Number.isFinite(baseline) && Number.isFinite(current);
  const delta = both ? current - baseline : undefined;
  const deltaRatio = both && baseline !== 0 ? (current - baseline) / baseline : undefined;
  return { endpoint, metric, baseline, current, delta, deltaRatio, regressed: both && enoughData && flag(baseline, current) };
}

function compareSides(name: string, base: Side, cur: Side, rule: RegressionRule): ComparisonRow[] {
  const enough = (base.requests ?? rule.minRequests) >= rule.minRequests && (cur.requests ?? rule.minRequests) >= rule.minRequests;
  const latencyFlag = (r: { pct: number; ms: number }) => (b: number, c: number) => c > b * (1 + r.pct) && c > b + r.ms;
  return [
    row(name, 'p95', base.latency?.p95, cur.latency?.p95, latencyFlag(rule.p95), enough),
    row(name, 'p99', base.latency?.p99, cur.latency?.p99, latencyFlag(rule.p99), enough),
    row(name, 'error_rate', errorRate(base), errorRate(cur), (b, c) => c > b + rule.errorRate.abs && c > b * (1 + rule.errorRate.rel), enough),
  ];
}

/** Compares `current` (run `runId`) with `baseline` (run `baselineId`), or reports `no-baseline`. */
export function compareRuns(
  runId: string,
  current: LoadResultLike,
  baseline: { id: string; result: LoadResultLike } | undefined,
  rule: RegressionRule = DEFAULT_REGRESSION_RULE,
): RegressionReport {
  if (baseline === undefined) {
    return { verdict: 'no-baseline', runId, baselineId: undefined, rows: [], summary: 'no baseline to compare with (no pinned or previous passing run of this load)' };
  }
  const rows = compareSides('overall', overallSide(baseline.result), overallSide(current), rule);
  const baseEndpoints = new Map((baseline.result.endpoints ?? []).map((e) => [e.name, e]));
  for (const e of current.endpoints ?? []) {
    const b = baseEndpoints.get(e.name);
    if (b === undefined) continue;
    rows.push(...compareSides(e.name, endpointSide(b), endpointSide(e), rule));
  }
  const regressed = rows.filter((r) => r.regressed);
  const summary = regressed.length === 0
    ? `no regression against run ${baseline.id}`
    : `${regressed.length} regression${regressed.length === 1 ? '' : 's'} against run ${baseline.id}: ${regressed.map((r) => `${r.endpoint} ${r.metric}`).join(', ')}`;
  return { verdict: regressed.length === 0 ? 'ok' : 'regression', runId, baselineId: baseline.id, rows, summary };
}
