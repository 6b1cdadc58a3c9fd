/**
 * A target that answers after a fixed 20 ms (perfwarden's own demo target, `--latency 20ms`, in
 * its own pinned process): the closed model's p99 next to wrk's with the same connections, rounds
 * interleaved. Both should see ~20 ms plus the target's own tail; a larger perfwarden p99 would
 * be the generator's.
 */
import type { BenchContext } from '../context.js';
import { genOn, loadAverage, pinning } from '../context.js';
import { perfwarden, wrk } from '../generators.js';
import type { Section } from '../report.js';
import { fmt, median, ratio } from '../report.js';
import { MEDIAN_HEAD, interleave, medianRow, strip } from '../rounds.js';
import { startDemo } from '../targets.js';

/** Scenario `fixed`. */
export async function fixed(ctx: BenchContext): Promise<Section> {
  const loadBefore = loadAverage();
  const target = await startDemo(ctx.targetCores, ctx.root, ['--latency', '20ms']);
  const url = `${target.origin}/api/status`;
  const c = ctx.connections;
  const d = ctx.durationS;
  const gen = genOn(ctx);
  let runs;
  try {
    runs = await interleave(ctx, {
      perfwarden: () => perfwarden(gen, 'perfwarden', [url, '--vus', String(c), '--connections', String(c), '-d', `${d}s`, '--workers', '1']),
      wrk: () => wrk(gen, url, c, d),
    });
  } finally {
    await target.stop();
  }
  const pw = median(runs.perfwarden.map((r) => r.p99Ms ?? Number.NaN));
  const w = median(runs.wrk.map((r) => r.p99Ms ?? Number.NaN));
  const rounds = runs.perfwarden.map((r, i) => (r.p99Ms ?? Number.NaN) / (runs.wrk[i]?.p99Ms ?? Number.NaN));
  return {
    name: 'fixed', title: 'Fixed 20 ms target: closed-model p99 vs wrk', at: new Date().toISOString(), loadBefore, loadAfter: loadAverage(),
    setup: `${pinning(ctx)} Target: \`perfwarden demo --latency 20ms\` (built, its own process), GET /api/status. perfwarden \`load URL --vus ${c} --connections ${c} --workers 1 -d ${d}s\` vs \`wrk -t1 -c${c} -d${d}s --latency\`; ${ctx.rounds} interleaved rounds, medians.`,
    head: MEDIAN_HEAD,
    rows: [medianRow('perfwarden (1 worker)', runs.perfwarden), medianRow('wrk (1 thread)', runs.wrk)],
    checks: [{ goal: "p99 within 5 % of wrk's", measured: `${fmt(pw, 2)} vs ${fmt(w, 2)} ms: ${ratio(pw / w)} (rounds ${rounds.map(ratio).join(', ')})`, ok: Math.abs(pw / w - 1) <= 0.05 }],
    notes: [],
    raw: strip(runs),
  };
}
