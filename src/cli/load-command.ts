/**
 * `perfwarden load FILE.yaml [--scenario NAME]` or `perfwarden load URL [--vus N | --rate R] …`:
 * one load run from the terminal or CI. A URL run is built through the same schema and checks as
 * a configured load. Exit code: 0 all thresholds passed, 99 one failed (abortOnFail included),
 * 2 bad input, 130 interrupted (SIGINT/SIGTERM), 1 the run failed inside the generator. A stopped
 * run still prints its summary and writes `--out`/`--report`, with verdict `aborted`.
 */
import { accessSync, constants, createWriteStream, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { Value } from '@sinclair/typebox/value';
import { LoadSchema, checkLoadEntry } from '../config/sections/loads.js';
import { LimitsSection, loadLimitProblems } from '../config/sections/limits.js';
import { ResourceSourceSchema } from '../config/sections/resources.js';
import type { ResourceSourceConfig, ResourcesConfig } from '../config/sections/resources.js';
import { runHealthConfig } from '../load/target/run-health-config.js';
import type { LoadConfig } from '../config/sections/loads.js';
import { formatPath } from '../config/problem.js';
import { loadConfigFile } from '../config/load-config.js';
import { PwError, coerceError } from '../core/errors.js';
import { parseThresholdExpression } from '../load/thresholds.js';
import { startLoad } from '../load/driver.js';
import type { SecondLine } from '../load/driver.js';
import { isDuration } from '../core/units.js';
import { LoadMetrics } from '../load/metrics.js';
import type { Segment } from '../load/plan/segment.js';
import { createRegistry } from '../metrics/registry.js';
import { serveMetrics } from './metrics-server.js';
import type { LiveMetricsServer } from './metrics-server.js';
import { planLoad, resolveLoadBase } from '../load/plan/plan.js';
import type { LoadBase } from '../load/plan/plan.js';
import { abortText } from '../load/result/judge.js';
import type { LoadProgress, LoadResult } from '../load/result/result.js';
import { renderReport, reportFormatOf } from '../report/index.js';
import { healthRows } from '../report/health-section.js';
import { scalingNotes, scalingTable } from '../report/scaling-table.js';
import { fmtMs, fmtNum, fmtPct, fmtSeconds, fmtThresholdValue } from '../report/format.js';
import type { CliIo } from './io.js';
import { ExitCodes } from './io.js';
import { collect, flagOf, parsePort, parsePositiveInt, parseShardOption, parseStartAt, parseWorkers, shardOf } from './options.js';
import { reportError } from './config-file.js';

/** Exit code of a run stopped by SIGINT/SIGTERM (128 + SIGINT, as shells report Ctrl-C). */
export const EXIT_INTERRUPTED = 130;

/** Options that only make sense with a URL (a file's load declares them itself). */
const URL_ONLY_OPTIONS = ['vus', 'rate', 'iterations', 'duration', 'warmup', 'connections', 'method', 'header', 'body', 'threshold', 'abortOnFail', 'insecure'] as const;

/** Checks that `file` can be written: its parent is a writable directory and it is not one. Throws PW_ERR_INVALID_ARGUMENT. */
export function checkWritable(file: string, flag: string): void {
  const path = resolve(file);
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch {
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `${flag} ${file}: directory ${dir} does not exist or is not writable`);
  }
  const existing = statSync(path, { throwIfNoEntry: false });
  if (existing?.isDirectory() === true) throw new PwError('PW_ERR_INVALID_ARGUMENT', `${flag} ${file}: is a directory`);
}

/** Options of `perfwarden load`. */
export interface LoadCommandOptions {
  scenario?: string;
  vus?: number;
  rate?: number;
  iterations?: number;
  duration: string;
  workers?: number | 'auto';
  insecure?: boolean;
  warmup?: string;
  connections?: number;
  method: string;
  header: string[];
  body?: string;
  threshold: string[];
  abortOnFail?: boolean;
  /** Result files (JSON), and `jsonl:FILE` streams. */
  out: string[];
  report: string[];
  maxRate?: number;
  maxVus?: number;
  maxDuration?: string;
  shard?: Segment;
  startAt?: number;
  health: string[];
  metricsPort?: number;
  metricsHost: string;
  /** Plain progress lines every N seconds when not on a TTY. */
  progressEvery: number;
}

