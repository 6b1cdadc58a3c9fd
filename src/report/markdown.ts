/**
 * The Markdown report: what a team pasted into its seeds by hand (summary, gates, per-endpoint
 * table, sweep table, generator health), rendered as a pure function of a load result.
 */
import type { LoadResult } from '../load/result/result.js';
import { abortText } from '../load/result/judge.js';
import { healthRows, leakText } from './health-section.js';
import { scalingNotes, scalingTable } from './scaling-table.js';
import { fmtChecks, fmtMs, fmtNum, fmtPct, fmtSeconds, fmtThresholdValue } from './format.js';

const VERDICT = { pass: '✅ PASS', fail: '❌ FAIL', aborted: '⏹️ ABORTED' } as const;

/** Renders a result as GitHub-flavoured Markdown. */
export function renderMarkdown(r: LoadResult): string {
  const out: string[] = [];
  out.push(`# Load run "${r.name}" — ${VERDICT[r.verdict]}${r.health === undefined ? '' : ` · memory: ${leakText(r.health)}`}`, '');
  out.push(`Target \`${r.target}\` · executor \`${r.executor}\` · ${r.startedAt} → ${r.finishedAt} · run \`${r.runId}\``, '');
  if (r.aborted !== null) out.push(`> **Stopped early** after ${fmtSeconds(r.aborted.atSeconds)}: ${abortText(r.aborted)}${r.verdict === 'aborted' ? ' — the numbers cover only the part that ran' : ''}`, '');
  if (r.verdictReason !== undefined) out.push(`> **${r.verdict.toUpperCase()}**: ${r.verdictReason}`, '');
  if (r.thresholds.length === 0 && r.steps.length === 0 && r.verdict === 'pass') out.push('No thresholds were set: the verdict is PASS by default.', '');
  for (const w of r.warnings) out.push(`> ${w}`, '');
  const s = r.summary;
  const l = r.latencyMs;
  out.push('## Summary', '');
  out.push('| Requests | Errors | Error rate | Req/s | Duration | Iterations | Dropped | Checks |', '|---:|---:|---:|---:|---:|---:|---:|---:|');
  out.push(`| ${fmtNum(s.requests)} | ${fmtNum(s.errors)} | ${fmtPct(s.errorRate)} | ${fmtNum(s.rps, 1)} | ${s.durationSeconds.toFixed(1)} s | ${fmtNum(s.iterations)} | ${fmtNum(s.droppedIterations)} | ${fmtChecks(s.checks)} |`, '');
  out.push('| avg | p50 | p90 | p95 | p99 | p99.9 | max |', '|---:|---:|---:|---:|---:|---:|---:|');
  out.push(`| ${fmtMs(l.avg)} | ${fmtMs(l.p50)} | ${fmtMs(l.p90)} | ${fmtMs(l.p95)} | ${fmtMs(l.p99)} | ${fmtMs(l.p999)} | ${fmtMs(l.max)} |`, '');
  const errs = Object.entries(s.errorsByClass);
  if (errs.length > 0) out.push(`Errors by class: ${errs.map(([k, v]) => `${k} ${fmtNum(v ?? 0)}`).join(', ')}`, '');
  if (r.thresholds.length > 0) {
    out.push('## Thresholds', '', '| | Threshold | Scope | Measured |', '|---|---|---|---:|');
    for (const t of r.thresholds) out.push(`| ${t.ok ? '✅' : '❌'} | \`${t.expression}\` | ${t.endpoint ?? 'overall'} | ${fmtThresholdValue(t.name, t.value)} |`);
    out.push('');
  }
  if (r.endpoints.length > 0) {
    out.push('## Endpoints', '', '| Endpoint | Requests | Errors | Req/s | avg | p50 | p95 | p99 | max | Checks |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const e of r.endpoints) {
      const el = e.latencyMs;
      out.push(`| \`${e.name}\` | ${fmtNum(e.requests)} | ${fmtNum(e.errors)} (${fmtPct(e.errorRate)}) | ${fmtNum(e.rps, 1)} | ${fmtMs(el.avg)} | ${fmtMs(el.p50)} | ${fmtMs(el.p95)} | ${fmtMs(el.p99)} | ${fmtMs(el.max)} | ${fmtChecks(e.checks)} |`);
    }
    out.push('');
  }
  if (r.steps.length > 0) {
    const t = scalingTable(r);
    out.push('## Concurrency scaling', '', `| ${t.header.join(' | ')} |`, `|${t.header.map((_, i) => (i === t.header.length - 1 ? '---' : '---:')).join('|')}|`);
    for (const row of t.rows) out.push(`| ${row.cells.map((c, i) => (i === row.cells.length - 1 ? `${row.ok ? '✅' : '❌'} ${c}` : c)).join(' | ')} |`);
    out.push('', ...scalingNotes(r).flatMap((n) => [n, '']));
  }
  if (r.ws !== undefined) {
    const w = r.ws;
    out.push('## WebSocket', '', '| Measure | Count | p50 | p95 | p99 | max |', '|---|---:|---:|---:|---:|---:|');
    out.push(`| connect | ${w.connections.opened}/${w.connections.target} (${w.connections.failed} failed) | ${fmtMs(w.connectMs.p50)} | ${fmtMs(w.connectMs.p95)} | ${fmtMs(w.connectMs.p99)} | ${fmtMs(w.connectMs.max)} |`);
    out.push(`| echo RTT | ${w.echo.received}/${w.echo.sent} (${w.echo.lost} lost) | ${fmtMs(w.echoRttMs.p50)} | ${fmtMs(w.echoRttMs.p95)} | ${fmtMs(w.echoRttMs.p99)} | ${fmtMs(w.echoRttMs.max)} |`);
    out.push(`| fan-out delivery | ${w.fanout.delivered}/${w.fanout.expectedDeliveries} | ${fmtMs(w.fanoutMs.p50)} | ${fmtMs(w.fanoutMs.p95)} | ${fmtMs(w.fanoutMs.p99)} | ${fmtMs(w.fanoutMs.max)} |`);
    out.push('', `Reconnect: ${w.reconnect.recovered}/${w.reconnect.dropped} dropped connections back in ${fmtMs(w.reconnect.recoveryMs)}.`, '');
  }
  if (r.health !== undefined) {
    out.push('## Target health', '', '| | |', '|---|---|', ...healthRows(r.health).map(([k, v]) => `| ${k} | ${v} |`), '');
  }
  const g = r.generator;
  out.push('## Generator', '', `Max event-loop lag ${fmtMs(g.maxEventLoopLagMs)}, average CPU ${g.avgCpuPercent} % of a core, saturated for ${fmtSeconds(g.saturatedSeconds)}${g.saturatedSeconds > 0 ? ' — in those seconds the numbers describe the generator, not the target' : ''}.${g.seed === undefined ? '' : ` Drawn with seed ${g.seed} (\`seed: ${g.seed}\` in the load draws the same values again).`}`, '');
  return out.join('\n');
}

