/**
 * The daemon with many probes, with and without a real Prometheus scraping it (issue 12's
 * benchmark): probe schedule jitter, scrape time (the daemon's answer through a timing proxy, and Prometheus' own scrape_duration_seconds), event-loop lag, CPU and RSS; then the history's
 * size after an hour of results at 500/s with `history.maxSize` set (time compressed).
 *
 *   npm run bench:probes                                  # 1,000 probes, 2 min each way (each with its floor), then storage
 *   npm run bench:probes -- --probes 10000 --duration 60 --phases scrape
 *
 * The daemon runs built, as deployed (`node dist/cli.js start`); `--skip-build` skips the build.
 *
 * Jitter is measured from what the daemon stored, not from its own gauges: for every probe, the
 * gap between two consecutive run starts (SQLite `probe_results.at`) less the interval. The target
 * is a plain HTTP server in its own process. The `blackbox` phase does the same probes the blackbox
 * way, for reference: a real Prometheus scrapes Debian's blackbox_exporter's `/probe` for each URL
 * every interval (skipped when blackbox_exporter is not installed). The `floor` phase runs
 * bench/probe-floor-daemon.mjs under the same conditions, without and with Prometheus: bare Node
 * sockets on the same schedule and a fixed exposition of the daemon's size gzipped per scrape,
 * nothing parsed, timed, stored or rendered, so the table shows what of the daemon's CPU any
 * Node process would pay here. Figures go to
 * bench/results/probes-at-scale.{json,md}
 * (committed, quoted in README) and the raw samples to bench/results/probes-at-scale-<time>.tmp.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { FakeClock } from '../src/core/clock.js';
import { createProbeHistory } from '../src/history/probe-history.js';
import { historyMigrations } from '../src/history/migrations.js';
import { pruneToSize, usedBytes } from '../src/history/retention.js';
import { openDatabase } from '../src/storage/database.js';
import type { ProbeResult } from '../src/probe/types.js';
import { freePort, startPrometheus } from '../test/dashboards/prometheus-process.js';
import { cpuSeconds, rssMiB, waitForUrl } from './proc.js';
import { startTimingProxy } from './timing-proxy.js';

const { values: args } = parseArgs({
  options: {
    probes: { type: 'string', default: '1000' },
    every: { type: 'string', default: '10' },
    duration: { type: 'string', default: '120' },
    scrape: { type: 'string', default: '2' },
    phases: { type: 'string', default: 'noscrape,scrape,floor,blackbox,storage' },
    'storage-rate': { type: 'string', default: '500' },
    'storage-seconds': { type: 'string', default: '3600' },
    'max-size-mib': { type: 'string', default: '256' },
    save: { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
  },
});
const PROBES = Number(args.probes);
const EVERY_S = Number(args.every);
const DURATION_S = Number(args.duration);
const SCRAPE_S = Number(args.scrape);
const ROOT = new URL('..', import.meta.url).pathname;
const RESULTS = join(ROOT, 'bench/results');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const RESULTS_FILE = Number(args.probes) === 1000 ? 'probes-at-scale' : `probes-at-scale-${args.probes}`;

/** The committed figures this run is merged into (empty when there are none). */
function readPrevious(): { runs: DaemonRun[]; floor?: FloorRun[]; blackbox?: BlackboxRun; storage?: unknown } {
  try {
    return JSON.parse(readFileSync(join(RESULTS, `${RESULTS_FILE}.json`), 'utf8')) as { runs: DaemonRun[]; floor?: FloorRun[]; blackbox?: BlackboxRun; storage?: unknown };
  } catch {
    return { runs: [] };
  }
}

/** A plain HTTP target in its own process; resolves with its port. */
async function startTarget(): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', "require('http').createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', function () { console.log(this.address().port) })"], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout?.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  return { port, child };
}

/** CPU seconds (user + system) of a process still running. */
function cpuOf(pid: number): number {
  return cpuSeconds(pid) ?? Number.NaN;
}

/** blackbox_exporter (Debian's prometheus-blackbox-exporter), when installed. */
const BLACKBOX = ['/usr/bin/prometheus-blackbox-exporter', '/usr/bin/blackbox_exporter'].find((p) => existsSync(p));

interface BlackboxRun {
  probes: number;
  version: string;
  /** Prometheus' scrape_duration_seconds of the /probe scrapes: each is one probe run. */
  scrapeMs: { p50: number; p99: number; max: number; scrapes: number };
  successRatio: number;
  cpuPercentOfOneCore: number;
  prometheusCpuPercentOfOneCore: number;
  rssMiB: { max: number };
}

