/**
 * Closed model, 50 connections against nginx: perfwarden (one worker thread) vs wrk (one thread)
 * vs autocannon, rounds interleaved with the order rotated each round; requests per generator
 * CPU-second compared (median of the rounds).
 */
import type { BenchContext } from '../context.js';
import { genOn, loadAverage, pinning } from '../context.js';
import { autocannon, perfwarden, wrk } from '../generators.js';
import type { Section } from '../report.js';
import { fmt, median, ratio } from '../report.js';
import { MEDIAN_HEAD, interleave, medianRow, perRoundRatios, strip } from '../rounds.js';
import { startNginx } from '../targets.js';

/** Scenario `closed`. */
export async function closed(ctx: BenchContext): Promise<Section> {
  const loadBefore = loadAverage();
  const target = await startNginx(ctx.targetCores, ctx.root);
  const url = `${target.origin}/`;
  const c = ctx.connections;
  const d = ctx.durationS;
  const gen = genOn(ctx);
  let runs;
  try {
    runs = await interleave(ctx, {
      perfwarden: () => perfwarden(gen, 'perfwarden', [url, '--vus', String(c), '--connections', String(c), '-d', `${d}s`, '--workers', '1']),
      wrk: () => wrk(gen, url, c, d),
      autocannon: () => autocannon(gen, url, c, d),
    });
  } finally {
    await target.stop();
  }
  const pw = median(runs.perfwarden.map((r) => r.perCpuSecond));
  const vsWrk = pw / median(runs.wrk.map((r) => r.perCpuSecond));
  const vsAc = pw / median(runs.autocannon.map((r) => r.perCpuSecond));
  const mainShare = median(runs.perfwarden.map((r) => r.mainCores / r.cpuCores));
  return {
    name: 'closed', title: `Closed model: ${c} connections against nginx`, at: new Date().toISOString(), loadBefore, loadAfter: loadAverage(),
    setup: `${pinning(ctx)} perfwarden \`load URL --vus ${c} --connections ${c} --workers 1 -d ${d}s\` (built CLI), \`wrk -t1 -c${c}\`, \`autocannon -c ${c}\`; ${ctx.rounds} interleaved rounds (order rotated), medians; CPU = the whole process (all threads) over its steady window (the run less its first second and its exit).`,
    head: MEDIAN_HEAD,
    rows: [medianRow('perfwarden (1 worker)', runs.perfwarden), medianRow('wrk (1 thread)', runs.wrk), medianRow('autocannon', runs.autocannon)],
    checks: [
      { goal: 'requests per CPU-second >= 0.85× wrk', measured: `${ratio(vsWrk)} (rounds ${perRoundRatios(runs.perfwarden, runs.wrk).map(ratio).join(', ')})`, ok: vsWrk >= 0.85 },
      { goal: 'requests per CPU-second >= 1.5× autocannon', measured: `${ratio(vsAc)} (rounds ${perRoundRatios(runs.perfwarden, runs.autocannon).map(ratio).join(', ')})`, ok: vsAc >= 1.5 },
    ],
    notes: [`perfwarden's main thread (merging the worker's windows, progress) used ${fmt(mainShare * 100)} % of its process's CPU in the steady window (median); the rest is the load worker, GC and libuv threads. autocannon reports whole milliseconds.`],
    raw: strip(runs),
  };
}
