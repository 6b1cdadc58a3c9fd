/**
 * `workers: 1` vs `workers: 2` against the same nginx, the generator allowed on both cores:
 * throughput, requests per CPU-second (the efficiency of splitting a run across threads), and the
 * per-thread CPU the result reports (`generator.threads`), so the work is seen on two threads.
 * wrk with one and two threads runs in the same rounds: what splitting costs wrk on this machine
 * (fewer events per wake-up, a thread sharing nginx's core) is the reference for ours.
 */
import type { BenchContext } from '../context.js';
import { genOn, loadAverage, pinning } from '../context.js';
import type { GenRun } from '../generators.js';
import { perfwarden, wrk } from '../generators.js';
import type { Section } from '../report.js';
import { fmt, median, ratio } from '../report.js';
import { interleave, perRoundRatios, strip } from '../rounds.js';
import { startNginx } from '../targets.js';

function threads(r: GenRun): string {
  return (r.result?.generator.threads ?? []).map((t) => `w${t.worker} ${fmt(t.cpuSeconds, 1)} s / ${fmt(t.requests / 1000)}k req`).join(' + ');
}

function row(name: string, runs: GenRun[]): string[] {
  const mid = runs.find((r) => r.perCpuSecond === median(runs.map((x) => x.perCpuSecond))) ?? runs[0];
  return [
    name,
    fmt(median(runs.map((r) => r.rps))),
    fmt(median(runs.map((r) => r.cpuCores)), 2),
    runs[0]?.result === undefined ? '-' : fmt(median(runs.map((r) => r.mainCores)), 2),
    fmt(median(runs.map((r) => r.perCpuSecond))),
    runs.map((r) => fmt(r.perCpuSecond)).join(', '),
    mid?.result === undefined ? '-' : threads(mid),
    fmt(median(runs.map((r) => r.p99Ms ?? Number.NaN)), 3),
  ];
}

/** Scenario `workers`. */
export async function workers(ctx: BenchContext): Promise<Section> {
  const loadBefore = loadAverage();
  const target = await startNginx(ctx.targetCores, ctx.root);
  const url = `${target.origin}/`;
  const c = ctx.connections;
  const d = ctx.durationS;
  const gen = genOn(ctx, ctx.allCores);
  const args = (w: number): string[] => [url, '--vus', String(c), '--connections', String(c), '-d', `${d}s`, '--workers', String(w)];
  let runs;
  try {
    runs = await interleave(ctx, {
      'workers 1': () => perfwarden(gen, 'workers 1', args(1)),
      'workers 2': () => perfwarden(gen, 'workers 2', args(2)),
      'wrk -t1': () => wrk(gen, url, c, d, 1),
      'wrk -t2': () => wrk(gen, url, c, d, 2),
    });
  } finally {
    await target.stop();
  }
  const eff = median(runs['workers 2'].map((r) => r.perCpuSecond)) / median(runs['workers 1'].map((r) => r.perCpuSecond));
  const two = runs['workers 2'].every((r) => (r.result?.generator.threads ?? []).filter((t) => t.requests > 0 && t.cpuSeconds > 0).length === 2);
  const wrkEff = median(runs['wrk -t2'].map((r) => r.perCpuSecond)) / median(runs['wrk -t1'].map((r) => r.perCpuSecond));
  const speed = median(runs['workers 2'].map((r) => r.rps)) / median(runs['workers 1'].map((r) => r.rps));
  return {
    name: 'workers', title: 'Worker threads: `workers: 1` vs `workers: 2`', at: new Date().toISOString(), loadBefore, loadAfter: loadAverage(),
    setup: `${pinning(ctx, ctx.allCores)} (nginx shares CPU 0 with the generator here: a 2-core machine has no third core). perfwarden \`load URL --vus ${c} --connections ${c} -d ${d}s --workers N\`; ${ctx.rounds} interleaved rounds, medians.`,
    head: ['run', 'req/s', 'process CPU (cores)', 'main thread (cores)', 'req per CPU-s', 'per round', 'per thread (median round): CPU / requests', 'p99 ms'],
    rows: [row('workers: 1', runs['workers 1']), row('workers: 2', runs['workers 2']), row('wrk -t1', runs['wrk -t1']), row('wrk -t2', runs['wrk -t2'])],
    checks: [
      { goal: 'workers: 2 requests per CPU-second >= 0.9× workers: 1', measured: `${ratio(eff)} (rounds ${perRoundRatios(runs['workers 2'], runs['workers 1']).map(ratio).join(', ')})`, ok: eff >= 0.9 },
      { goal: 'the work visibly on two threads (both workers with CPU and requests)', measured: two ? 'yes, every round' : 'no', ok: two },
    ],
    notes: [
      `Throughput workers 2 / workers 1: ${ratio(speed)} (nginx is one worker process and shares CPU 0 with the generator).`,
      `The same split costs wrk: wrk -t2 / wrk -t1 requests per CPU-second ${ratio(wrkEff)} (rounds ${perRoundRatios(runs['wrk -t2'], runs['wrk -t1']).map(ratio).join(', ')}).`,
    ],
    raw: strip(runs),
  };
}