/** The floor process's run (bench/probe-floor-daemon.mjs). */
interface FloorRun {
  mode: 'noscrape' | 'scrape';
  probes: number;
  /** Runs that saw the answer's head, a second. */
  answeredPerSecond: number;
  jitterMs: { p50: number; p99: number; max: number; intervals: number };
  /** Size of the fixed exposition it served (the daemon's, when measured). */
  metricsBytes: number;
  cpuPercentOfOneCore: number;
  rssMiB: { max: number };
}

interface DaemonRun {
  mode: 'noscrape' | 'scrape';
  probes: number;
  jitterMs: { p50: number; p99: number; max: number; over100msShare: number; intervals: number };
  /** What the probes measured of the target (`duration_ms`): a change that distorts the measurement shows here, beside the CPU it saves. */
  probeLatencyMs?: { p50: number; p99: number };
  /** Prometheus' `scrape_duration_seconds`: the answer plus Prometheus parsing and storing it. */
  scrapeMs?: { p50: number; p99: number; max: number; scrapes: number };
  /** The daemon's answer, request to last byte, timed by a proxy between Prometheus and the daemon. */
  answerMs?: { p50: number; p99: number; max: number };
  eventLoopLagP99Ms: { median: number; max: number };
  cpuPercentOfOneCore: number;
  rssMiB: { max: number };
  metricsBytes: number;
}

async function runDaemon(mode: 'noscrape' | 'scrape', targetPort: number): Promise<{ run: DaemonRun; raw: unknown }> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-probes-'));
  const port = await freePort();
  const db = join(dir, 'history.db');
  const config = join(dir, 'config.yaml');
  writeFileSync(config, [
    `server: { host: 127.0.0.1, port: ${port}, seriesBudget: ${PROBES * 100} }`,
    'log: { level: warn, format: json }',
    `storage: { path: ${db} }`,
    'probes:',
    ...Array.from({ length: PROBES }, (_, i) => `  - { name: p${i}, type: http, every: ${EVERY_S}s, http: { url: "http://127.0.0.1:${targetPort}/p${i}", timeout: 5s } }`),
    '',
  ].join('\n'));
  // As deployed (the Dockerfile's `node dist/cli.js start`): built, without tsx's loader.
  const daemon = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), 'start', '--config', config], { stdio: ['ignore', 'ignore', 'inherit'], cwd: ROOT });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if ((await fetch(`${base}/readyz`).then((r) => r.ok).catch(() => false))) break;
    if (i > 600) throw new Error('daemon not ready after 60 s');
    await sleep(100);
  }
  // Every probe has started (they spread over their first interval) before measuring.
  await sleep((EVERY_S + 2) * 1000);
  const pid = daemon.pid ?? 0;
  const proxy = mode === 'scrape' ? await startTimingProxy(port) : undefined;
  const prometheus = proxy === undefined ? undefined : await startPrometheus([`127.0.0.1:${proxy.port}`], 'perfwarden', SCRAPE_S);
  const t0 = Date.now();
  const cpu0 = cpuOf(pid);
  let rssMax = 0;
  while (Date.now() - t0 < DURATION_S * 1000) {
    rssMax = Math.max(rssMax, rssMiB(pid) ?? 0);
    await sleep(2000);
  }
  const t1 = Date.now();
  const cpu1 = cpuOf(pid);
  const window = `${Math.round((t1 - t0) / 1000)}s`;
  let scrapeMs: DaemonRun['scrapeMs'];
  let answerMs: DaemonRun['answerMs'];
  let lags: number[];
  if (prometheus !== undefined) {
    type Matrix = { result: { values: [number, string][] }[] };
    const at = String(t1 / 1000);
    const durations = (await prometheus.api<Matrix>('query', { query: `scrape_duration_seconds{job="perfwarden"}[${window}]`, time: at })).result[0]?.values.map(([, v]) => Number(v) * 1000).sort((a, b) => a - b) ?? [];
    scrapeMs = { p50: round(quantile(durations, 0.5)), p99: round(quantile(durations, 0.99)), max: round(durations[durations.length - 1] ?? NaN), scrapes: durations.length };
    lags = (await prometheus.api<Matrix>('query', { query: `nodejs_eventloop_lag_p99_seconds{job="perfwarden"}[${window}]`, time: at })).result[0]?.values.map(([, v]) => Number(v) * 1000).sort((a, b) => a - b) ?? [];
    await prometheus.stop();
    const answers = [...(proxy?.answersMs ?? [])].sort((a, b) => a - b);
    answerMs = { p50: round(quantile(answers, 0.5)), p99: round(quantile(answers, 0.99)), max: round(answers[answers.length - 1] ?? NaN) };
    await proxy?.close();
  } else {
    // prom-client measures the lag since its last collection: one scrape at the end covers the run.
    const text = await (await fetch(`${base}/metrics`)).text();
    lags = [Number(/^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text)?.[1] ?? NaN) * 1000];
  }
  const metricsBytes = (await (await fetch(`${base}/metrics`)).arrayBuffer()).byteLength;
  daemon.kill('SIGINT');
  await new Promise((resolve) => daemon.once('exit', resolve));

  const store = new Database(db, { readonly: true });
  const rows = store.prepare('SELECT probe, at, duration_ms FROM probe_results WHERE at >= ? AND at <= ? ORDER BY probe, at').all(t0, t1) as { probe: string; at: number; duration_ms: number }[];
  store.close();
  const jitter: number[] = [];
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1];
    const b = rows[i];
    if (a !== undefined && b !== undefined && a.probe === b.probe) jitter.push(Math.abs(b.at - a.at - EVERY_S * 1000));
  }
  jitter.sort((a, b) => a - b);
  const latency = rows.map((r) => r.duration_ms).sort((a, b) => a - b);
  rmSync(dir, { recursive: true, force: true });
  lags.sort((a, b) => a - b);
  const run: DaemonRun = {
    mode,
    probes: PROBES,
    jitterMs: { p50: round(quantile(jitter, 0.5)), p99: round(quantile(jitter, 0.99)), max: round(jitter[jitter.length - 1] ?? NaN), over100msShare: round(jitter.filter((j) => j > 100).length / Math.max(1, jitter.length), 4), intervals: jitter.length },
    probeLatencyMs: { p50: round(quantile(latency, 0.5), 2), p99: round(quantile(latency, 0.99), 2) },
    ...(scrapeMs === undefined ? {} : { scrapeMs }),
    ...(answerMs === undefined ? {} : { answerMs }),
    eventLoopLagP99Ms: { median: round(quantile(lags, 0.5)), max: round(lags[lags.length - 1] ?? NaN) },
    cpuPercentOfOneCore: round(((cpu1 - cpu0) / ((t1 - t0) / 1000)) * 100),
    rssMiB: { max: round(rssMax) },
    metricsBytes,
  };
  return { run, raw: { mode, jitterSample: jitter.filter((_, i) => i % 50 === 0), lags } };
}

