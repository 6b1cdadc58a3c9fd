/**
 * The HTML report: one self-contained page (inline CSS and SVG, no scripts, no external assets)
 * so it can be attached to a ticket or served by the daemon as is. Pure function of a result.
 */
import type { LoadResult } from '../load/result/result.js';
import { abortText } from '../load/result/judge.js';
import { healthRows, leakText } from './health-section.js';
import { escapeXml, fmtChecks, fmtMs, fmtNum, fmtPct, fmtSeconds, fmtThresholdValue } from './format.js';
import { scalingNotes, scalingTable } from './scaling-table.js';
import { lineChart } from './svg-chart.js';

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:960px;color:#222}
table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}svg.chart{display:block;margin:8px 0 16px}svg.chart .hover:hover{fill:rgba(0,0,0,.05)}.pass{color:#17803d}.fail{color:#b42318}.aborted{color:#b54708}.note{background:#fff4e5;padding:8px;border-left:4px solid #f79009}
svg{display:block;margin:8px 0 16px;max-width:100%;height:auto}code{background:#f4f4f4;padding:0 3px}`;

/** Renders a result as a self-contained HTML page. */
export function renderHtml(r: LoadResult): string {
  const e = escapeXml;
  const s = r.summary;
  const l = r.latencyMs;
  const ts = r.timeSeries;
  const bands = ts.filter((p) => p.saturated).map((p) => [p.t, p.t + p.width] as const);
  const mid = (p: { t: number; width: number }) => p.t + p.width / 2;
  const body: string[] = [];
  body.push(`<h1>Load run “${e(r.name)}” — <span class="${r.verdict}">${r.verdict.toUpperCase()}</span>${r.health === undefined ? '' : ` · <span class="${r.health.leak?.verdict === 'leak' ? 'fail' : 'pass'}">${e(leakText(r.health))}</span>`}</h1>`);
  body.push(`<p>Target <code>${e(r.target)}</code> · executor <code>${e(r.executor)}</code> · ${e(r.startedAt)} → ${e(r.finishedAt)} · run <code>${e(r.runId)}</code></p>`);
  if (r.aborted !== null) body.push(`<p class="note"><b>Stopped early</b> after ${fmtSeconds(r.aborted.atSeconds)}: ${e(abortText(r.aborted))}${r.verdict === 'aborted' ? ' — the numbers cover only the part that ran' : ''}</p>`);
  if (r.verdictReason !== undefined) body.push(`<p class="note"><b>${r.verdict.toUpperCase()}</b>: ${e(r.verdictReason)}</p>`);
  if (r.thresholds.length === 0 && r.steps.length === 0 && r.verdict === 'pass') body.push('<p>No thresholds were set: the verdict is PASS by default.</p>');
  for (const w of r.warnings) body.push(`<p class="note">${e(w)}</p>`);
  body.push('<h2>Summary</h2>');
  body.push(table(['Requests', 'Errors', 'Error rate', 'Req/s', 'Duration', 'Iterations', 'Dropped', 'Checks'], [[fmtNum(s.requests), fmtNum(s.errors), fmtPct(s.errorRate), fmtNum(s.rps, 1), `${s.durationSeconds.toFixed(1)} s`, fmtNum(s.iterations), fmtNum(s.droppedIterations), fmtChecks(s.checks)]]));
  body.push(table(['avg', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max'], [[l.avg, l.p50, l.p90, l.p95, l.p99, l.p999, l.max].map(fmtMs)]));
  const errs = Object.entries(s.errorsByClass).filter(([, n]) => (n ?? 0) > 0);
  if (errs.length > 0) {
    body.push('<h2>Errors by class</h2>');
    body.push(table(['Class', 'Errors', 'Share of requests'], errs.map(([cls, n]) => [cls, fmtNum(n ?? 0), fmtPct(s.requests === 0 ? 0 : (n ?? 0) / s.requests)])));
  }
  if (r.thresholds.length > 0) {
    body.push('<h2>Thresholds</h2>');
    body.push(table(['Threshold', 'Scope', 'Measured', 'Result'], r.thresholds.map((t) => [`<code>${e(t.expression)}</code>`, e(t.endpoint ?? 'overall'), fmtThresholdValue(t.name, t.value), `<span class="${t.ok ? 'pass' : 'fail'}">${t.ok ? 'pass' : 'FAIL'}</span>`]), true));
  }
  if (ts.length > 0) {
    body.push('<h2>Over time</h2>');
    body.push(lineChart([
      { name: 'p50', color: '#1f77b4', points: ts.map((p) => [mid(p), p.p50]) },
      { name: 'p95', color: '#ff7f0e', points: ts.map((p) => [mid(p), p.p95]) },
      { name: 'p99', color: '#d62728', points: ts.map((p) => [mid(p), p.p99]) },
    ], { title: 'Latency percentiles per second', yLabel: 'ms', bands }));
    body.push(lineChart([{ name: 'req/s', color: '#2ca02c', points: ts.map((p) => [mid(p), p.rps]) }, { name: 'VUs', color: '#9467bd', axis: 'right', points: ts.map((p) => [mid(p), p.vus]) }], { title: 'Throughput (left) and VUs (right)', yLabel: 'req/s', yRightLabel: 'VUs', bands }));
    if (ts.some((p) => p.errors > 0 || p.dropped > 0)) {
      body.push(lineChart([{ name: 'errors/s', color: '#d62728', points: ts.map((p) => [mid(p), p.errors / p.width]) }, { name: 'dropped/s', color: '#8c564b', points: ts.map((p) => [mid(p), p.dropped / p.width]) }], { title: 'Errors and dropped iterations', yLabel: 'per second', bands }));
    }
    if (bands.length > 0) body.push('<p class="note">Shaded seconds: a load worker\'s event loop lagged (the generator itself was saturated); numbers there describe the generator, not the target.</p>');
  }
  if (r.endpoints.length > 0) {
    body.push('<h2>Endpoints</h2>');
    body.push(table(['Endpoint', 'Requests', 'Errors', 'Req/s', 'avg', 'p50', 'p95', 'p99', 'max', 'Checks'], r.endpoints.map((x) => [`<code>${e(x.name)}</code>`, fmtNum(x.requests), `${fmtNum(x.errors)} (${fmtPct(x.errorRate)})`, fmtNum(x.rps, 1), fmtMs(x.latencyMs.avg), fmtMs(x.latencyMs.p50), fmtMs(x.latencyMs.p95), fmtMs(x.latencyMs.p99), fmtMs(x.latencyMs.max), fmtChecks(x.checks)]), true));
  }
  if (r.steps.length > 0) {
    const t = scalingTable(r);
    body.push('<h2>Concurrency scaling</h2>');
    body.push(table(t.header, t.rows.map((row) => row.cells.map((c, i) => (i === row.cells.length - 1 && !row.ok ? `<span class="fail">${e(c)}</span>` : e(c)))), true));
    for (const n of scalingNotes(r)) body.push(`<p>${e(n)}</p>`);
    const unit = r.steps[0]?.vus !== undefined ? 'VUs' : 'req/s';
    const points = r.steps.filter((st) => !st.unmeasurable).map((st) => [st.vus ?? st.rate ?? st.index, st.latencyMs.p95] as const);
    body.push(lineChart([{ name: 'p95', color: '#ff7f0e', points }], { title: `p95 by step (${unit})`, yLabel: 'ms', x: 'number', xLabel: unit, xTicks: points.map((p) => p[0]) }));
  }
  if (r.ws !== undefined) {
    const w = r.ws;
    body.push('<h2>WebSocket</h2>');
    body.push(table(['Measure', 'Count', 'p50', 'p95', 'p99', 'max'], [
      ['connect', `${w.connections.opened}/${w.connections.target}`, ...[w.connectMs.p50, w.connectMs.p95, w.connectMs.p99, w.connectMs.max].map(fmtMs)],
      ['echo RTT', `${w.echo.received}/${w.echo.sent}`, ...[w.echoRttMs.p50, w.echoRttMs.p95, w.echoRttMs.p99, w.echoRttMs.max].map(fmtMs)],
      ['fan-out', `${w.fanout.delivered}/${w.fanout.expectedDeliveries}`, ...[w.fanoutMs.p50, w.fanoutMs.p95, w.fanoutMs.p99, w.fanoutMs.max].map(fmtMs)],
    ], true));
    body.push(`<p>Reconnect: ${w.reconnect.recovered}/${w.reconnect.dropped} back in ${fmtMs(w.reconnect.recoveryMs)}.</p>`);
  }
  if (r.health !== undefined) {
    const h = r.health;
    body.push('<h2>Target health</h2>');
    body.push(table(['', ''], healthRows(h).map(([k, v]) => [k, v])));
    const mem = h.memory;
    if (mem !== null && mem.series.length > 1) {
      const mib = (b: number) => b / 1048576;
      // The detector's fitted line (through the post-GC troughs), so a leak shows as a rising line.
      const trend = h.leak?.trend;
      body.push(lineChart([
        { name: 'memory', color: '#1f77b4', points: mem.series.map((p) => [p.t, mib(p.bytes)]) },
        ...(trend === undefined ? [] : [{ name: 'trend', color: '#d62728', points: [[trend.fromT, mib(trend.fromBytes)], [trend.toT, mib(trend.toBytes)]] as [number, number][] }]),
      ], { title: `Target memory (${leakText(h)})`, yLabel: 'MiB' }));
    }
  }
  const g = r.generator;
  body.push(`<h2>Generator</h2><p>Max event-loop lag ${fmtMs(g.maxEventLoopLagMs)}, average CPU ${g.avgCpuPercent} % of a core, saturated ${fmtSeconds(g.saturatedSeconds)}${g.seed === undefined ? '' : `, drawn with seed ${g.seed}`}.</p>`);
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${e(r.name)} — perfwarden load report</title><style>${CSS}</style></head><body>\n${body.join('\n')}\n</body></html>\n`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[], trustedCells = false): string {
  const cell = (c: string) => (trustedCells ? c : escapeXml(c));
  return `<table><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

