/**
 * Soak (BENCH_SOAK=1): the open model at 5,000 req/s against nginx for BENCH_SOAK_SECONDS
 * (default 600), reported per minute from the result's time series (per-second windows whose
 * encoded histograms merge exactly into each minute's p99) and the process's RSS from /proc; a
 * closed one-VU run before and after gives the closed model's p99 against the same target, and a
 * bare open-model client (bench/open-floor-client.mjs, 60 s at the same rate, before and after)
 * the tail this machine leaves any open-model generator: its event loop waking late.
 *
 * Unless BENCH_KEEP_AWAKE=0, every CPU is kept out of halt from the first closed run to the last
 * (bench/keep-awake.ts: this VM wakes a halted vCPU milliseconds late), for every generator
 * alike; one more bare-client run before, with the CPUs left to halt, shows what that removes.
 */
import type { BenchContext } from '../context.js';
import { genOn, loadAverage, pinning } from '../context.js';
import type { GenRun } from '../generators.js';
import { openFloor, perfwarden } from '../generators.js';
import type { Sample } from '../proc.js';
import type { Section } from '../report.js';
import { fmt, median } from '../report.js';
import { round } from '../rounds.js';
import { createLatencyHistogram, decodeHistogram, summarize } from '../../src/load/window/histogram.js';
import { keepAwake } from '../keep-awake.js';
import { startNginx } from '../targets.js';

const RATE = 5000;
const MB = 1.048576; // MiB -> MB
/** Seconds of each bare open-model client run. */
const FLOOR_SECONDS = 60;