/** The floor process (bench/probe-floor-daemon.mjs) measured like the daemon: after one interval, for DURATION_S. */
async function runFloor(mode: 'noscrape' | 'scrape', targetPort: number, metricsBytes: number): Promise<FloorRun> {
  const floor = spawn(process.execPath, [join(ROOT, 'bench/probe-floor-daemon.mjs'), String(targetPort), String(PROBES), String(EVERY_S), String(mode === 'scrape' ? metricsBytes : 0)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      floor.stdout?.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
      floor.once('exit', (code) => reject(new Error(`probe-floor-daemon.mjs exited (${code ?? 'signal'}) before listening`)));
    });
    const stats = async () => (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as { answered: number; jitterMs: number[] };
    await sleep((EVERY_S + 2) * 1000);
    const prometheus = mode === 'scrape' ? await startPrometheus([`127.0.0.1:${port}`], 'floor', SCRAPE_S) : undefined;
    try {
      const pid = floor.pid ?? 0;
      const t0 = Date.now();
      const cpu0 = cpuOf(pid);
      const answered0 = (await stats()).answered;
      let rssMax = 0;
      while (Date.now() - t0 < DURATION_S * 1000) {
        rssMax = Math.max(rssMax, rssMiB(pid) ?? 0);
        await sleep(2000);
      }
      const seconds = (Date.now() - t0) / 1000;
      const cpu = ((cpuOf(pid) - cpu0) / seconds) * 100;
      const end = await stats();
      const jitter = end.jitterMs.sort((a, b) => a - b);
      return {
        mode,
        probes: PROBES,
        answeredPerSecond: round((end.answered - answered0) / seconds),
        jitterMs: { p50: round(quantile(jitter, 0.5)), p99: round(quantile(jitter, 0.99)), max: round(jitter[jitter.length - 1] ?? NaN), intervals: jitter.length },
        metricsBytes: mode === 'scrape' ? metricsBytes : 0,
        cpuPercentOfOneCore: round(cpu),
        rssMiB: { max: round(rssMax) },
      };
    } finally {
      await prometheus?.stop();
    }
  } finally {
    floor.kill();
    await new Promise((resolve) => (floor.exitCode === null ? floor.once('exit', resolve) : resolve(undefined)));
  }
}

