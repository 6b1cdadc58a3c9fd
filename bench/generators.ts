/**
 * The generators the benchmark compares, each run as its own pinned process and measured from
 * /proc: perfwarden as users run it (the built CLI, `node dist/cli.js load …`, whose worker
 * threads load `dist/load/worker/worker-entry.js`), wrk (C), autocannon (Node) and a bare `ws`
 * client loop. Each returns the same shape, so a scenario can put them side by side.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult } from '../src/load/result/result.js';
import type { Cores, Measured } from './proc.js';
import { cpuOver, runMeasured } from './proc.js';

/** One generator run. */
export interface GenRun {
  generator: string;
  requests: number;
  errors: number;
  rps: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Process CPU over its steady window, in cores (all threads). */
  cpuCores: number;
  /** The main thread's share of that, in cores. */
  mainCores: number;
  /** rps / cpuCores: requests per generator CPU-second. */
  perCpuSecond: number;
  maxRssMiB: number;
  /** perfwarden only: the result JSON. */
  result?: LoadResult;
  proc: Measured;
}

/** Where the benchmark runs from and writes each run's files. */
export interface GenContext {
  root: string;
  /** Ignored directory for this bench run's raw files. */
  outDir: string;
  cores: Cores;
}

let seq = 0;

/** Start-up inside the measured run (connections opening, JIT) kept out of the CPU window. */
const SETTLE_MS = 1000;
/** What a generator does after its load ended and before it exits (printing), kept out too. */
const TAIL_MS = 300;

/**
 * The steady window, wall clock: perfwarden's from its result (measurement start + 1 s to its
 * end); for the others, which exit right after their duration, the `seconds` before the exit
 * less the same start-up second and the exit's tail.
 */
function steadyWindow(proc: Measured, seconds: number, result?: LoadResult): [number, number] {
  if (result !== undefined) {
    const end = Date.parse(result.finishedAt);
    return [end - result.summary.durationSeconds * 1000 + SETTLE_MS, end - 100];
  }
  return [proc.exitedAt - seconds * 1000 + SETTLE_MS, proc.exitedAt - TAIL_MS];
}

function genRun(generator: string, proc: Measured, seconds: number, f: { requests: number; errors: number; rps: number; p50Ms: number | null; p99Ms: number | null; result?: LoadResult }): GenRun {
  const [from, to] = steadyWindow(proc, seconds, f.result);
  const cpu = cpuOver(proc.samples, from, to);
  return { generator, ...f, cpuCores: cpu.cpuCores, mainCores: cpu.mainCores, perCpuSecond: f.rps / cpu.cpuCores, maxRssMiB: proc.maxRssMiB, proc };
}

function failed(what: string, proc: Measured): Error {
  return new Error(`${what} exited ${String(proc.code)}: ${(proc.stderr || proc.stdout).trim().slice(-600)}`);
}

/** `perfwarden load ARGS` (built CLI); `--out` is added. Exit 0 expected (no thresholds). */
export async function perfwarden(ctx: GenContext, label: string, args: string[], onSample?: Parameters<typeof runMeasured>[2]['onSample']): Promise<GenRun> {
  const out = join(ctx.outDir, `perfwarden-${++seq}.json`);
  const proc = await runMeasured(process.execPath, ['dist/cli.js', 'load', ...args, '--out', out], { cores: ctx.cores, cwd: ctx.root, ...(onSample === undefined ? {} : { onSample }) });
  if (proc.code !== 0) throw failed(`perfwarden ${label}`, proc);
  const result = JSON.parse(readFileSync(out, 'utf8')) as LoadResult;
  return genRun(label, proc, result.summary.durationSeconds, { requests: result.summary.requests, errors: result.summary.errors, rps: result.summary.rps, p50Ms: result.latencyMs.p50, p99Ms: result.latencyMs.p99, result });
}

