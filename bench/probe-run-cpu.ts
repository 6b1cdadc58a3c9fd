/**
 * CPU time per HTTP probe run, in-process: the figure behind the daemon's CPU at 1,000 probes
 * (README, "The CPU is the probes'"). One probe runs against a plain (then a TLS) target in its
 * own process, ten runs in flight at a time, after a warm-up; user + system CPU of this process
 * per run. CPU time rather than wall time because the machines it runs on are shared; pin it to
 * one core and compare checkouts side by side, alternating:
 *
 *   taskset -c 1 npx tsx bench/probe-run-cpu.ts [--runs 3000] [--tls-runs 1000] [--pace 10] [--floor]
 *
 * `--pace <ms>` starts one run every <ms> instead of ten at a time: the daemon's pattern (1,000
 * probes every 10 s are one run every 10 ms), in which a run costs two to three times its CPU in
 * a tight loop (README, "Where a probe run's CPU goes"). It also prints the runs' latency.
 *
 * `--floor` adds the same exchange over a bare `net.Socket` (look-up, connect, one write, read to the
 * server's close, nothing parsed, stored or timed beyond the wall clock): what any Node client
 * pays per fresh connection at that pace on this machine, the floor under the probe's figure.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfigText } from '../src/config/load-config.js';
import { buildProbeRunners } from '../src/probe/build-probes.js';
import { newTraceContext } from '../src/probe/trace-context.js';
import { selfSignedCert } from '../test/probe/http-fixtures.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '3000' }, 'tls-runs': { type: 'string', default: '1000' }, pace: { type: 'string' }, floor: { type: 'boolean', default: false } } });
const PACE_MS = args.pace === undefined ? undefined : Number(args.pace);

/** A target answering "ok" in its own process (its CPU is not ours); resolves with its port. */
async function startTarget(tls: { key: string; cert: string } | undefined): Promise<{ port: number; stop: () => void }> {
  const server = tls === undefined
    ? "require('http').createServer((q, r) => r.end('ok'))"
    : "require('https').createServer(JSON.parse(process.env.PW_BENCH_TLS), (q, r) => r.end('ok'))";
  const child = spawn(process.execPath, ['-e', `${server}.listen(0, '127.0.0.1', function () { console.log(this.address().port) })`], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PW_BENCH_TLS: JSON.stringify(tls ?? {}) },
  });
  const port = await new Promise<number>((resolve) => child.stdout?.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  return { port, stop: () => child.kill() };
}

/** Starts one run every `ms` (a timer per run, as the daemon's scheduler); resolves when all `runs` are done. */
function paced(one: () => Promise<void>, runs: number, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const started: Promise<void>[] = [];
    const tick = (): void => {
      started.push(one());
      if (started.length < runs) setTimeout(tick, ms);
      else Promise.all(started).then(() => resolve(), reject);
    };
    tick();
  });
}

/**
 * µs of CPU per run over `runs` runs, ten at a time (or one every `PACE_MS`), after 500 warm-up
 * runs; with the runs' latency (ms) at the median and p99.
 */
async function cpuPerRun(run: () => Promise<{ ok: boolean; ms: number }>, runs: number): Promise<{ cpuUsPerRun: number; userUs: number; sysUs: number; failures: number; latencyMs: { p50: number; p99: number } }> {
  let failures = 0;
  const latencies: number[] = [];
  const one = async () => {
    const r = await run();
    if (!r.ok) failures++;
    latencies.push(r.ms);
  };
  const batch = () => Promise.all(Array.from({ length: 10 }, one));
  for (let i = 0; i < 50; i++) await batch();
  failures = 0;
  latencies.length = 0;
  const c0 = process.cpuUsage();
  if (PACE_MS === undefined) for (let i = 0; i < runs / 10; i++) await batch();
  else await paced(one, runs, PACE_MS);
  const c = process.cpuUsage(c0);
  const round = (us: number) => Math.round((us / runs) * 10) / 10;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round((latencies[Math.ceil(q * latencies.length) - 1] ?? NaN) * 100) / 100;
  return { cpuUsPerRun: round(c.user + c.system), userUs: round(c.user), sysUs: round(c.system), failures, latencyMs: { p50: at(0.5), p99: at(0.99) } };
}

/** One GET over a fresh bare socket, read until the server closes: no parser, no timeline, no result. */
function bareRun(port: number): Promise<{ ok: boolean; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let ok = false;
    const socket = connect({ host: 'localhost', port, noDelay: true }, () => socket.write(`GET /p HTTP/1.1\r\nhost: localhost:${port}\r\nconnection: close\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => { ok ||= chunk.includes('\r\n\r\n'); });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ ok, ms: performance.now() - t0 }));
  });
}

async function measure(scheme: 'http' | 'https', runs: number, tls?: { key: string; cert: string }): Promise<void> {
  const target = await startTarget(tls);
  try {
    const config = loadConfigText(`probes:\n  - { name: p, type: http, every: 10s, http: { url: "${scheme}://localhost:${target.port}/p", timeout: 5s, tlsVerify: false } }\n`, 'bench.yaml');
    const [probe] = buildProbeRunners(config, new Map());
    if (probe === undefined) throw new Error('no probe built');
    const probeRun = async () => {
      const r = await probe.run({ traceContext: newTraceContext() });
      return { ok: r.ok, ms: r.durationSeconds * 1000 };
    };
    const line = (client: string, figures: object) => console.log(JSON.stringify({ scheme, client, runs, ...(PACE_MS === undefined ? {} : { paceMs: PACE_MS }), loadavg: loadavg().map((l) => l.toFixed(2)).join(' '), ...figures }));
    line('perfwarden', await cpuPerRun(probeRun, runs));
    if (args.floor === true && scheme === 'http') line('bare net.Socket', await cpuPerRun(() => bareRun(target.port), runs));
  } finally {
    target.stop();
  }
}

await measure('http', Number(args.runs));
const tlsRuns = Number(args['tls-runs']);
const cert = tlsRuns > 0 ? selfSignedCert() : undefined;
if (tlsRuns > 0 && cert === undefined) console.error('openssl is not available: no TLS figure');
if (cert !== undefined) await measure('https', tlsRuns, cert);
