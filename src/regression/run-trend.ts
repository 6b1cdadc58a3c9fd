/**
 * Drift across scheduled runs: the comparison with the baseline sees each nightly run 6 % slower
 * than the last and never crosses its +10 % line, while ten such nights double p95. So the same
 * change detector that watches probes (src/alerts/change-detector.ts) is replayed over the run
 * history, per endpoint, on log p95: one run is one sample. Here the baseline does not roll (a
 * slow drift must accumulate against it) and a few runs confirm. A trend is reported by the run
 * that confirms it; the detector then takes the new level as the baseline, so the runs after it
 * are quiet until the level moves again. Pure: results in, rows out.
 */
import { ChangeDetector } from '../alerts/change-detector.js';
import { latencyModel, logLatency } from '../alerts/change-models.js';
import type { ComparisonRow, LoadResultLike, RegressionReport, RegressionRule } from './types.js';

/** One run of the history, oldest first; the last one is the run being recorded. */
export interface TrendRun {
  id: string;
  startedAt: number;
  result: LoadResultLike;
}

/** 3 runs learn the level, 2 runs after the alarm confirm it; a candidate is given up after 20 runs. */
const RUN_DETECTOR = { learn: 3, baselineSize: 20, minRun: 2, h: 5, confidence: 0.999, adaptive: false };

/** p95 (ms) per endpoint name (and `overall`) of a result, skipping thin endpoints. */
function p95s(r: LoadResultLike, minRequests: number): Map<string, number> {
  const out = new Map<string, number>();
  const overall = r.latencyMs?.p95;
  if (overall !== undefined && (r.summary?.requests ?? minRequests) >= minRequests) out.set('overall', overall);
  for (const e of r.endpoints ?? []) {
    const p95 = e.latencyMs?.p95;
    const requests = e.requests ?? e.summary?.requests ?? minRequests;
    if (p95 !== undefined && requests >= minRequests) out.set(e.name, p95);
  }
  return out;
}

/** Trend rows (regressed) for every endpoint whose p95 level the latest run confirms moved up. */
export function detectRunTrends(runs: readonly TrendRun[], rule: RegressionRule): ComparisonRow[] {
  const current = runs[runs.length - 1];
  if (current === undefined || rule.trend.runs === 0) return [];
  const series = new Map<string, { at: number; ms: number }[]>();
  for (const run of runs) {
    for (const [name, ms] of p95s(run.result, rule.minRequests)) series.set(name, [...(series.get(name) ?? []), { at: run.startedAt, ms }]);
  }
  const rows: ComparisonRow[] = [];
  for (const [endpoint, points] of series) {
    const last = points[points.length - 1];
    if (last === undefined || last.at !== current.startedAt) continue;
    // Run-to-run noise of a p95 is a few percent: a 5 % floor keeps three near-identical runs from
    // making the detector infinitely sensitive.
    const detector = new ChangeDetector(latencyModel({ minRatio: 1 + rule.trend.pct, minDelta: rule.p95.ms / 1000, k: 0.5, clip: 3, minScale: 0.05 }), RUN_DETECTOR);
    let confirmed: ReturnType<typeof detector.push>;
    for (const p of points) confirmed = detector.push({ at: p.at, v: logLatency(p.ms / 1000) });
    if (confirmed === undefined) continue;
    const baseline = confirmed.before * 1000;
    const level = confirmed.after * 1000;
    const since = points.filter((p) => p.at >= confirmed.at).length;
    rows.push({ endpoint, metric: 'p95_trend', baseline, current: level, delta: level - baseline, deltaRatio: (level - baseline) / baseline, regressed: true, runs: since });
  }
  return rows;
}

/** The report with the trend rows added (a trend is a regression even without a baseline run). */
export function withTrends(report: RegressionReport, trends: readonly ComparisonRow[]): RegressionReport {
  if (trends.length === 0) return report;
  const text = trends.map((t) => `${t.endpoint} p95 drifted x${Math.round(((t.current ?? 0) / (t.baseline ?? 1)) * 100) / 100} over the last ${t.runs ?? 0} runs`).join(', ');
  const summary = report.verdict === 'regression' ? `${report.summary}; ${text}` : text;
  return { ...report, verdict: 'regression', rows: [...report.rows, ...trends], summary };
}