/**
 * The same probes done the blackbox way: Prometheus scrapes blackbox_exporter's `/probe` for each
 * of the URLs every interval, and blackbox_exporter makes the request. Its CPU is the reference for
 * the daemon's, which also stores every result, evaluates alerts and serves its own metrics;
 * Prometheus' CPU for the scrapes that drive it is reported beside it.
 */
async function runBlackbox(binary: string, targetPort: number): Promise<BlackboxRun> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-blackbox-'));
  const config = join(dir, 'blackbox.yml');
  writeFileSync(config, 'modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n    http:\n      preferred_ip_protocol: ip4\n');
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  const port = await freePort();
  const exporter = spawn(binary, [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitForUrl(`http://127.0.0.1:${port}/-/healthy`, 10_000, () => exporter.exitCode === null);
    const urls = Array.from({ length: PROBES }, (_, i) => `http://127.0.0.1:${targetPort}/p${i}`);
    const prometheus = await startPrometheus(urls, 'blackbox', EVERY_S, {
      metricsPath: '/probe',
      params: { module: 'http_2xx' },
      relabel: ['{ source_labels: [__address__], target_label: __param_target }', '{ source_labels: [__param_target], target_label: instance }', `{ target_label: __address__, replacement: "127.0.0.1:${port}" }`],
    });
    try {
      await sleep((EVERY_S + 2) * 1000);
      const pid = exporter.pid ?? 0;
      const t0 = Date.now();
      const cpu0 = cpuOf(pid);
      const prom0 = cpuOf(prometheus.pid ?? 0);
      let rssMax = 0;
      while (Date.now() - t0 < DURATION_S * 1000) {
        rssMax = Math.max(rssMax, rssMiB(pid) ?? 0);
        await sleep(2000);
      }
      const t1 = Date.now();
      const seconds = (t1 - t0) / 1000;
      const cpu = ((cpuOf(pid) - cpu0) / seconds) * 100;
      const promCpu = ((cpuOf(prometheus.pid ?? 0) - prom0) / seconds) * 100;
      type Vector = { result: { value: [number, string] }[] };
      type Matrix = { result: { values: [number, string][] }[] };
      const window = `${Math.round(seconds)}s`;
      const at = String(t1 / 1000);
      const durations = (await prometheus.api<Matrix>('query', { query: `scrape_duration_seconds{job="blackbox"}[${window}]`, time: at })).result.flatMap((r) => r.values.map(([, v]) => Number(v) * 1000)).sort((a, b) => a - b);
      const success = Number((await prometheus.api<Vector>('query', { query: `avg(avg_over_time(probe_success{job="blackbox"}[${window}]))`, time: at })).result[0]?.value[1] ?? NaN);
      return {
        probes: PROBES,
        version: /version (\S+)/.exec(`${version.stdout}${version.stderr}`)?.[1] ?? '?',
        scrapeMs: { p50: round(quantile(durations, 0.5)), p99: round(quantile(durations, 0.99)), max: round(durations[durations.length - 1] ?? NaN), scrapes: durations.length },
        successRatio: round(success, 4),
        cpuPercentOfOneCore: round(cpu),
        prometheusCpuPercentOfOneCore: round(promCpu),
        rssMiB: { max: round(rssMax) },
      };
    } finally {
      await prometheus.stop();
    }
  } finally {
    exporter.kill();
    await new Promise((resolve) => (exporter.exitCode === null ? exporter.once('exit', resolve) : resolve(undefined)));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An hour of results at `rate`/s into a history with `history.maxSize`, as fast as SQLite takes them. */
async function runStorage(): Promise<Record<string, number>> {
  const rate = Number(args['storage-rate']);
  const seconds = Number(args['storage-seconds']);
  const maxBytes = Number(args['max-size-mib']) * 1048576;
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-history-'));
  const path = join(dir, 'history.db');
  const db = openDatabase(path, historyMigrations);
  const t0 = Date.UTC(2026, 0, 1);
  const clock = new FakeClock(t0);
  const history = createProbeHistory(db, { clock, flushIntervalMs: 1000, flushRows: 5000 });
  const started = Date.now();
  let bytesPerResult = 0;
  for (let s = 0; s < seconds; s++) {
    for (let i = 0; i < rate; i++) {
      const r: ProbeResult = {
        probe: `probe-${i}`, target: 'api', kind: 'http', url: `http://127.0.0.1:9465/api/status/${i}`, ok: true, startedAt: t0 + s * 1000 + i,
        durationSeconds: 0.0123, phases: { connect: 0.0004, ttfb: 0.0091, transfer: 0.0002 }, status: 200, bodyBytes: 57,
        headers: { 'content-type': 'application/json; charset=utf-8' }, assertions: [{ name: 'status', ok: true, actual: '200' }],
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7',
      };
      history.record(r);
    }
    history.flush();
    if (s === 59) bytesPerResult = usedBytes(db) / (60 * rate);
    // the retention job's size check runs every 10 s
    if (s % 10 === 9) await pruneToSize(db, maxBytes, async () => {});
    await clock.advance(1000);
  }
  history.close();
  db.pragma('wal_checkpoint(TRUNCATE)');
  const out = {
    results: rate * seconds,
    bytesPerResult: Math.round(bytesPerResult),
    unboundedMiB: round((bytesPerResult * rate * seconds) / 1048576),
    maxSizeMiB: maxBytes / 1048576,
    usedMiB: round(usedBytes(db) / 1048576),
    fileMiB: round(statSync(path).size / 1048576),
    rawRowsKept: (db.prepare('SELECT COUNT(*) AS n FROM probe_results').get() as { n: number }).n,
    wallSeconds: round((Date.now() - started) / 1000),
  };
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return out;
}

const phases = new Set(String(args.phases).split(','));
const runs: DaemonRun[] = [];
const raw: unknown[] = [];
if (args['skip-build'] !== true && (phases.has('scrape') || phases.has('noscrape'))) {
  console.error('building (npm run build): the daemon runs as deployed, from dist/');
  const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed:\n${b.stdout}${b.stderr}`);
}
const target = ['scrape', 'noscrape', 'floor', 'blackbox'].some((p) => phases.has(p)) ? await startTarget() : undefined;
let blackbox: BlackboxRun | undefined;
const floors: FloorRun[] = [];
try {
  // Each daemon row is followed by its floor row, so the two read the same hour of the host.
  for (const mode of ['noscrape', 'scrape'] as const) {
    if (target === undefined) continue;
    if (phases.has(mode)) {
      console.error(`${PROBES} probes every ${EVERY_S} s, ${mode === 'scrape' ? `Prometheus every ${SCRAPE_S} s` : 'no scrapes'}, ${DURATION_S} s …`);
      const r = await runDaemon(mode, target.port);
      runs.push(r.run);
      raw.push(r.raw);
      console.error(JSON.stringify(r.run));
    }
    if (phases.has('floor')) {
      // The exposition the daemon served in this run's scrape row, else in the committed one.
      const metricsBytes = [...runs, ...readPrevious().runs].find((r) => r.mode === 'scrape')?.metricsBytes ?? 3_700_000;
      console.error(`the floor: bare Node sockets on the same schedule, ${mode === 'scrape' ? `a fixed ${round(metricsBytes / 1e6)} MB exposition gzipped for Prometheus every ${SCRAPE_S} s` : 'no scrapes'}, ${DURATION_S} s …`);
      const r = await runFloor(mode, target.port, metricsBytes);
      floors.push(r);
      console.error(JSON.stringify(r));
    }
  }
  if (phases.has('blackbox') && target !== undefined) {
    if (BLACKBOX === undefined) {
      console.error('blackbox_exporter is not installed (apt-get install prometheus-blackbox-exporter): its reference row is skipped');
    } else {
      console.error(`the same ${PROBES} URLs through blackbox_exporter, Prometheus scraping /probe every ${EVERY_S} s, ${DURATION_S} s …`);
      blackbox = await runBlackbox(BLACKBOX, target.port);
      console.error(JSON.stringify(blackbox));
    }
  }
} finally {
  target?.child.kill();
}
const storage = phases.has('storage') ? await runStorage() : undefined;
if (storage !== undefined) console.error(JSON.stringify(storage));

const stamp = new Date().toISOString();
const machine = `${(await import('node:os')).cpus().length} cores (${(await import('node:os')).cpus()[0]?.model ?? '?'}), load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join('/')} at the end, Node ${process.version}`;
writeFileSync(join(RESULTS, `probes-at-scale-${stamp.replace(/[:.]/g, '-')}.tmp`), JSON.stringify({ stamp, runs, storage, raw }, null, 1));
const file = RESULTS_FILE;
const previous = readPrevious();
const merged = {
  stamp, machine, probes: PROBES, everySeconds: EVERY_S, durationSeconds: DURATION_S, scrapeSeconds: SCRAPE_S,
  runs: [...previous.runs.filter((r) => !runs.some((n) => n.mode === r.mode)), ...runs],
  floor: floors.length > 0 ? floors : previous.floor,
  blackbox: blackbox ?? previous.blackbox,
  storage: storage ?? previous.storage,
};
// The committed figures change only when asked (`--save` or BENCH_WRITE=1): a run leaves the tree clean.
const save = args.save === true || process.env.BENCH_WRITE === '1';
if (save) writeFileSync(join(RESULTS, `${file}.json`), `${JSON.stringify(merged, null, 2)}\n`);
const row = (r: DaemonRun) => `| ${r.mode === 'scrape' ? `Prometheus every ${SCRAPE_S} s` : 'no scrapes'} | ${r.jitterMs.p50} / ${r.jitterMs.p99} / ${r.jitterMs.max} | ${round(r.jitterMs.over100msShare * 100, 2)} % | ${r.probeLatencyMs === undefined ? '–' : `${r.probeLatencyMs.p50} / ${r.probeLatencyMs.p99}`} | ${r.answerMs === undefined ? '–' : `${r.answerMs.p50} / ${r.answerMs.p99}`} | ${r.scrapeMs === undefined ? '–' : `${r.scrapeMs.p50} / ${r.scrapeMs.p99}`} | ${r.eventLoopLagP99Ms.median} / ${r.eventLoopLagP99Ms.max} | ${r.cpuPercentOfOneCore} % | ${r.rssMiB.max} |`;
const md = [
  `# ${PROBES} probes every ${EVERY_S} s (\`npm run bench:probes${PROBES === 1000 ? '' : ` -- --probes ${PROBES}`}\`)`,
  '',
  `${stamp}; ${machine}. ${DURATION_S} s measured per row, after one interval of warm-up; target: a plain HTTP server in its own process.`,
  '',
  '| | jitter p50 / p99 / max (ms) | intervals off > 100 ms | probe latency p50 / p99 (ms) | answer p50 / p99 (ms) | Prometheus scrape_duration p50 / p99 (ms) | event-loop lag p99 (ms, median / max) | daemon CPU (one core) | RSS max (MiB) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...merged.runs.map(row),
  ...(merged.floor ?? []).map((f) => `| floor (reference): bare Node sockets on the same schedule, ${f.mode === 'scrape' ? `a fixed ${round(f.metricsBytes / 1e6)} MB exposition gzipped for Prometheus every ${SCRAPE_S} s` : 'no scrapes'}; ${f.answeredPerSecond} answers/s | ${f.jitterMs.p50} / ${f.jitterMs.p99} / ${f.jitterMs.max} | – | – | – | – | – | ${f.cpuPercentOfOneCore} % | ${f.rssMiB.max} |`),
  ...(merged.blackbox === undefined ? [] : [`| blackbox_exporter ${merged.blackbox.version}, Prometheus scraping \`/probe\` every ${EVERY_S} s (reference; probe_success ${round(merged.blackbox.successRatio * 100, 2)} %) | – | – | – | – | ${merged.blackbox.scrapeMs.p50} / ${merged.blackbox.scrapeMs.p99} | – | ${merged.blackbox.cpuPercentOfOneCore} % (Prometheus ${merged.blackbox.prometheusCpuPercentOfOneCore} %) | ${merged.blackbox.rssMiB.max} |`]),
  '',
  ...(merged.storage === undefined ? [] : [
    `History: ${JSON.stringify(merged.storage)}`,
    '',
  ]),
].join('\n');
if (save) writeFileSync(join(RESULTS, `${file}.md`), md);
console.log(md);
if (!save) console.error('(not saved: add --save, or BENCH_WRITE=1, to update the committed bench/results/ files)');
