/** Renders a regression report as a Markdown table or an HTML fragment for the run's report. */
import type { ComparisonRow, RegressionReport } from './types.js';

function fmt(metric: ComparisonRow['metric'], v: number | undefined): string {
  if (v === undefined) return '–';
  return metric === 'error_rate' ? `${(v * 100).toFixed(2)} %` : `${v.toFixed(1)} ms`;
}

function fmtDelta(r: ComparisonRow): string {
  if (r.delta === undefined) return '–';
  const sign = r.delta > 0 ? '+' : '';
  const abs = r.metric === 'error_rate' ? `${sign}${(r.delta * 100).toFixed(2)} pts` : `${sign}${r.delta.toFixed(1)} ms`;
  return r.deltaRatio === undefined ? abs : `${abs} (${sign}${(r.deltaRatio * 100).toFixed(1)} %)`;
}

const VERDICT_TEXT: Record<RegressionReport['verdict'], string> = {
  regression: 'REGRESSION',
  ok: 'no regression',
  'no-baseline': 'no baseline',
};

/** A Markdown section: verdict line plus the comparison table. */
export function renderComparisonMarkdown(report: RegressionReport): string {
  const lines = [`## Comparison with baseline`, '', `**${VERDICT_TEXT[report.verdict]}** — ${report.summary}`];
  if (report.rows.length > 0) {
    lines.push('', '| endpoint | metric | baseline | this run | delta | |', '| --- | --- | ---: | ---: | ---: | --- |');
    for (const r of report.rows) {
      lines.push(`| ${r.endpoint.replaceAll('|', '\\|')} | ${r.metric} | ${fmt(r.metric, r.baseline)} | ${fmt(r.metric, r.current)} | ${fmtDelta(r)} | ${r.regressed ? '**regressed**' : ''} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Escapes text for HTML. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** A self-contained HTML fragment (a `<section>` with inline styles). */
export function renderComparisonHtml(report: RegressionReport): string {
  const colour = report.verdict === 'regression' ? '#b42318' : report.verdict === 'ok' ? '#067647' : '#475467';
  const rows = report.rows.map((r) => `<tr${r.regressed ? ' style="background:#fef3f2"' : ''}><td>${escapeHtml(r.endpoint)}</td><td>${r.metric}</td>`
    + `<td style="text-align:right">${fmt(r.metric, r.baseline)}</td><td style="text-align:right">${fmt(r.metric, r.current)}</td>`
    + `<td style="text-align:right">${escapeHtml(fmtDelta(r))}</td><td>${r.regressed ? '<strong style="color:#b42318">regressed</strong>' : ''}</td></tr>`).join('');
  const table = report.rows.length === 0 ? '' : `<table class="pw-regression" style="border-collapse:collapse"><thead><tr><th>endpoint</th><th>metric</th><th>baseline</th><th>this run</th><th>delta</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
  return `<section class="pw-comparison"><h2>Comparison with baseline</h2><p><strong style="color:${colour}">${VERDICT_TEXT[report.verdict]}</strong> — ${escapeHtml(report.summary)}</p>${table}</section>`;
}
