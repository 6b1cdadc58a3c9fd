/** Interleaved rounds of generator runs and their medians, shared by the scenarios. */
import type { BenchContext } from './context.js';
import type { GenRun } from './generators.js';
import { sleep } from './proc.js';
import { fmt, median } from './report.js';

/** Runs `runs` in rounds, rotating the order each round so no generator always goes first. */
export async function interleave<K extends string>(ctx: BenchContext, runs: Record<K, () => Promise<GenRun>>): Promise<Record<K, GenRun[]>> {
  const keys = Object.keys(runs) as K[];
  const out = Object.fromEntries(keys.map((k) => [k, []])) as unknown as Record<K, GenRun[]>;
  for (let round = 0; round < ctx.rounds; round++) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(i + round) % keys.length] as K;
      const r = await runs[key]();
      out[key].push(r);
      ctx.log(`  round ${round + 1} ${key}: ${fmt(r.rps)} req/s, ${fmt(r.cpuCores, 2)} cores, ${fmt(r.perCpuSecond)} req per CPU-s, p50 ${fmt(r.p50Ms, 3)} ms, p99 ${fmt(r.p99Ms, 3)} ms`);
      await sleep(300);
    }
  }
  return out;
}

/** A row of medians for one generator. */
export function medianRow(name: string, runs: GenRun[]): string[] {
  return [
    name,
    fmt(median(runs.map((r) => r.rps))),
    fmt(median(runs.map((r) => r.cpuCores)), 2),
    fmt(median(runs.map((r) => r.perCpuSecond))),
    runs.map((r) => fmt(r.perCpuSecond)).join(', '),
    fmt(median(runs.map((r) => r.p50Ms ?? Number.NaN)), 3),
    fmt(median(runs.map((r) => r.p99Ms ?? Number.NaN)), 3),
    fmt(median(runs.map((r) => r.maxRssMiB))),
    fmt(runs.reduce((n, r) => n + r.errors, 0)),
  ];
}

/** Table head of {@link medianRow}. */
export const MEDIAN_HEAD = ['generator', 'req/s', 'CPU (cores)', 'req per CPU-s', 'per round', 'p50 ms', 'p99 ms', 'max RSS MiB', 'errors'];

/** Median of per-round ratios a/b of requests per CPU-second. */
export function perRoundRatios(a: GenRun[], b: GenRun[]): number[] {
  return a.map((x, i) => x.perCpuSecond / (b[i]?.perCpuSecond ?? Number.NaN));
}

/** Rounds without the samples and result bodies (kept in the .tmp directory). */
export function strip<K extends string>(runs: Record<K, GenRun[]>): Record<K, unknown[]> {
  return Object.fromEntries(Object.entries<GenRun[]>(runs).map(([k, rs]) => [k, rs.map((r) => ({
    rps: Math.round(r.rps), requests: r.requests, errors: r.errors, cpuCores: round(r.cpuCores, 3), perCpuSecond: Math.round(r.perCpuSecond), p50Ms: r.p50Ms, p99Ms: r.p99Ms, maxRssMiB: Math.round(r.maxRssMiB),
    ...(r.result === undefined ? {} : { generator: { workers: r.result.generator.workers, cpuSeconds: r.result.generator.cpuSeconds, threads: r.result.generator.threads, saturatedSeconds: r.result.generator.saturatedSeconds, maxEventLoopLagMs: r.result.generator.maxEventLoopLagMs } }),
  }))])) as Record<K, unknown[]>;
}

/** `n` rounded to `d` decimals. */
export function round(n: number, d: number): number {
  const f = 10 ** d;
  return Math.round(n * f) / f;
}
