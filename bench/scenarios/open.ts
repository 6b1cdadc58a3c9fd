/**
 * Open model against nginx: the achieved arrival rate vs the requested one at 1k-40k req/s (with
 * nginx's own CPU measured, so a target that saturates its core is reported as the machine's
 * limit rather than as the generator's miss), and the latency the open model adds: p50 at 200
 * req/s vs the closed model's p50 with one VU (back to back, so target and generator never idle),
 * and vs one VU paced by a 5 ms think time (idle between requests like the open model at 200/s, so
 * both pay the wake-ups of an idle target and generator), and vs a bare TCP socket paced the same
 * way, idle and spinning between sends (the floor any generator has on this machine). Rounds
 * interleave every run.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../context.js';
import { genOn, loadAverage, pinning } from '../context.js';
import type { GenRun } from '../generators.js';
import { pacedSocket, perfwarden } from '../generators.js';
import type { Check, Section } from '../report.js';
import { fmt, median } from '../report.js';
import { serviceCpu, sleep } from '../proc.js';
import { round } from '../rounds.js';
import { startNginx } from '../targets.js';

const RATES = [1000, 5000, 10_000, 20_000, 40_000];
/** nginx's worker at or above this share of its core is the bottleneck, not the generator. */
const TARGET_SATURATED = 0.9;
/** A generator that got less than this share of its pinned core while missing its rate was starved by other jobs. */
const STARVED = 0.8;

interface RateRun {
  rate: number;
  achieved: number;
  errorPct: number;
  dropped: number;
  targetCores: number;
  run: GenRun;
}

