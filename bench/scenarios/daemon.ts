/**
 * A load inside the daemon: `perfwarden start` (built, pinned to the generator's core) with a
 * probe on nginx every second and one max-throughput load, triggered through the HTTP API
 * (`POST /api/loads/bench/run`) and followed on `GET /api/runs/:id`, while /metrics is scraped
 * every second for `nodejs_eventloop_lag_p99_seconds` (prom-client resets its lag histogram on
 * each scrape, so each value is the last second's p99). Its req/s is compared with the same load
 * run by the CLI (`perfwarden load FILE`), rounds interleaved.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../context.js';
import { genOn, loadAverage, pinning } from '../context.js';
import type { GenRun } from '../generators.js';
import { perfwarden } from '../generators.js';
import type { Service } from '../proc.js';
import { cpuSeconds, freePort, sleep, startService, stopChild, waitForUrl } from '../proc.js';
import type { Section } from '../report.js';
import { fmt, median, ratio } from '../report.js';
import { round } from '../rounds.js';
import type { LoadResult } from '../../src/load/result/result.js';
import { startNginx } from '../targets.js';

interface DaemonRun {
  rps: number;
  /** The daemon's lag p99 per scrape during the run and the second it ended in, ms. */
  lagP99Ms: number[];
  /** Daemon process CPU during the run, cores. */
  cpuCores: number;
  result: LoadResult;
}

async function lagP99Ms(origin: string): Promise<number | undefined> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const m = /^nodejs_eventloop_lag_p99_seconds\s+([\d.e+-]+)/m.exec(text);
  return m === null ? undefined : Number(m[1]) * 1000;
}

async function daemonRun(origin: string, token: string, daemon: Service): Promise<DaemonRun> {
  await lagP99Ms(origin); // resets the lag histogram: what follows belongs to the run
  const pid = daemon.child.pid ?? -1;
  const cpu0 = cpuSeconds(pid) ?? 0;
  const t0 = performance.now();
  const res = await fetch(`${origin}/api/loads/bench/run`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 202) throw new Error(`POST /api/loads/bench/run: ${res.status} ${await res.text()}`);
  const { runId } = await res.json() as { runId: string };
  const lags: number[] = [];
  for (;;) {
    await sleep(1000);
    const lag = await lagP99Ms(origin);
    const run = await (await fetch(`${origin}/api/runs/${runId}`)).json() as { status: string; result?: LoadResult };
    // The scrape that finds the run ended covers its end too: the result, the report, the history.
    if (lag !== undefined) lags.push(lag);
    if (run.status !== 'running' && run.result !== undefined) {
      const cpuCores = ((cpuSeconds(pid) ?? 0) - cpu0) / ((performance.now() - t0) / 1000);
      return { rps: run.result.summary.rps, lagP99Ms: lags, cpuCores, result: run.result };
    }
  }
}

