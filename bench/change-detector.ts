/**
 * `npm run bench:change`: the change detector on synthetic probe latency (bench/change-series.ts):
 * detection rate and delay of x1.2, x1.5 and x2 steps at random times, and false alarms over
 * week-long stationary series with a daily cycle and spikes. Fixed seeds, so the figures are the
 * same on every machine; only the run time varies. Prints a table and writes
 * bench/results/change-detector.tmp (ignored); `--save` also writes
 * bench/results/change-detector.json, the figures README quotes. A benchmark, not a test: the
 * claims are asserted by test/alerts/change-detector.test.ts on a subset of the same seeds.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBench } from './change-series.js';
import type { BenchPlan } from './change-series.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DAY = 86_400_000;

/** Probes every 15 s; 200 one-day series per factor; 10 stationary weeks. */
export const CHANGE_BENCH_PLAN: BenchPlan = {
  intervalMs: 15_000, factors: [1.2, 1.5, 2], stepSeries: 200, stepDurationMs: DAY, detectWithinMs: 3600_000,
  stationarySeries: 10, stationaryDurationMs: 7 * DAY, seed: 1,
};

const started = performance.now();
const result = runBench(CHANGE_BENCH_PLAN);
const seconds = Math.round((performance.now() - started) / 100) / 10;
const out = { meta: { at: new Date().toISOString(), node: process.version, runSeconds: seconds }, ...result };

console.log('step  series  detected  rate    median delay  p90 delay  median estimate  dated within (median)  false alarms before the step');
for (const f of result.factors) {
  const d = (s: number | undefined) => (s === undefined ? '–' : `${Math.round(s)} s`);
  console.log(`x${f.factor}`.padEnd(6) + String(f.series).padEnd(8) + String(f.detected).padEnd(10) + `${(f.detectionRate * 100).toFixed(1)} %`.padEnd(8)
    + d(f.medianDelaySeconds).padEnd(14) + d(f.p90DelaySeconds).padEnd(11) + `x${f.medianEstimatedRatio ?? '–'}`.padEnd(17) + d(f.medianDatingErrorSeconds).padEnd(23) + String(f.falseAlarmsBeforeStep));
}
const s = result.stationary;
console.log(`stationary: ${s.series} series × ${s.days} days (${s.samples} samples): ${s.falseAlarms} false alarms; ran in ${seconds} s`);

mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results', 'change-detector.tmp'), `${JSON.stringify(out, null, 2)}\n`);
if (process.argv.includes('--save')) writeFileSync(join(ROOT, 'bench', 'results', 'change-detector.json'), `${JSON.stringify(out, null, 2)}\n`);