/** Builds a load from a URL and CLI options, validated like a configured one. Throws PW_ERR_INVALID_ARGUMENT. */
export function loadFromUrl(url: string, opts: LoadCommandOptions): LoadConfig {
  if (opts.vus !== undefined && opts.rate !== undefined) throw new PwError('PW_ERR_INVALID_ARGUMENT', 'use --vus or --rate, not both');
  if (opts.iterations !== undefined && opts.rate !== undefined) throw new PwError('PW_ERR_INVALID_ARGUMENT', '--iterations runs a fixed count with --vus (shared-iterations); it does not combine with --rate');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `expected a URL like http://127.0.0.1:8080/path, got "${url}"`);
  }
  const thresholds: Record<string, string> = {};
  for (const t of opts.threshold) {
    const parsed = parseThresholdExpression(t);
    thresholds[parsed.name] = parsed.expression.slice(parsed.name.length);
  }
  const headers = Object.fromEntries(opts.header.map((h) => {
    const i = h.indexOf(':');
    if (i <= 0) throw new PwError('PW_ERR_INVALID_ARGUMENT', `--header expects "Name: value", got "${h}"`);
    return [h.slice(0, i).trim(), h.slice(i + 1).trim()];
  }));
  const isWs = /^wss?:$/.test(u.protocol);
  // A JSON body is sent as JSON unless the user said otherwise.
  const hasContentType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
  const requestHeaders = opts.body !== undefined && !hasContentType && parsesAsJson(opts.body) ? { 'content-type': 'application/json' } : undefined;
  const common = {
    name: 'cli',
    url: `${u.protocol}//${u.host}`,
    duration: opts.duration,
    ...(opts.warmup === undefined ? {} : { warmup: opts.warmup }),
    ...(Object.keys(thresholds).length === 0 ? {} : { thresholds }),
    ...(opts.abortOnFail === true ? { abortOnFail: true } : {}),
    ...(opts.insecure === true ? { tlsVerify: false } : {}),
  };
  const raw = isWs
    ? { ...common, ws: { path: u.pathname + u.search, connections: opts.connections ?? opts.vus ?? 10 } }
    : {
      ...common,
      ...(opts.rate !== undefined
        ? { executor: 'constant-arrival-rate', rate: opts.rate, ...(opts.connections === undefined ? {} : { connections: opts.connections }) }
        : opts.iterations !== undefined
          ? { executor: 'shared-iterations', iterations: opts.iterations, maxDuration: opts.duration, vus: opts.vus ?? opts.connections ?? 1, ...(opts.connections === undefined ? {} : { connections: opts.connections }) }
          : { executor: 'constant-vus', vus: opts.vus ?? opts.connections ?? 10, ...(opts.connections === undefined ? {} : { connections: opts.connections }) }),
      ...(Object.keys(headers).length === 0 ? {} : { headers }),
      scenarios: [{ name: 'default', requests: [{ method: opts.method.toUpperCase(), path: u.pathname + u.search, ...(opts.body === undefined ? {} : { body: opts.body }), ...(requestHeaders === undefined ? {} : { headers: requestHeaders }) }] }],
    };
  const withDefaults = Value.Default(LoadSchema, raw) as Record<string, unknown>;
  const problems = [...Value.Errors(LoadSchema, withDefaults)].map((e) => `${e.path.replace(/^\//, '').replace(/\//g, '.')}: ${(e.schema as { errorMessage?: string }).errorMessage ?? e.message}`);
  checkLoadEntry(withDefaults, [], new Set(), (path, message) => problems.push(`${formatPath(path) || 'load'}: ${message}`));
  if (problems.length > 0) throw new PwError('PW_ERR_INVALID_ARGUMENT', `invalid load: ${problems.join('; ')}`);
  return Value.Decode(LoadSchema, withDefaults);
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Picks a load from a config file: by `--scenario` name, or the only one. Throws PW_ERR_INVALID_ARGUMENT. */
export function loadFromFile(file: string, scenario: string | undefined, io: CliIo, limits: Record<string, unknown> = {}): { load: LoadConfig; base: LoadBase; targetResources?: ResourcesConfig } {
  const config = loadConfigFile(file, io.env, { limits });
  if (config.loads.length === 0) throw new PwError('PW_ERR_INVALID_ARGUMENT', `${file} declares no loads (add a "loads:" section)`);
  let load = scenario === undefined ? undefined : config.loads.find((l) => l.name === scenario);
  if (load === undefined && scenario !== undefined) {
    // Not a load name: maybe a scenario of the only load, to run that scenario alone.
    const only = config.loads.length === 1 ? config.loads[0] : undefined;
    const sc = only?.scenarios?.find((s) => s.name === scenario);
    if (only !== undefined && sc !== undefined) load = { ...only, scenarios: [sc] };
  }
  if (load === undefined && scenario === undefined && config.loads.length === 1) load = config.loads[0];
  if (load === undefined) {
    const names = config.loads.map((l) => l.name).join(', ');
    throw new PwError('PW_ERR_INVALID_ARGUMENT', scenario === undefined ? `${file} declares several loads; pick one with --scenario (${names})` : `no load or scenario "${scenario}" in ${file} (loads: ${names})`);
  }
  const demoUrl = `http://${config.demo.host}:${config.demo.port}`;
  const base = resolveLoadBase(load, (name) => {
    const t = config.targets.find((x) => x.name === name);
    if (t === undefined) return undefined;
    return { url: t.demo === true ? demoUrl : t.url ?? demoUrl, ...(t.headers === undefined ? {} : { headers: t.headers }) };
  });
  const resources = config.targets.find((t) => t.name === load.target)?.resources;
  return { load, base, ...(resources === undefined ? {} : { targetResources: resources }) };
}