/** Scenario `daemon`. */
export async function daemon(ctx: BenchContext): Promise<Section> {
  const loadBefore = loadAverage();
  const target = await startNginx(ctx.targetCores, ctx.root);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const token = randomBytes(16).toString('hex');
  const c = ctx.connections;
  const d = ctx.durationS;
  const file = join(ctx.outDir, 'daemon.yaml');
  writeFileSync(file, `server: { host: 127.0.0.1, port: ${port} }
log: { level: warn, format: json }
storage: { path: ${join(ctx.outDir, 'daemon.db')} }
api: { token: "\${BENCH_DAEMON_TOKEN:-}" }
demo: { enabled: false }
targets:
  - { name: nginx, url: "${target.origin}" }
probes:
  - { name: nginx-root, target: nginx, every: 1s, http: { path: / } }
loads:
  - name: bench
    target: nginx
    vus: ${c}
    connections: ${c}
    duration: ${d}s
    workers: 1
    scenarios: [{ name: get, requests: [{ path: / }] }]
`);
  const env = { ...process.env, BENCH_DAEMON_TOKEN: token };
  const started = startService(process.execPath, ['dist/cli.js', 'start', '--config', file], { cores: ctx.genCores, cwd: ctx.root, env });
  const pid = started.child.pid ?? -1;
  const service: Service = { child: started.child, pids: () => [pid], stop: () => stopChild(started.child) };
  const gen = genOn(ctx);
  const cli: GenRun[] = [];
  const inDaemon: DaemonRun[] = [];
  let idle: number[] = [];
  try {
    try {
      await waitForUrl(`${origin}/metrics`, 20_000, () => started.child.exitCode === null);
    } catch (err) {
      throw new Error(`the daemon did not start: ${(err as Error).message}; ${started.output().trim()}`, { cause: err });
    }
    // The daemon alone (probes every second): the lag it has without a load.
    await lagP99Ms(origin);
    for (let i = 0; i < 3; i++) {
      await sleep(1000);
      const lag = await lagP99Ms(origin);
      if (lag !== undefined) idle.push(lag);
    }
    for (let r = 0; r < ctx.rounds; r++) {
      for (const kind of r % 2 === 0 ? ['cli', 'daemon'] : ['daemon', 'cli']) {
        if (kind === 'cli') {
          const run = await perfwarden(gen, 'cli', [file, '--scenario', 'bench']);
          cli.push(run);
          ctx.log(`  round ${r + 1} CLI: ${fmt(run.rps)} req/s, ${fmt(run.cpuCores, 2)} cores`);
        } else {
          const run = await daemonRun(origin, token, service);
          inDaemon.push(run);
          ctx.log(`  round ${r + 1} daemon: ${fmt(run.rps)} req/s, daemon process ${fmt(run.cpuCores, 2)} cores, lag p99 per second ${run.lagP99Ms.map((x) => fmt(x, 1)).join(' ')} ms`);
        }
        await sleep(300);
      }
    }
  } finally {
    await service.stop();
    await target.stop();
  }
  idle = idle.map((x) => round(x, 2));
  const rpsRatio = median(inDaemon.map((r) => r.rps)) / median(cli.map((r) => r.rps));
  const maxLag = Math.max(...inDaemon.flatMap((r) => r.lagP99Ms));
  const medLag = median(inDaemon.flatMap((r) => r.lagP99Ms));
  const perRound = inDaemon.map((r, i) => r.rps / (cli[i]?.rps ?? Number.NaN));
  return {
    name: 'daemon', title: 'Inside the daemon: a max-throughput load triggered through the API', at: new Date().toISOString(), loadBefore, loadAfter: loadAverage(),
    setup: `${pinning(ctx)} The daemon (\`perfwarden start\`, built; a probe on nginx every second) and the CLI (\`perfwarden load FILE --scenario bench\`) run the same load: ${c} VUs, ${c} connections, \`workers: 1\`, ${d} s; ${ctx.rounds} interleaved rounds, medians.`,
    head: ['run', 'req/s', 'per round', 'process CPU (cores)', 'load worker CPU-s', 'lag p99 per scrape, ms (median / max)'],
    rows: [
      ['CLI', fmt(median(cli.map((r) => r.rps))), cli.map((r) => fmt(r.rps)).join(', '), fmt(median(cli.map((r) => r.cpuCores)), 2), fmt(median(cli.map((r) => r.result?.generator.cpuSeconds ?? Number.NaN)), 1), ''],
      ['daemon (API)', fmt(median(inDaemon.map((r) => r.rps))), inDaemon.map((r) => fmt(r.rps)).join(', '), fmt(median(inDaemon.map((r) => r.cpuCores)), 2), fmt(median(inDaemon.map((r) => r.result.generator.cpuSeconds)), 1), `${fmt(medLag, 1)} / ${fmt(maxLag, 1)}`],
      ['daemon idle (probes only)', '', '', '', '', `${fmt(median(idle), 1)} / ${fmt(Math.max(...idle), 1)}`],
    ],
    checks: [
      { goal: "daemon main event-loop lag p99 < 20 ms during the run and its end (every 1 s scrape)", measured: `max ${fmt(maxLag, 1)} ms, median ${fmt(medLag, 1)} ms`, ok: maxLag < 20 },
      { goal: "daemon run req/s >= 0.9× the CLI's", measured: `${ratio(rpsRatio)} (rounds ${perRound.map(ratio).join(', ')})`, ok: rpsRatio >= 0.9 },
    ],
    notes: [`The daemon's process CPU counts its main thread (API, probes, scrapes) too; /metrics was scraped every second during the daemon's runs only.`],
    raw: { idleLagP99Ms: idle, cli: cli.map((r) => ({ rps: r.rps, cpuCores: round(r.cpuCores, 3) })), daemon: inDaemon.map((r) => ({ rps: r.rps, lagP99Ms: r.lagP99Ms.map((x) => round(x, 2)), cpuCores: round(r.cpuCores, 3), generator: r.result.generator })) },
  };
}
