/**
 * `npm run bench`: perfwarden vs autocannon vs wrk against the same local target (nginx from
 * Debian when installed, else a minimal Node server), same connections and duration, each
 * generator in its own process so its CPU and RSS are measured alone (from /proc). Then the open
 * model at a fixed rate. Writes bench/results/latest.{json,md}. A benchmark, not a test: it
 * prints what it measured, including the machine's load average, and asserts nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const OPEN_RATE = Number(process.env.BENCH_RATE ?? 2000);
const TICKS = 100; // USER_HZ on Linux

interface Measured {
  generator: string;
  rps: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Generator CPU in the steady window, fraction of one core. */
  cpuCores: number;
  maxRssMiB: number;
  rpsPerCore: number;
  requests: number;
  errors: number;
  note?: string;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function startTarget(): Promise<{ url: string; kind: string; pid: number | undefined; stop(): Promise<void> }> {
  const port = await freePort();
  const nginx = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
  if (nginx !== undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'pw-bench-nginx-'));
    mkdirSync(join(dir, 'www'));
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'www', 'index.html'), 'hello world\n');
    // nginx's worker may run as another user (nobody) and must read the page.
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'www'), 0o755);
    chmodSync(join(dir, 'www', 'index.html'), 0o644);
    const conf = `worker_processes 1;\ndaemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/logs/error.log warn;\nevents { worker_connections 4096; }\nhttp {\n  access_log off;\n  client_body_temp_path ${dir}/tmp-body;\n  proxy_temp_path ${dir}/tmp-proxy;\n  fastcgi_temp_path ${dir}/tmp-fcgi;\n  uwsgi_temp_path ${dir}/tmp-uwsgi;\n  scgi_temp_path ${dir}/tmp-scgi;\n  keepalive_requests 1000000;\n  server {\n    listen 127.0.0.1:${port};\n    root ${dir}/www;\n    location / { index index.html; }\n  }\n}\n`;
    writeFileSync(join(dir, 'nginx.conf'), conf);
    const child = spawn(nginx, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    const url = `http://127.0.0.1:${port}/`;
    for (let i = 0; i < 50; i++) {
      try {
        const res = await fetch(url);
        if (res.ok) return { url, kind: 'nginx (1 worker)', pid: child.pid, stop: () => stopChild(child).then(() => rmSync(dir, { recursive: true, force: true })) };
      } catch {
        await sleep(100);
      }
    }
    await stopChild(child);
    process.stderr.write(`nginx did not start (${stderr.trim()}); using a Node server\n`);
  }
  const server = createServer((_req, res) => res.end('hello world\n'));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}/`, kind: 'node:http (in the benchmark process)', pid: process.pid, stop: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((r) => {
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

function procCpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15)
  } catch {
    return undefined;
  }
}

function procRssKiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

/**
 * Runs a generator, sampling its CPU and RSS from /proc every 250 ms. CPU is taken over the
 * steady window (the DURATION - 3 s ending 0.5 s before the process ended), so start-up (module
 * loading) and exit are excluded for every generator alike.
 */
async function runGenerator(cmd: string, args: string[]): Promise<{ stdout: string; cpuCores: number; maxRssMiB: number }> {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const samples: { t: number; ticks: number }[] = [];
  let maxRss = 0;
  const pid = child.pid ?? -1;
  const timer = setInterval(() => {
    const ticks = procCpuTicks(pid);
    const rss = procRssKiB(pid);
    if (ticks !== undefined) samples.push({ t: performance.now(), ticks });
    if (rss !== undefined) maxRss = Math.max(maxRss, rss);
  }, 250);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearInterval(timer);
  if (code !== 0) throw new Error(`${cmd} exited ${String(code)}: ${stderr.slice(-500)}`);
  // The window ends 0.5 s before the last sample (so the generator's exit, result building and
  // any idle tail are out of it) and spans DURATION - 3 s (so start-up, up to ~2.5 s, is out too).
  const end = (samples.at(-1)?.t ?? 0) - 500;
  const from = end - (DURATION_S - 3) * 1000;
  const window = samples.filter((s) => s.t >= from && s.t <= end);
  const a = window[0];
  const b = window.at(-1);
  const cpuCores = a === undefined || b === undefined || b.t <= a.t ? Number.NaN : (b.ticks - a.ticks) / TICKS / ((b.t - a.t) / 1000);
  return { stdout, cpuCores, maxRssMiB: Math.round(maxRss / 1024) };
}

function measured(generator: string, rps: number, p50: number | null, p99: number | null, cpuCores: number, maxRssMiB: number, requests: number, errors: number, note?: string): Measured {
  return { generator, rps: Math.round(rps), p50Ms: p50, p99Ms: p99, cpuCores: Math.round(cpuCores * 100) / 100, maxRssMiB, rpsPerCore: Math.round(rps / Math.max(0.01, cpuCores)), requests, errors, ...(note === undefined ? {} : { note }) };
}

/**
 * The perfwarden worker as plain JS (esbuild, which tsx brings, bundles our sources; packages stay
 * external and resolve from node_modules), so no TypeScript loader runs inside the measured process
 * — autocannon and wrk have none either. Falls back to tsx when esbuild is missing.
 */
function workerCommand(): { args: string[]; how: string } {
  const esbuild = join(ROOT, 'node_modules/.bin/esbuild');
  if (existsSync(esbuild)) {
    const out = join(ROOT, 'node_modules/.cache/perfwarden-bench/perfwarden-worker.mjs');
    const r = spawnSync(esbuild, ['bench/perfwarden-worker.ts', '--bundle', '--platform=node', '--format=esm', '--target=node20', '--packages=external', `--outfile=${out}`, '--log-level=error'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status === 0) return { args: [out], how: 'compiled JS (esbuild bundle)' };
    process.stderr.write(`esbuild failed (${r.stderr.trim()}); running the worker under tsx\n`);
  }
  return { args: ['--import', 'tsx', 'bench/perfwarden-worker.ts'], how: 'tsx' };
}

const worker = workerCommand();

async function perfwarden(url: string, mode: 'closed' | 'open'): Promise<Measured> {
  const run = await runGenerator(process.execPath, [...worker.args, url, String(CONNECTIONS), String(DURATION_S * 1000), mode, String(OPEN_RATE)]);
  const r = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { summary: { rps: number; requests: number; errors: number; iterations: number; durationSeconds: number; droppedIterations: number }; latencyMs: { p50: number; p99: number } };
  const name = mode === 'closed' ? 'perfwarden (closed)' : `perfwarden (open, ${OPEN_RATE}/s)`;
  const note = mode === 'open' ? `achieved ${(r.summary.iterations / r.summary.durationSeconds).toFixed(1)}/s of ${OPEN_RATE}/s (${(((r.summary.iterations / r.summary.durationSeconds) / OPEN_RATE - 1) * 100).toFixed(2)} %), dropped ${r.summary.droppedIterations}` : undefined;
  return measured(name, r.summary.rps, r.latencyMs.p50, r.latencyMs.p99, run.cpuCores, run.maxRssMiB, r.summary.requests, r.summary.errors, note);
}

async function autocannon(url: string): Promise<Measured> {
  const bin = join(ROOT, 'node_modules/.bin/autocannon');
  const run = await runGenerator(process.execPath, [join(dirname(bin), readLinkTarget(bin)), '-c', String(CONNECTIONS), '-d', String(DURATION_S), '--json', url]);
  const r = JSON.parse(run.stdout) as { requests: { total: number; average: number }; latency: { p50: number; p99: number }; errors: number; non2xx: number; duration: number };
  return measured('autocannon', r.requests.total / r.duration, r.latency.p50, r.latency.p99, run.cpuCores, run.maxRssMiB, r.requests.total, r.errors + r.non2xx, 'latency in whole milliseconds');
}

function readLinkTarget(bin: string): string {
  const r = spawnSync('readlink', [bin], { encoding: 'utf8' });
  return r.stdout.trim() || '../autocannon/autocannon.js';
}

async function wrk(url: string): Promise<Measured | undefined> {
  if (!existsSync('/usr/bin/wrk')) return undefined;
  const run = await runGenerator('/usr/bin/wrk', ['-t1', `-c${CONNECTIONS}`, `-d${DURATION_S}s`, '--latency', url]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(run.stdout)?.[1] ?? Number.NaN);
  const total = Number(/(\d+) requests in/.exec(run.stdout)?.[1] ?? 0);
  const ms = (label: string) => {
    const m = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(run.stdout);
    if (m === null) return null;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  return measured('wrk (1 thread, C)', rps, ms('50'), ms('99'), run.cpuCores, run.maxRssMiB, total, 0);
}

const fmt = (n: number | null, d = 2) => (n === null || !Number.isFinite(n) ? '–' : n.toFixed(d));

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const loadBefore = loadavg();
const target = await startTarget();
const rounds: Measured[][] = [];
let open: Measured | undefined;
try {
  process.stderr.write(`target ${target.kind} at ${target.url}; ${CONNECTIONS} connections, ${DURATION_S} s per run, ${ROUNDS} interleaved rounds\n`);
  // Interleaved rounds, so every generator sees the shared machine's load alike; medians reported.
  for (let round = 0; round < ROUNDS; round++) {
    const row: Measured[] = [];
    for (const run of [() => perfwarden(target.url, 'closed'), () => autocannon(target.url), () => wrk(target.url)]) {
      const m = await run();
      if (m !== undefined) {
        row.push(m);
        process.stderr.write(`round ${round + 1} ${m.generator}: ${m.rps} req/s, ${m.cpuCores} cores, ${m.rpsPerCore} req/s per core\n`);
      }
      await sleep(500);
    }
    rounds.push(row);
  }
  open = await perfwarden(target.url, 'open');
  process.stderr.write(`${open.generator}: ${open.note ?? ''}, ${open.cpuCores} cores\n`);
} finally {
  await target.stop();
}
const loadAfter = loadavg();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
/** The round whose req/s per core is the median, per generator (a real run, not a blend). */
const rows: Measured[] = [];
for (const name of rounds[0]?.map((m) => m.generator) ?? []) {
  const runs = rounds.map((r) => r.find((m) => m.generator === name)).filter((m): m is Measured => m !== undefined);
  const mid = median(runs.map((m) => m.rpsPerCore));
  const pick = runs.find((m) => m.rpsPerCore === mid);
  if (pick !== undefined) rows.push({ ...pick, note: [pick.note, `median of ${runs.length}; req/s per core ${runs.map((m) => m.rpsPerCore).join(', ')}`].filter(Boolean).join('; ') });
}
if (open !== undefined) rows.push(open);
const perRound = rounds.map((r) => {
  const p = r.find((m) => m.generator === 'perfwarden (closed)');
  const a = r.find((m) => m.generator === 'autocannon');
  return p === undefined || a === undefined ? Number.NaN : Math.round((p.rpsPerCore / a.rpsPerCore) * 100) / 100;
});
const pw = rows.find((r) => r.generator === 'perfwarden (closed)');
const ac = rows.find((r) => r.generator === 'autocannon');
const ratios = pw !== undefined && ac !== undefined ? { rps: Math.round((pw.rps / ac.rps) * 100) / 100, rpsPerCore: Math.round((pw.rpsPerCore / ac.rpsPerCore) * 100) / 100, rpsPerCorePerRound: perRound } : undefined;
const meta = {
  at: new Date().toISOString(), target: target.kind, connections: CONNECTIONS, durationSeconds: DURATION_S, openRate: OPEN_RATE,
  rounds: ROUNDS, perfwardenWorker: worker.how, node: process.version, cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`, loadAverageBefore: loadBefore.map((x) => Math.round(x * 100) / 100), loadAverageAfter: loadAfter.map((x) => Math.round(x * 100) / 100),
};
const md = [
  `Measured ${meta.at} on ${meta.cpus}, Node ${meta.node}; target ${meta.target}; ${CONNECTIONS} connections, ${DURATION_S} s per run, ${ROUNDS} interleaved rounds (median shown); perfwarden worker run as ${worker.how}; load average before/after ${meta.loadAverageBefore.join(' ')} / ${meta.loadAverageAfter.join(' ')} (shared machine).`,
  '',
  '| Generator | req/s | generator CPU (cores) | req/s per core | p50 ms | p99 ms | max RSS MiB | note |',
  '|---|---:|---:|---:|---:|---:|---:|---|',
  ...rows.map((r) => `| ${r.generator} | ${r.rps} | ${fmt(r.cpuCores)} | ${r.rpsPerCore} | ${fmt(r.p50Ms, 3)} | ${fmt(r.p99Ms, 3)} | ${r.maxRssMiB} | ${r.note ?? ''} |`),
  '',
  ratios === undefined ? '' : `perfwarden / autocannon (medians): ${ratios.rps}× req/s, ${ratios.rpsPerCore}× req/s per generator core; per round: ${ratios.rpsPerCorePerRound.map((r) => `${r}×`).join(', ')}.`,
  '',
].join('\n');
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/latest.json'), `${JSON.stringify({ meta, rows, ratios, rounds }, null, 2)}\n`);
writeFileSync(join(ROOT, 'bench/results/latest.md'), md);
process.stdout.write(md);
