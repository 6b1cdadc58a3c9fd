/**
 * `npm run bench`: perfwarden's load engine measured side by side with wrk, autocannon and a bare
 * `ws` client, each in its own pinned process (taskset: the target on one core, the generator on
 * the other), rounds interleaved, medians and ratios printed with the goals as PASS/MISS.
 * perfwarden runs as users run it: built (`npm run build`), `node dist/cli.js load …`.
 *
 * Knobs: BENCH_ONLY=closed,workers,… (default: every scenario but soak), BENCH_SOAK=1 (adds the
 * soak), BENCH_SOAK_SECONDS (600), BENCH_DURATION (8), BENCH_ROUNDS (3), BENCH_CONNECTIONS
 * (50), BENCH_KEEP_AWAKE=0 (let the CPUs halt during the soak: bench/keep-awake.ts),
 * BENCH_BUILD=0 (skip the build), BENCH_WRITE=1 (also update the committed
 * bench/results/latest.{md,json}: the scenarios run replace theirs, the others are kept).
 * Raw files of every run go to bench/results/<time>.tmp/ (ignored), so a run never dirties the
 * tree unless BENCH_WRITE=1. A benchmark, not a test: it reports, it asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, Scenario } from './context.js';
import { loadAverage } from './context.js';
import { canKeepAwake } from './keep-awake.js';
import { canPin } from './proc.js';
import type { Section } from './report.js';
import { renderSection } from './report.js';
import { closed } from './scenarios/closed.js';
import { daemon } from './scenarios/daemon.js';
import { fixed } from './scenarios/fixed-latency.js';
import { open } from './scenarios/open.js';
import { soak } from './scenarios/soak.js';
import { ws } from './scenarios/ws.js';
import { workers } from './scenarios/workers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Every scenario by name, in the order they run. `soak` only with BENCH_SOAK=1 or BENCH_ONLY. */
const SCENARIOS: Record<string, Scenario> = { closed, workers, open, fixed, ws, daemon, soak };
const OPT_IN = new Set(['soak']);

const env = process.env;
const only = env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = only?.filter((n) => SCENARIOS[n] === undefined) ?? [];
if (unknown.length > 0) {
  process.stderr.write(`unknown scenario ${unknown.join(', ')} (known: ${Object.keys(SCENARIOS).join(', ')})\n`);
  process.exit(2);
}
const selected = Object.keys(SCENARIOS).filter((n) => (only === undefined ? !OPT_IN.has(n) || (n === 'soak' && env.BENCH_SOAK === '1') : only.includes(n)));

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = join(ROOT, 'bench/results', `${stamp}.tmp`);
mkdirSync(outDir, { recursive: true });
const ctx: BenchContext = {
  root: ROOT,
  outDir,
  durationS: Number(env.BENCH_DURATION ?? 8),
  rounds: Number(env.BENCH_ROUNDS ?? 3),
  connections: Number(env.BENCH_CONNECTIONS ?? 50),
  targetCores: canPin ? '0' : undefined,
  genCores: canPin ? (cpus().length > 1 ? '1' : '0') : undefined,
  allCores: canPin ? `0-${cpus().length - 1}` : undefined,
  soakSeconds: Number(env.BENCH_SOAK_SECONDS ?? 600),
  keepAwake: env.BENCH_KEEP_AWAKE !== '0' && canKeepAwake,
  log: (line) => process.stderr.write(`${line}\n`),
};

if (env.BENCH_BUILD !== '0') {
  ctx.log('building (npm run build) so perfwarden runs as compiled JS from dist/');
  const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) {
    process.stderr.write(`build failed:\n${b.stdout}${b.stderr}\n`);
    process.exit(1);
  }
}

const meta = { node: process.version, cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`, loadBefore: loadAverage() };
ctx.log(`bench: ${selected.join(', ')}; ${meta.cpus}; load average ${meta.loadBefore.join(' ')}; raw files in ${outDir}`);
const sections: Section[] = [];
for (const name of selected) {
  const scenario = SCENARIOS[name];
  if (scenario === undefined) continue;
  ctx.log(`\n== ${name}`);
  try {
    const s = await scenario(ctx);
    sections.push(s);
    process.stdout.write(`\n${renderSection(s)}`);
  } catch (err) {
    // One scenario's failure (a generator that crashed) is reported; the others still run.
    ctx.log(`${name} failed: ${(err as Error).stack ?? String(err)}`);
    sections.push({ name, title: `${name}: did not complete`, at: new Date().toISOString(), loadBefore: [], loadAfter: loadAverage(), setup: '', head: ['error'], rows: [[String((err as Error).message).replace(/\|/g, '/').slice(0, 500)]], checks: [], notes: [], raw: null });
  }
}

const run = { meta: { ...meta, loadAfter: loadAverage(), at: new Date().toISOString() }, sections };
writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(run, null, 2)}\n`);
writeFileSync(join(outDir, 'results.md'), sections.map(renderSection).join('\n'));
ctx.log(`\nresults: ${join(outDir, 'results.md')}`);

if (env.BENCH_WRITE === '1') {
  const latestJson = join(ROOT, 'bench/results/latest.json');
  const previous = existsSync(latestJson) ? (JSON.parse(readFileSync(latestJson, 'utf8')) as { sections?: Section[] }).sections ?? [] : [];
  const merged = Object.keys(SCENARIOS).map((n) => sections.find((s) => s.name === n) ?? previous.find((s) => s.name === n)).filter((s): s is Section => s !== undefined);
  writeFileSync(latestJson, `${JSON.stringify({ meta: run.meta, sections: merged }, null, 2)}\n`);
  writeFileSync(join(ROOT, 'bench/results/latest.md'), [
    `# perfwarden benchmark results`,
    '',
    `Written by \`BENCH_WRITE=1 npm run bench\` (see README, "Benchmarks"). ${meta.cpus}, Node ${meta.node}. Each section says when it was measured and the machine's load average then (a shared 2-core machine: figures are noisy).`,
    '',
    ...merged.map(renderSection),
  ].join('\n'));
  ctx.log('updated bench/results/latest.md and latest.json');
}