/** `--health prometheus:URL | json:URL#$.path | proc:PID | redis:URL` as a health source. Throws PW_ERR_INVALID_ARGUMENT. */
export function parseHealthSource(text: string): ResourceSourceConfig {
  const i = text.indexOf(':');
  const kind = i < 0 ? '' : text.slice(0, i);
  const rest = text.slice(i + 1);
  let raw: Record<string, unknown>;
  if (kind === 'prometheus') raw = { type: 'prometheus', url: rest };
  else if (kind === 'json') {
    const hash = rest.indexOf('#');
    if (hash < 0) throw new PwError('PW_ERR_INVALID_ARGUMENT', `--health ${text}: expected json:URL#$.path.to.memory`);
    raw = { type: 'json', url: rest.slice(0, hash), memory: rest.slice(hash + 1) };
  } else if (kind === 'proc') raw = { type: 'process', pid: Number(rest) };
  else if (kind === 'redis') raw = { type: 'redis', url: rest };
  else throw new PwError('PW_ERR_INVALID_ARGUMENT', `--health ${text}: expected prometheus:URL, json:URL#$.path, proc:PID or redis:URL`);
  const withDefaults = Value.Default(ResourceSourceSchema, raw);
  const problems = [...Value.Errors(ResourceSourceSchema, withDefaults)];
  if (problems.length > 0 || !Value.Check(ResourceSourceSchema, withDefaults)) throw new PwError('PW_ERR_INVALID_ARGUMENT', `--health ${text}: not a valid ${kind} source`);
  return Value.Decode(ResourceSourceSchema, withDefaults);
}

/** The live progress line. */
export function formatProgress(p: LoadProgress): string {
  const step = p.step === undefined ? '' : ` step ${p.step}`;
  return `${p.phase === 'warmup' ? 'warmup ' : ''}${p.elapsedSeconds.toFixed(0)}s/${p.totalSeconds.toFixed(0)}s${step}  ${fmtNum(p.rps, 0)} req/s  p95 ${fmtMs(p.p95Ms)}  errors ${fmtNum(p.errors)}  VUs ${p.vus}${p.droppedIterations > 0 ? `  dropped ${fmtNum(p.droppedIterations)}` : ''}`;
}

