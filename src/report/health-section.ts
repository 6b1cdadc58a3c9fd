/**
 * The target's health in reports: memory over the run with the fitted trend, the leak verdict
 * beside PASS/FAIL, CPU and the cache hit ratio — the part of a load report the seeds' authors
 * measured by hand (memory deltas, "leak detection", cache hit > 85 %). Pure.
 */
import type { TargetResult } from '../load/target/run-health.js';
import { fmtBytes, fmtPct } from './format.js';

/** The leak verdict in a few words: "no leak", "LEAK +6.0 MiB/min (95 % CI …)". */
export function leakText(h: TargetResult): string {
  const l = h.leak;
  if (l === null) return 'no memory readings';
  const perMin = (bps: number) => `${bps >= 0 ? '+' : ''}${fmtBytes(bps * 60)}/min`;
  switch (l.verdict) {
    case 'leak':
      return `LEAK ${perMin(l.slopeBytesPerSecond)} (95 % CI ${perMin(l.slopeLow)} … ${perMin(l.slopeHigh)}, confidence ${fmtPct(l.confidence)}, ${l.gcCycles} GC cycles)`;
    case 'no_leak':
      return l.step ? 'no leak: a one-off step, not a trend' : `no leak (trend ${perMin(l.slopeBytesPerSecond)}, not significant; ${l.gcCycles} GC cycles)`;
    case 'insufficient_data':
      return `leak: not enough data (${l.samples} samples over ${l.spanSeconds.toFixed(0)} s, ${l.gcCycles} GC cycles; a verdict needs the whole run and 3 cycles)`;
  }
}

/** Rows of facts about the target: [label, value]. */
export function healthRows(h: TargetResult): [string, string][] {
  const rows: [string, string][] = [['Memory trend', leakText(h)]];
  if (h.memory !== null) {
    const m = h.memory;
    rows.push(['Memory', `${fmtBytes(m.startBytes)} → ${fmtBytes(m.endBytes)} (${m.endBytes >= m.startBytes ? '+' : ''}${fmtBytes(m.endBytes - m.startBytes)}), peak ${fmtBytes(m.maxBytes)}${m.limitBytes === undefined ? '' : ` of ${fmtBytes(m.limitBytes)}`}`]);
  }
  if (h.cpu !== null) rows.push(['CPU', `${fmtPct(h.cpu.avg)} of a core on average, peak ${fmtPct(h.cpu.max)}`]);
  if (h.cache !== null) rows.push(['Cache hit ratio', `${fmtPct(h.cache.hitRatio)}${h.cache.hits === undefined ? '' : ` (${h.cache.hits} hits, ${h.cache.misses ?? 0} misses)`} from ${h.cache.source}`]);
  for (const a of h.alerts) rows.push([`Alert ${a.alert}`, `${a.severity} ${a.state} at ${a.at}${a.summary === undefined ? '' : `: ${a.summary}`}`]);
  rows.push(['Sampled', `${h.samples} times from ${h.sources.join(', ')}${h.failedReads > 0 ? `; ${h.failedReads} failed reads (last: ${h.lastError ?? '?'})` : ''}`]);
  return rows;
}