/** `wrk -tT -cN -dDs --latency URL` (T = 1 unless given). */
export async function wrk(ctx: GenContext, url: string, connections: number, seconds: number, threads = 1): Promise<GenRun> {
  const proc = await runMeasured('/usr/bin/wrk', [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', url], { cores: ctx.cores, cwd: ctx.root });
  if (proc.code !== 0) throw failed('wrk', proc);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(proc.stdout)?.[1] ?? Number.NaN);
  const requests = Number(/(\d+) requests in/.exec(proc.stdout)?.[1] ?? 0);
  const errors = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(proc.stdout)?.[1] ?? 0)
    + [...proc.stdout.matchAll(/(connect|read|write|timeout) (\d+)/g)].reduce((n, m) => n + Number(m[2]), 0);
  const ms = (label: string): number | null => {
    const m = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(proc.stdout);
    if (m === null) return null;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  return genRun(threads === 1 ? 'wrk' : `wrk -t${threads}`, proc, seconds, { requests, errors, rps, p50Ms: ms('50'), p99Ms: ms('99') });
}

/** `autocannon -c N -d D --json URL` (one process, no workers, pipelining 1). */
export async function autocannon(ctx: GenContext, url: string, connections: number, seconds: number): Promise<GenRun> {
  const bin = join(ctx.root, 'node_modules/autocannon/autocannon.js');
  const proc = await runMeasured(process.execPath, [bin, '-c', String(connections), '-d', String(seconds), '--json', url], { cores: ctx.cores, cwd: ctx.root });
  if (proc.code !== 0) throw failed('autocannon', proc);
  const r = JSON.parse(proc.stdout) as { requests: { total: number }; latency: { p50: number; p99: number }; errors: number; non2xx: number; duration: number };
  return genRun('autocannon', proc, seconds, { requests: r.requests.total, errors: r.errors + r.non2xx, rps: r.requests.total / r.duration, p50Ms: r.latency.p50, p99Ms: r.latency.p99 });
}

/** The bare `ws` client loop (bench/ws-echo-client.mjs): echo round trips on N connections. */
export async function wsClient(ctx: GenContext, url: string, connections: number, seconds: number): Promise<GenRun> {
  const proc = await runMeasured(process.execPath, ['bench/ws-echo-client.mjs', url, String(connections), String(seconds)], { cores: ctx.cores, cwd: ctx.root });
  if (proc.code !== 0) throw failed('ws client', proc);
  const r = JSON.parse(proc.stdout) as { roundTrips: number; errors: number; seconds: number; p50Ms: number; p99Ms: number };
  return genRun('bare ws client', proc, seconds, { requests: r.roundTrips, errors: r.errors, rps: r.roundTrips / r.seconds, p50Ms: r.p50Ms, p99Ms: r.p99Ms });
}

/** A bare open-model client (bench/open-floor-client.mjs): `rate` sends a second over pre-opened sockets, timed from the intended send. */
export async function openFloor(ctx: GenContext, origin: string, rate: number, seconds: number): Promise<GenRun & { p999Ms: number | null; maxMs: number | null; dropped: number }> {
  const proc = await runMeasured(process.execPath, ['bench/open-floor-client.mjs', origin, String(rate), String(seconds)], { cores: ctx.cores, cwd: ctx.root });
  if (proc.code !== 0) throw failed('open floor client', proc);
  const r = JSON.parse(proc.stdout) as { requests: number; dropped: number; errors: number; seconds: number; p50Ms: number | null; p99Ms: number | null; p999Ms: number | null; maxMs: number | null };
  const run = genRun('bare open-model client', proc, seconds, { requests: r.requests, errors: r.errors, rps: r.requests / r.seconds, p50Ms: r.p50Ms, p99Ms: r.p99Ms });
  return { ...run, p999Ms: r.p999Ms, maxMs: r.maxMs, dropped: r.dropped };
}

/** A bare TCP socket paced by `pauseMs` (bench/paced-socket-client.mjs); `spin` keeps its event loop busy between sends. */
export async function pacedSocket(ctx: GenContext, origin: string, pauseMs: number, seconds: number, spin: boolean): Promise<GenRun> {
  const proc = await runMeasured(process.execPath, ['bench/paced-socket-client.mjs', origin, String(pauseMs), String(seconds), ...(spin ? ['spin'] : [])], { cores: ctx.cores, cwd: ctx.root });
  if (proc.code !== 0) throw failed('paced socket', proc);
  const r = JSON.parse(proc.stdout) as { requests: number; errors: number; seconds: number; p50Ms: number | null; p99Ms: number | null };
  return genRun(spin ? 'bare socket, spinning' : 'bare socket', proc, seconds, { requests: r.requests, errors: r.errors, rps: r.requests / r.seconds, p50Ms: r.p50Ms, p99Ms: r.p99Ms });
}
