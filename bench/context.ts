/** What every scenario gets from bench/run.ts: knobs (from BENCH_* variables), cores and paths. */
import { loadavg } from 'node:os';
import type { GenContext } from './generators.js';
import type { Cores } from './proc.js';
import type { Section } from './report.js';

/** The benchmark's knobs and places. */
export interface BenchContext {
  root: string;
  /** Ignored directory for this run's raw files (bench/results/<stamp>.tmp). */
  outDir: string;
  /** Seconds per measured run (BENCH_DURATION, default 8). */
  durationS: number;
  /** Interleaved rounds per scenario (BENCH_ROUNDS, default 3). */
  rounds: number;
  /** Connections of the closed-model comparisons (BENCH_CONNECTIONS, default 50). */
  connections: number;
  /** The target's core(s) and the generator's, for taskset. */
  targetCores: Cores;
  genCores: Cores;
  /** Every core (the two-worker run). */
  allCores: Cores;
  /** Soak length in seconds (BENCH_SOAK_SECONDS, default 600). */
  soakSeconds: number;
  /** The soak keeps every CPU out of halt (bench/keep-awake.ts; BENCH_KEEP_AWAKE=0 turns it off). */
  keepAwake: boolean;
  log(line: string): void;
}

/** A scenario: runs, measures, and returns its section. */
export type Scenario = (ctx: BenchContext) => Promise<Section>;

/** The generator context on `cores` (default: the generator's core). */
export function genOn(ctx: BenchContext, cores: Cores = ctx.genCores): GenContext {
  return { root: ctx.root, outDir: ctx.outDir, cores };
}

/** The load average rounded for the results. */
export function loadAverage(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

/** Who runs where, for a section's set-up line. */
export function pinning(ctx: BenchContext, gen: Cores = ctx.genCores): string {
  return ctx.targetCores === undefined ? 'Not pinned (taskset missing).' : `Target pinned to CPU ${ctx.targetCores}, generator to CPU ${gen ?? '-'} (taskset).`;
}