/** The summary table printed at the end. */
export function formatSummary(r: LoadResult): string {
  const lines: string[] = [];
  const s = r.summary;
  const l = r.latencyMs;
  lines.push(`load "${r.name}" → ${r.target}  (${r.executor}, ${s.durationSeconds.toFixed(1)} s${r.aborted === null ? '' : `, stopped early: ${abortText(r.aborted)}`})`);
  lines.push(`requests ${fmtNum(s.requests)}  errors ${fmtNum(s.errors)} (${fmtPct(s.errorRate)})  ${fmtNum(s.rps, 1)} req/s  iterations ${fmtNum(s.iterations)}  dropped ${fmtNum(s.droppedIterations)}`);
  const byClass = Object.entries(s.errorsByClass).filter(([cls, n]) => (n ?? 0) > 0 && !/^[123]xx$/.test(cls));
  if (byClass.length > 0) lines.push(`errors by class: ${byClass.map(([cls, n]) => `${cls} ${fmtNum(n ?? 0)}`).join(', ')}`);
  if (s.checks.passed + s.checks.failed > 0) lines.push(`checks ${fmtNum(s.checks.passed)} passed, ${fmtNum(s.checks.failed)} failed (${fmtPct(s.checks.passed / (s.checks.passed + s.checks.failed))})`);
  const pad = (x: string, n: number) => x.padStart(n);
  const header = ['endpoint', 'requests', 'errors', 'avg', 'p50', 'p90', 'p95', 'p99', 'max'];
  const rows = [
    ...r.endpoints.map((e) => [e.name, fmtNum(e.requests), fmtNum(e.errors), ...[e.latencyMs.avg, e.latencyMs.p50, e.latencyMs.p90, e.latencyMs.p95, e.latencyMs.p99, e.latencyMs.max].map(fmtMs)]),
    ['overall', fmtNum(s.requests), fmtNum(s.errors), ...[l.avg, l.p50, l.p90, l.p95, l.p99, l.max].map(fmtMs)],
  ];
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const fmtRow = (row: readonly string[]) => row.map((c, i) => (i === 0 ? c.padEnd(width[0] ?? 0) : pad(c, width[i] ?? 0))).join('  ');
  lines.push('', fmtRow(header), ...rows.map(fmtRow));
  if (r.steps.length > 0) {
    const t = scalingTable(r);
    const cells = [t.header, ...t.rows.map((row) => row.cells)];
    const widths = t.header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
    lines.push('', ...cells.map((row) => row.map((c, i) => (i === row.length - 1 ? c : pad(c, widths[i] ?? 0))).join('  ')));
    lines.push(...scalingNotes(r));
  }
  if (r.ws !== undefined) {
    const w = r.ws;
    lines.push('', `ws: ${w.connections.peak}/${w.connections.target} held (${w.connections.opened} opened incl. ${w.reconnect.recovered} reconnects, ${w.connections.failed} failed), connect p95 ${fmtMs(w.connectMs.p95)}, echo p50/p95/p99 ${fmtMs(w.echoRttMs.p50)}/${fmtMs(w.echoRttMs.p95)}/${fmtMs(w.echoRttMs.p99)} (${w.echo.lost} lost), fan-out ${w.fanout.delivered}/${w.fanout.expectedDeliveries} p95 ${fmtMs(w.fanoutMs.p95)}`);
  }
  if (r.thresholds.length > 0) {
    lines.push('');
    for (const t of r.thresholds) lines.push(`${t.ok ? '✓' : '✗'} ${t.endpoint === undefined ? '' : `${t.endpoint}: `}${t.expression}  (measured ${fmtThresholdValue(t.name, t.value)})`);
  }
  if (r.health !== undefined) {
    lines.push('', 'target health:');
    for (const [k, v] of healthRows(r.health)) lines.push(`  ${k.toLowerCase()}: ${v}`);
  }
  const g = r.generator;
  lines.push('', `generator: ${g.workers} worker thread${g.workers === 1 ? '' : 's'}${g.segment === '0/1' ? '' : ` (shard ${g.segment})`}, ${fmtNum(g.cpuSeconds, 1)} CPU-seconds (${g.threads.map((t) => fmtNum(t.cpuSeconds, 1)).join(' + ')})${g.seed === undefined ? '' : `, seed ${g.seed}`}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  if (r.generator.saturatedSeconds > 0) lines.push('', `warning: the generator was saturated for ${fmtSeconds(r.generator.saturatedSeconds)} (max event-loop lag ${fmtMs(r.generator.maxEventLoopLagMs)}); those seconds describe the generator, not the target`);
  lines.push('', `verdict: ${verdictLine(r)}`);
  return `${lines.join('\n')}\n`;
}

function verdictLine(r: LoadResult): string {
  const v = r.verdict.toUpperCase();
  if (r.verdict === 'aborted') return `${v} (${r.aborted === null ? 'stopped' : abortText(r.aborted)}; the numbers cover only the part that ran)`;
  if (r.verdictReason !== undefined) return `${v} (${r.verdictReason})`;
  if (r.steps.length > 0) return `${v} (${r.verdict === 'pass' ? 'at least one step met the thresholds' : 'no step met the thresholds'})`;
  if (r.thresholds.length === 0 && r.aborted === null) return `${v} (no thresholds)`;
  return v;
}

/** The exit code of a finished run: 0 pass, 99 fail, 130 interrupted, 1 any other abort. */
export function exitCodeOf(r: LoadResult, interrupted: boolean): number {
  if (r.verdict === 'pass') return ExitCodes.ok;
  if (r.verdict === 'fail') return ExitCodes.thresholdFailed;
  return interrupted ? EXIT_INTERRUPTED : ExitCodes.failure;
}

/** A JSON-lines file written while a run goes. */
interface JsonlStream {
  line(value: unknown): void;
  close(): Promise<void>;
}

/** The `jsonl:FILE` stream among `--out` values, opened (at most one). */
function openStream(outs: readonly string[]): JsonlStream | undefined {
  const files = outs.filter((o) => o.startsWith('jsonl:')).map((o) => o.slice('jsonl:'.length));
  if (files.length > 1) throw new PwError('PW_ERR_INVALID_ARGUMENT', '--out jsonl:FILE: one stream per run');
  const file = files[0];
  if (file === undefined) return undefined;
  const out = createWriteStream(file);
  return {
    line: (value) => { out.write(`${JSON.stringify(value)}\n`); },
    close: () => new Promise<void>((resolve) => out.end(() => resolve())),
  };
}

/**
 * `-d` is the duration here (k6, autocannon), the body in `probe` (curl): a value that is no
 * duration but looks like a body gets a hint. Throws PW_ERR_INVALID_ARGUMENT.
 */
function checkDurationOption(opts: LoadCommandOptions, cmd: Command): void {
  if (cmd.getOptionValueSource('duration') !== 'cli' || isDuration(opts.duration)) return;
  const looksLikeBody = /^\s*[[{"]/.test(opts.duration) || opts.duration.includes('=');
  throw new PwError('PW_ERR_INVALID_ARGUMENT', `-d/--duration "${opts.duration}": expected a duration like 30s${looksLikeBody ? '; did you mean --body? (in `load`, -d is the duration, as in k6 and autocannon)' : ''}`);
}

/** `--max-rate/--max-vus/--max-duration` as `limits` keys. */
function limitOverrides(opts: LoadCommandOptions): Record<string, unknown> {
  return {
    ...(opts.maxRate === undefined ? {} : { maxRate: opts.maxRate }),
    ...(opts.maxVus === undefined ? {} : { maxVUs: opts.maxVus }),
    ...(opts.maxDuration === undefined ? {} : { maxDuration: opts.maxDuration }),
  };
}

/** A URL-mode load against the default limits and the command line's. Throws PW_ERR_INVALID_ARGUMENT. */
function checkUrlLimits(load: LoadConfig, overrides: Record<string, unknown>): void {
  const raw = Value.Default(LimitsSection, { ...overrides });
  if (!Value.Check(LimitsSection, raw)) throw new PwError('PW_ERR_INVALID_ARGUMENT', '--max-duration: expected a duration like 2h');
  const problems = loadLimitProblems(load, Value.Decode(LimitsSection, raw), undefined);
  if (problems.length > 0) throw new PwError('PW_ERR_INVALID_ARGUMENT', `${problems.map(([, m]) => m).join('; ')} (raise it for this run with --max-rate, --max-vus or --max-duration)`);
}

/** Registers `load`. */
export function registerLoadCommand(program: Command, io: CliIo): void {
  program
    .command('load')
    .argument('<file-or-url>', 'a config file with "loads:" or an http(s)/ws(s) URL')
    .description('run a load (closed or open model, sweep, WebSocket) and print a summary; exit 99 when a threshold fails')
    .option('-s, --scenario <name>', 'the load (or scenario) of the file to run')
    .option('--vus <n>', 'URL mode: virtual users (closed model)', parsePositiveInt)
    .option('--rate <n>', 'URL mode: iterations per second (open model)', parsePositiveInt)
    .option('-i, --iterations <n>', 'URL mode: exactly N iterations shared by the VUs (shared-iterations; -d caps the time)', parsePositiveInt)
    .option('-w, --workers <n>', 'worker threads that run the load: a number or "auto" (the cores available)', parseWorkers)
    .option('-k, --insecure', 'URL mode: do not verify the TLS certificate')
    .option('-d, --duration <duration>', 'URL mode: how long', '30s')
    .option('--warmup <duration>', 'URL mode: warmup excluded from statistics')
    .option('-c, --connections <n>', 'URL mode: connections (WebSocket: connections held)', parsePositiveInt)
    .option('-X, --method <method>', 'URL mode: HTTP method', 'GET')
    .option('-H, --header <header>', 'URL mode: header "Name: value" (repeatable)', collect, [])
    .option('--body <body>', 'URL mode: request body')
    .option('-t, --threshold <expr>', 'URL mode: threshold like "p(95)<200ms" (repeatable)', collect, [])
    .option('--abort-on-fail', 'URL mode: stop early once a threshold fails')
    .option('--health <source>', 'sample the target during the run: prometheus:URL, json:URL#$.memory.path, proc:PID, redis:URL (repeatable)', collect, [])
    .option('--shard <index/count>', 'run share INDEX (0-based) of COUNT of the plan; also PERFWARDEN_SHARD', parseShardOption)
    .option('--start-at <time>', 'start at this RFC 3339 time (shards on several machines start together)', parseStartAt)
    .option('--metrics-port <n>', 'serve the run\'s live Prometheus metrics on this port while it runs', parsePort)
    .option('--metrics-host <host>', 'address for --metrics-port', '0.0.0.0')
    .option('--max-rate <n>', 'raise limits.maxRate (iterations per second) for this run', parsePositiveInt)
    .option('--max-vus <n>', 'raise limits.maxVUs for this run', parsePositiveInt)
    .option('--max-duration <duration>', 'raise limits.maxDuration for this run')
    .option('-o, --out <file>', 'write the result JSON here; jsonl:FILE streams one JSON line per second and per event while the run goes (repeatable)', collect, [])
    .option('-r, --report <file>', 'write a report: .html, .md or .xml (JUnit) (repeatable)', collect, [])
    .option('--progress-every <seconds>', 'plain progress lines every N seconds when not on a TTY', parsePositiveInt, 5)
    .action(async (target: string, opts: LoadCommandOptions, cmd: Command) => {
      let load: LoadConfig;
      let base: LoadBase;
      let targetResources: ResourcesConfig | undefined;
      try {
        for (const file of opts.report) {
          if (reportFormatOf(file) === undefined) throw new PwError('PW_ERR_INVALID_ARGUMENT', `--report ${file}: expected a name ending in .html, .md or .xml`);
          checkWritable(file, '--report');
        }
        for (const out of opts.out) checkWritable(out.replace(/^jsonl:/, ''), '--out');
        checkDurationOption(opts, cmd);
        const limits = limitOverrides(opts);
        if (/^(https?|wss?):\/\//.test(target)) {
          load = loadFromUrl(target, opts);
          base = { url: load.url ?? target };
          checkUrlLimits(load, limits);
        } else {
          const given = URL_ONLY_OPTIONS.filter((k) => cmd.getOptionValueSource(k) === 'cli').map(flagOf);
          if (given.length > 0) throw new PwError('PW_ERR_INVALID_ARGUMENT', `${given.join(', ')}: URL-mode option${given.length > 1 ? 's' : ''}; with a FILE the load declares its own (edit ${target} or run a URL)`);
          ({ load, base, targetResources } = loadFromFile(target, opts.scenario, io, limits));
        }
        if (load.ws === undefined) for (const w of planLoad(load, base).warnings) io.err(`warning: ${w}\n`);
      } catch (thrown) {
        reportError(thrown, io);
        return;
      }
      let lastPlain = 0;
      const onProgress = (p: LoadProgress) => {
        if (p.phase === 'done') return;
        if (io.isTTY) io.out(`\r\x1b[2K${formatProgress(p)}`);
        else if (p.elapsedSeconds - lastPlain >= opts.progressEvery) {
          lastPlain = p.elapsedSeconds;
          io.out(`${formatProgress(p)}\n`);
        }
      };
      let handle;
      let metrics: LiveMetricsServer | undefined;
      let stream: JsonlStream | undefined;
      try {
        const shard = shardOf(opts.shard, io.env);
        const healthConfig = runHealthConfig(opts.health.length > 0 ? { every: 1000, sources: opts.health.map(parseHealthSource) } : load.health, targetResources, base.url);
        const registry = opts.metricsPort === undefined ? undefined : createRegistry();
        if (registry !== undefined && opts.metricsPort !== undefined) metrics = await serveMetrics(registry, opts.metricsHost, opts.metricsPort);
        if (metrics !== undefined) io.err(`live metrics on ${metrics.url}/metrics\n`);
        if (opts.startAt !== undefined) io.err(`starting at ${new Date(opts.startAt).toISOString()}\n`);
        stream = openStream(opts.out);
        stream?.line({ type: 'start', at: new Date().toISOString(), load: load.name, target: base.url, executor: load.ws === undefined ? load.executor : 'websocket' });
        handle = startLoad(load, base, {
          onProgress,
          ...(stream === undefined ? {} : { onSecond: (second: SecondLine) => stream?.line({ type: 'second', ...second }) }),
          workers: opts.workers ?? load.workers,
          ...(shard === undefined ? {} : { segment: shard }),
          ...(opts.startAt === undefined ? {} : { startAt: opts.startAt }),
          ...(registry === undefined ? {} : { metrics: new LoadMetrics(registry) }),
          ...(healthConfig === undefined ? {} : { health: healthConfig }),
        });
      } catch (thrown) {
        await metrics?.close();
        await stream?.close();
        reportError(thrown, io);
        return;
      }
      let interrupted = false;
      const onSignal = (signal: NodeJS.Signals) => {
        interrupted = true;
        handle.stop(`interrupted (${signal})`);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let result: LoadResult;
      try {
        result = await handle.done;
      } catch (thrown) {
        reportError(coerceError(thrown), io);
        return;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await metrics?.close();
      }
      stream?.line({ type: 'end', at: new Date().toISOString(), verdict: result.verdict, ...(result.verdictReason === undefined ? {} : { verdictReason: result.verdictReason }), summary: result.summary, latencyMs: result.latencyMs, thresholds: result.thresholds, ...(result.aborted === null ? {} : { aborted: abortText(result.aborted) }) });
      await stream?.close();
      if (io.isTTY) io.out('\r\x1b[2K');
      io.out(formatSummary(result));
      try {
        for (const out of opts.out.filter((o) => !o.startsWith('jsonl:'))) writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
        for (const file of opts.report) writeFileSync(file, renderReport(result, reportFormatOf(file) ?? 'markdown'));
      } catch (thrown) {
        reportError(thrown, io);
        return;
      }
      io.setExitCode(exitCodeOf(result, interrupted));
    });
}