/** Scenario `soak`. */
export async function soak(ctx: BenchContext): Promise<Section> {
  const loadBefore = loadAverage();
  const target = await startNginx(ctx.targetCores, ctx.root);
  const url = `${target.origin}/`;
  const s = ctx.soakSeconds;
  const gen = genOn(ctx);
  const closedArgs = [url, '--vus', '1', '--connections', '1', '-d', `${ctx.durationS}s`, '--workers', '1'];
  const closed: GenRun[] = [];
  const floor: Awaited<ReturnType<typeof openFloor>>[] = [];
  const floorRun = async (when: string) => {
    const f = await openFloor(gen, target.origin, RATE, Math.min(FLOOR_SECONDS, s));
    ctx.log(`  bare open-model client ${when}: p99 ${fmt(f.p99Ms, 3)} ms, p99.9 ${fmt(f.p999Ms, 3)} ms, dropped ${fmt(f.dropped)}`);
    return f;
  };
  const samples: Sample[] = [];
  let run: GenRun;
  let halting: Awaited<ReturnType<typeof openFloor>> | undefined;
  let wake: (() => Promise<void>) | undefined;
  try {
    if (ctx.keepAwake) {
      halting = await floorRun('before, CPUs left to halt');
      wake = keepAwake(ctx.allCores, ctx.root);
    }
    closed.push(await perfwarden(gen, 'closed 1 VU', closedArgs));
    ctx.log(`  closed 1 VU before: p99 ${fmt(closed[0]?.p99Ms, 3)} ms`);
    floor.push(await floorRun('before'));
    ctx.log(`  soak ${RATE}/s for ${s} s …`);
    // Live, once a minute: the process's RSS and CPU from /proc (the latency per minute needs the result).
    let reported = 0;
    run = await perfwarden(gen, 'soak', [url, '--rate', String(RATE), '-d', `${s}s`, '--workers', '1', '--max-duration', `${s + 60}s`], (x) => {
      samples.push(x);
      const first = samples[0];
      if (first === undefined || x.wall - first.wall < (reported + 1) * 60_000) return;
      reported++;
      const prev = samples.find((y) => y.wall >= x.wall - 60_000) ?? first;
      ctx.log(`  minute ${reported}: RSS ${fmt(x.rssMiB * MB)} MB, process CPU ${fmt((x.cpuSeconds - prev.cpuSeconds) / ((x.wall - prev.wall) / 1000), 2)} cores`);
    });
    closed.push(await perfwarden(gen, 'closed 1 VU', closedArgs));
    ctx.log(`  closed 1 VU after: p99 ${fmt(closed[1]?.p99Ms, 3)} ms`);
    floor.push(await floorRun('after'));
  } finally {
    await wake?.();
    await target.stop();
  }
  const result = run.result;
  if (result === undefined) throw new Error('the soak run left no result');
  const start = Date.parse(result.finishedAt) - result.summary.durationSeconds * 1000;
  const rssAt = (sec: number): number | undefined => samples.filter((x) => x.wall <= start + sec * 1000).at(-1)?.rssMiB;
  const minutes = Math.ceil(result.summary.durationSeconds / 60 - 1e-9);
  const rows: string[][] = [];
  const perMinute: unknown[] = [];
  for (let m = 0; m < minutes; m++) {
    const points = result.timeSeries.filter((p) => p.t >= m * 60 && p.t < (m + 1) * 60);
    // The series' last point can be a sliver past the end (the run's final milliseconds): not a minute.
    if (points.reduce((n, p) => n + p.width, 0) < 1) continue;
    const h = createLatencyHistogram();
    for (const p of points) if (p.histogram !== null) h.add(decodeHistogram(p.histogram));
    const lat = summarize(h);
    const secs = points.reduce((n, p) => n + p.width, 0);
    const reqs = points.reduce((n, p) => n + p.requests, 0);
    const sat = points.filter((p) => p.saturated).reduce((n, p) => n + p.width, 0);
    const rss = rssAt((m + 1) * 60) ?? samples.at(-1)?.rssMiB;
    const cpu = secs > 0 ? points.reduce((n, p) => n + p.cpuPercent * p.width, 0) / secs : Number.NaN;
    rows.push([`${m + 1}`, fmt(reqs / secs), fmt(lat.p50, 3), fmt(lat.p99, 3), fmt(lat.p999, 3), fmt(lat.max, 1), fmt(sat, 1), fmt(Math.max(...points.map((p) => p.lagMs)), 1), fmt(cpu), fmt((rss ?? Number.NaN) * MB)]);
    perMinute.push({ minute: m + 1, rps: round(reqs / secs, 1), p50Ms: lat.p50, p99Ms: lat.p99, p999Ms: lat.p999, maxMs: lat.max, saturatedSeconds: round(sat, 2), rssMB: round((rss ?? Number.NaN) * MB, 1), cpuPercent: round(cpu, 1) });
  }
  const rss1 = rssAt(60) ?? Number.NaN;
  const after = samples.filter((x) => x.wall > start + 60_000).map((x) => x.rssMiB);
  const maxAfter = after.length === 0 ? Number.NaN : Math.max(...after);
  const growth = (maxAfter / rss1 - 1) * 100;
  const maxRss = Math.max(...samples.map((x) => x.rssMiB)) * MB;
  const closedP99 = median(closed.map((r) => r.p99Ms ?? Number.NaN));
  const p99 = result.latencyMs.p99;
  const achieved = result.summary.iterations / s;
  const short = s < 600 ? ` (shortened: BENCH_SOAK_SECONDS=${s}; the issue's soak is 600 s)` : '';
  return {
    name: 'soak', title: `Soak: open model ${fmt(RATE)} req/s against nginx for ${fmt(s)} s${short}`, at: new Date().toISOString(), loadBefore, loadAfter: loadAverage(),
    setup: `${pinning(ctx)} ${ctx.keepAwake ? 'Every CPU kept out of halt throughout (a SCHED_IDLE busy loop each: bench/keep-awake.ts; BENCH_KEEP_AWAKE=0 to let them halt; the load average after counts those loops). ' : 'CPUs left to halt (BENCH_KEEP_AWAKE=0). '}perfwarden \`load URL --rate ${RATE} -d ${s}s --workers 1\`; per minute from the result's time series (histograms merged) and /proc RSS; closed model = \`--vus 1 --connections 1 -d ${ctx.durationS}s\` before and after.`,
    head: ['minute', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'saturated s (points flagged, by width)', 'max lag ms', 'worker CPU %', 'RSS MB (end of minute)'],
    rows,
    checks: [
      { goal: 'rate held within ±1 %', measured: `${fmt(achieved, 1)}/s (${((achieved / RATE - 1) * 100).toFixed(2)} %), dropped ${fmt(result.summary.droppedIterations)}`, ok: Math.abs(achieved / RATE - 1) <= 0.01 },
      { goal: 'RSS growth after the first minute < 5 %', measured: `${fmt(rss1 * MB)} MB at 1 min -> max ${fmt(maxAfter * MB)} MB (${growth >= 0 ? '+' : ''}${fmt(growth, 1)} %)`, ok: Number.isNaN(growth) ? null : growth < 5 },
      { goal: 'RSS <= 150 MB', measured: `max ${fmt(maxRss)} MB`, ok: maxRss <= 150 },
      { goal: 'no second flagged generator-saturated', measured: `${fmt(result.generator.saturatedSeconds, 1)} s (max event-loop lag ${fmt(result.generator.maxEventLoopLagMs, 1)} ms)`, ok: result.generator.saturatedSeconds === 0 },
      { goal: "p99 within 1 ms of the closed model's p99 (1 VU, same target)", measured: `${fmt(p99, 3)} vs ${fmt(closedP99, 3)} ms (${closed.map((r) => fmt(r.p99Ms, 3)).join(', ')})`, ok: Math.abs(p99 - closedP99) <= 1 },
    ],
    notes: [
      `Overall: p50 ${fmt(result.latencyMs.p50, 3)} ms, p99 ${fmt(p99, 3)} ms, p99.9 ${fmt(result.latencyMs.p999, 3)} ms, max ${fmt(result.latencyMs.max, 1)} ms; generator ${fmt(run.cpuCores, 2)} cores (process).`,
      `Reference: a bare open-model client (bench/open-floor-client.mjs: plain Node, ${fmt(RATE)}/s over 256 pre-opened sockets, timed from the intended send, ${Math.min(FLOOR_SECONDS, s)} s before and after the soak) saw p99 ${floor.map((f) => fmt(f.p99Ms, 3)).join(' / ')} ms, p99.9 ${floor.map((f) => fmt(f.p999Ms, 3)).join(' / ')} ms, max ${floor.map((f) => fmt(f.maxMs, 1)).join(' / ')} ms, dropped ${floor.map((f) => fmt(f.dropped)).join(' / ')}: the tail this machine leaves any open-model generator at this rate. The same work at a higher worker CPU % in a minute means the host gave the VM less that minute.`,
      ...(halting === undefined ? [] : [`The same bare client with the CPUs left to halt, just before: p99 ${fmt(halting.p99Ms, 3)} ms, p99.9 ${fmt(halting.p999Ms, 3)} ms, max ${fmt(halting.maxMs, 1)} ms, dropped ${fmt(halting.dropped)}: what keeping them awake removes.`]),
    ],
    raw: { perMinute, closedP99Ms: closed.map((r) => r.p99Ms), floor: floor.map((f) => ({ p50Ms: f.p50Ms, p99Ms: f.p99Ms, p999Ms: f.p999Ms, maxMs: f.maxMs, dropped: f.dropped, requests: f.requests })), keptAwake: ctx.keepAwake, floorHalting: halting === undefined ? null : { p50Ms: halting.p50Ms, p99Ms: halting.p99Ms, p999Ms: halting.p999Ms, maxMs: halting.maxMs, dropped: halting.dropped }, overall: result.latencyMs, generator: result.generator, rssMB: samples.filter((_, i) => i % 4 === 0).map((x) => round(x.rssMiB * MB, 1)) },
  };
}