/** Scenario `open`. */
export async function open(ctx: BenchContext): Promise<Section> {
  const loadBefore = loadAverage();
  const target = await startNginx(ctx.targetCores, ctx.root);
  const url = `${target.origin}/`;
  const d = Math.max(4, Math.round(ctx.durationS * 0.4));
  const gen = genOn(ctx);
  const byRate = new Map<number, RateRun[]>(RATES.map((r) => [r, []]));
  const warm: RateRun[] = [];
  const lat = { open: [] as GenRun[], closed: [] as GenRun[], paced: [] as GenRun[], socket: [] as GenRun[], spin: [] as GenRun[] };
  const paced = join(ctx.outDir, 'open-paced.yaml');
  writeFileSync(paced, `loads:\n  - { name: paced, url: "${target.origin}", vus: 1, connections: 1, thinkTime: 5ms, duration: ${d}s, workers: 1, scenarios: [{ name: get, requests: [{ path: / }] }] }\n`);
  try {
    for (let round_ = 0; round_ < ctx.rounds; round_++) {
      const order = round_ % 2 === 0 ? RATES : [...RATES].reverse();
      for (const rate of order) {
        const cpu0 = serviceCpu(target);
        const t0 = performance.now();
        const run = await perfwarden(gen, `open ${rate}/s`, [url, '--rate', String(rate), '-d', `${d}s`, '--workers', '1']);
        const targetCores = (serviceCpu(target) - cpu0) / (run.result?.summary.durationSeconds ?? (performance.now() - t0) / 1000);
        const iterations = run.result?.summary.iterations ?? 0;
        const achieved = iterations / d;
        const r = { rate, achieved, errorPct: (achieved / rate - 1) * 100, dropped: run.result?.summary.droppedIterations ?? 0, targetCores, run };
        byRate.get(rate)?.push(r);
        ctx.log(`  round ${round_ + 1} ${rate}/s: achieved ${fmt(achieved)}/s (${r.errorPct.toFixed(2)} %), dropped ${r.dropped}, p50 ${fmt(run.p50Ms, 3)} ms, p99 ${fmt(run.p99Ms, 3)} ms, generator ${fmt(run.cpuCores, 2)} cores, nginx ${fmt(targetCores, 2)} cores, saturated ${run.result?.generator.saturatedSeconds ?? '-'} s`);
        await sleep(300);
      }
      // The top rate again after a 1 s warmup (`--warmup`, measured from its end): a fresh process's
      // first second runs cold code (JIT, young heap growing), which the rows above include.
      const top = RATES[RATES.length - 1]!;
      const run = await perfwarden(gen, `open ${top}/s, warmup 1s`, [url, '--rate', String(top), '-d', `${d}s`, '--warmup', '1s', '--workers', '1']);
      const achieved = (run.result?.summary.iterations ?? 0) / d;
      warm.push({ rate: top, achieved, errorPct: (achieved / top - 1) * 100, dropped: run.result?.summary.droppedIterations ?? 0, targetCores: Number.NaN, run });
      ctx.log(`  round ${round_ + 1} ${top}/s after a 1 s warmup: achieved ${fmt(achieved)}/s, dropped ${run.result?.summary.droppedIterations ?? 0}, p99 ${fmt(run.p99Ms, 3)} ms`);
      await sleep(300);
      for (const kind of round_ % 2 === 0 ? (['open', 'closed', 'paced', 'socket', 'spin'] as const) : (['spin', 'socket', 'paced', 'closed', 'open'] as const)) {
        const args = kind === 'paced' ? [paced] : [url, ...(kind === 'open' ? ['--rate', '200'] : ['--vus', '1', '--connections', '1']), '-d', `${d}s`, '--workers', '1'];
        const run = kind === 'socket' || kind === 'spin' ? await pacedSocket(gen, target.origin, 5, d, kind === 'spin') : await perfwarden(gen, kind, args);
        lat[kind].push(run);
        ctx.log(`  round ${round_ + 1} ${kind}: p50 ${fmt(run.p50Ms, 3)} ms, p99 ${fmt(run.p99Ms, 3)} ms, ${fmt(run.rps)} req/s`);
        await sleep(300);
      }
    }
  } finally {
    await target.stop();
  }
  const rows: string[][] = [];
  const checks: Check[] = [];
  let limit: number | undefined;
  const starved: number[] = [];
  for (const rate of RATES) {
    const runs = byRate.get(rate) ?? [];
    const err = median(runs.map((r) => r.errorPct));
    const nginx = median(runs.map((r) => r.targetCores));
    const saturated = nginx >= TARGET_SATURATED;
    if (saturated) limit = Math.min(limit ?? Infinity, median(runs.map((r) => r.achieved)));
    else if (Math.abs(err) > 1 && median(runs.map((r) => r.run.cpuCores)) < STARVED) starved.push(rate);
    rows.push([
      `${fmt(rate)}/s`, fmt(median(runs.map((r) => r.achieved))), `${err >= 0 ? '+' : ''}${err.toFixed(2)} %`, runs.map((r) => `${r.errorPct.toFixed(2)} %`).join(', '),
      fmt(median(runs.map((r) => r.dropped))), fmt(median(runs.map((r) => r.run.p50Ms ?? Number.NaN)), 3), fmt(median(runs.map((r) => r.run.p99Ms ?? Number.NaN)), 3),
      fmt(median(runs.map((r) => r.run.cpuCores)), 2), fmt(nginx, 2), fmt(median(runs.map((r) => r.run.result?.generator.saturatedSeconds ?? Number.NaN)), 0),
    ]);
    checks.push({ goal: `${fmt(rate)}/s achieved within ±1 %`, measured: `${err >= 0 ? '+' : ''}${err.toFixed(2)} %${saturated ? ` — nginx at ${fmt(nginx, 2)} of its core: the machine's limit` : ''}`, ok: Math.abs(err) <= 1 ? true : saturated ? null : false });
  }
  const warmErr = median(warm.map((r) => r.errorPct));
  rows.push([
    `${fmt(RATES[RATES.length - 1]!)}/s after a 1 s warmup`, fmt(median(warm.map((r) => r.achieved))), `${warmErr >= 0 ? '+' : ''}${warmErr.toFixed(2)} %`, warm.map((r) => `${r.errorPct.toFixed(2)} %`).join(', '),
    fmt(median(warm.map((r) => r.dropped))), fmt(median(warm.map((r) => r.run.p50Ms ?? Number.NaN)), 3), fmt(median(warm.map((r) => r.run.p99Ms ?? Number.NaN)), 3),
    fmt(median(warm.map((r) => r.run.cpuCores)), 2), '', fmt(median(warm.map((r) => r.run.result?.generator.saturatedSeconds ?? Number.NaN)), 0),
  ]);
  const p50Open = median(lat.open.map((r) => r.p50Ms ?? Number.NaN));
  const p50Closed = median(lat.closed.map((r) => r.p50Ms ?? Number.NaN));
  const diff = p50Open - p50Closed;
  checks.push({ goal: 'p50 at 200 req/s within 0.1 ms of the closed 1-VU p50', measured: `${fmt(p50Open, 3)} vs ${fmt(p50Closed, 3)} ms (${diff >= 0 ? '+' : ''}${diff.toFixed(3)} ms)`, ok: Math.abs(diff) <= 0.1 });
  rows.push(['200/s (latency run)', fmt(median(lat.open.map((r) => r.rps))), '', '', fmt(median(lat.open.map((r) => r.result?.summary.droppedIterations ?? 0))), fmt(p50Open, 3), fmt(median(lat.open.map((r) => r.p99Ms ?? Number.NaN)), 3), fmt(median(lat.open.map((r) => r.cpuCores)), 2), '', '']);
  rows.push(['closed, 1 VU', fmt(median(lat.closed.map((r) => r.rps))), '', '', '', fmt(p50Closed, 3), fmt(median(lat.closed.map((r) => r.p99Ms ?? Number.NaN)), 3), fmt(median(lat.closed.map((r) => r.cpuCores)), 2), '', '']);
  const p50Paced = median(lat.paced.map((r) => r.p50Ms ?? Number.NaN));
  rows.push(['closed, 1 VU, thinkTime 5ms', fmt(median(lat.paced.map((r) => r.rps))), '', '', '', fmt(p50Paced, 3), fmt(median(lat.paced.map((r) => r.p99Ms ?? Number.NaN)), 3), fmt(median(lat.paced.map((r) => r.cpuCores)), 2), '', '']);
  const p50Socket = median(lat.socket.map((r) => r.p50Ms ?? Number.NaN));
  const p50Spin = median(lat.spin.map((r) => r.p50Ms ?? Number.NaN));
  for (const [name, runs] of [['bare socket, 5 ms pause', lat.socket], ['bare socket, 5 ms pause, spinning', lat.spin]] as const) {
    rows.push([name, fmt(median(runs.map((r) => r.rps))), '', '', '', fmt(median(runs.map((r) => r.p50Ms ?? Number.NaN)), 3), fmt(median(runs.map((r) => r.p99Ms ?? Number.NaN)), 3), fmt(median(runs.map((r) => r.cpuCores)), 2), '', '']);
  }
  return {
    name: 'open', title: 'Open model: achieved vs requested rate, and the latency it adds', at: new Date().toISOString(), loadBefore, loadAfter: loadAverage(),
    setup: `${pinning(ctx)} perfwarden \`load URL --rate R -d ${d}s --workers 1\` (connections sized by the engine); achieved = iterations / ${d} s; ${ctx.rounds} rounds (rates ascending, then descending), medians.`,
    head: ['requested', 'achieved/s', 'error', 'per round', 'dropped', 'p50 ms', 'p99 ms', 'generator (cores)', 'nginx (cores)', 'saturated s'],
    rows, checks,
    notes: [
      `Reference for the p50 goal: one VU paced by a 5 ms think time (idle between requests, as at 200/s) has p50 ${fmt(p50Paced, 3)} ms (rounds ${lat.paced.map((r) => fmt(r.p50Ms, 3)).join(', ')}); the open model at 200/s ${fmt(p50Open, 3)} ms (rounds ${lat.open.map((r) => fmt(r.p50Ms, 3)).join(', ')}), back-to-back 1 VU ${fmt(p50Closed, 3)} ms (rounds ${lat.closed.map((r) => fmt(r.p50Ms, 3)).join(', ')}). The gap to the paced run is what the open model itself adds; the rest is waking an idle target and generator. A bare TCP socket paced the same way (bench/paced-socket-client.mjs) has p50 ${fmt(p50Socket, 3)} ms idle between sends and ${fmt(p50Spin, 3)} ms spinning (rounds ${lat.socket.map((r) => fmt(r.p50Ms, 3)).join(', ')} / ${lat.spin.map((r) => fmt(r.p50Ms, 3)).join(', ')}): what nginx takes to wake on this machine, below which no paced generator goes.`,
      ...(limit === undefined ? [] : [`nginx's one worker reached its core at about ${fmt(limit)} req/s here: rates above that measure the target, not the generator.`]),
      ...(starved.length === 0 ? [] : [`At ${starved.map((r) => `${fmt(r)}/s`).join(', ')} the generator missed the rate with less than ${fmt(STARVED, 1)} of its pinned core (the core was shared with other jobs; the load average is above) and nginx was not saturated either: those misses measure the CPU the generator did not get.`]),
    ],
    raw: {
      rates: Object.fromEntries([...byRate].map(([rate, rs]) => [rate, rs.map((r) => ({ achieved: round(r.achieved, 1), errorPct: round(r.errorPct, 3), dropped: r.dropped, targetCores: round(r.targetCores, 3), generatorCores: round(r.run.cpuCores, 3), p50Ms: r.run.p50Ms, p99Ms: r.run.p99Ms, saturatedSeconds: r.run.result?.generator.saturatedSeconds }))])),
      warm: warm.map((r) => ({ rate: r.rate, achieved: round(r.achieved, 1), errorPct: round(r.errorPct, 3), dropped: r.dropped, p99Ms: r.run.p99Ms })),
      p50: { open200: lat.open.map((r) => r.p50Ms), closed1: lat.closed.map((r) => r.p50Ms), paced1: lat.paced.map((r) => r.p50Ms), socket: lat.socket.map((r) => r.p50Ms), socketSpin: lat.spin.map((r) => r.p50Ms) },
    },
  };
}
