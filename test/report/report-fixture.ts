/** A result shaped like seed 004's gate run (a sweep of three steps), for the report tests. */
import type { LoadResult, StepResult } from '../../src/load/result/result.js';

const lat = (p95: number) => ({ count: 100, avg: p95 / 2, min: 1, p50: p95 / 2, p90: p95 * 0.9, p95, p99: p95 * 1.4, p999: p95 * 2, max: p95 * 2.5 });
const step = (index: number, vus: number, p95: number, ok: boolean): StepResult => ({ index, vus, requests: 1000, errors: 0, errorRate: 0, rps: 360, iterations: 21_600, iterationRate: 360, droppedIterations: 0, latencyMs: lat(p95), histogram: '', durationSeconds: 60, saturatedSeconds: 0, unmeasurable: false, thresholds: [], ok });

/** The fixture result. */
export function fixture(): LoadResult {
  const steps = [step(0, 5, 20, true), step(1, 10, 27, true), step(2, 50, 1000, false)];
  return {
    version: 2, runId: 'run-1', name: 'gate-3.2', executor: 'sweep', target: 'http://127.0.0.1:3000',
    startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:13:00.000Z', measuredFrom: '2026-01-01T00:00:00.000Z', aborted: null,
    summary: { requests: 42_554, errors: 8766, errorRate: 0.206, rps: 54.47, durationSeconds: 781, iterations: 42_553, droppedIterations: 0, checks: { passed: 10, failed: 5 }, errorsByClass: { '5xx': 8766 } },
    latencyMs: lat(1450),
    endpoints: [
      { name: 'GET /api/user/performance', requests: 33_788, errors: 0, errorRate: 0, rps: 43.2, errorsByClass: {}, checks: { passed: 10, failed: 0 }, latencyMs: lat(1200), histogram: '' },
      { name: 'POST /api/<script>alert(1)</script>', requests: 8766, errors: 8766, errorRate: 1, rps: 11.2, errorsByClass: { '5xx': 8766 }, checks: { passed: 0, failed: 5 }, latencyMs: lat(1600), histogram: '' },
    ],
    steps, knee: steps[1] ?? null, capacityKnee: null,
    thresholds: [
      { name: 'p(95)', expression: 'p(95)<200ms', value: 1450, ok: false },
      { name: 'error_rate', expression: 'error_rate<0.1%', value: 0.8661, ok: false },
      { name: 'rps', expression: 'rps>10', value: 54.47, ok: true, endpoint: 'GET /api/user/performance' },
    ],
    generator: { workers: 1, segment: '0/1', cpuSeconds: 10, threads: [{ worker: 0, cpuSeconds: 10, requests: 42_554 }], saturatedSeconds: 1, maxEventLoopLagMs: 80, avgCpuPercent: 30 },
    timeSeries: [0, 1, 2].map((t) => ({ t, width: 1, requests: 50, errors: 10, rps: 50, p50: 500, p95: 1400, p99: 2000, vus: 100, dropped: 0, lagMs: t === 1 ? 80 : 1, cpuPercent: 30, saturated: t === 1, histogram: null })),
    histogram: '',
    verdict: 'fail',
    warnings: [],
  };
}
