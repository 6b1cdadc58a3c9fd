/**
 * Shards of one load merge into what one machine would have measured: exact counts, percentiles
 * of the merged histograms equal to those of all raw latencies (within HDR precision), series
 * aligned by wall-clock second, thresholds judged on the merged data; different plans refuse.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { hasCode } from '../../src/core/errors.js';
import { mergeResults } from '../../src/load/result/merge.js';
import type { LoadResult } from '../../src/load/result/result.js';
import { createLatencyHistogram, encodeHistogram, recordMicros, summarize } from '../../src/load/window/histogram.js';
import { captureIo } from '../helpers/capture-io.js';
import { startHttp } from '../load/targets.js';
import type { Target } from '../load/targets.js';

let dir = '';
let target: Target;
let hits = 0;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-shard-'));
  target = await startHttp((_req, res) => {
    hits++;
    setTimeout(() => res.end('ok'), 1 + (hits % 5));
  });
});
after(async () => {
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A synthetic shard result holding exactly `latenciesMs`. */
function shard(index: number, count: number, latenciesMs: number[], from: string): LoadResult {
  const h = createLatencyHistogram();
  for (const ms of latenciesMs) recordMicros(h, ms * 1000);
  const histogram = encodeHistogram(h);
  const latencyMs = summarize(h);
  const n = latenciesMs.length;
  return {
    version: 2, runId: `r${index}`, name: 'gate', executor: 'shared-iterations', target: 'http://127.0.0.1:1',
    startedAt: from, finishedAt: from, measuredFrom: from, aborted: null,
    summary: { requests: n, errors: 0, errorRate: 0, rps: n / 10, durationSeconds: 10, iterations: n, droppedIterations: 0, checks: { passed: 0, failed: 0 }, errorsByClass: {} },
    latencyMs, endpoints: [{ name: 'GET /', requests: n, errors: 0, errorRate: 0, rps: n / 10, errorsByClass: {}, checks: { passed: 0, failed: 0 }, latencyMs, histogram }],
    steps: [], knee: null, capacityKnee: null, thresholds: [{ name: 'p(95)', expression: 'p(95)<200ms', value: latencyMs.p95, ok: true }],
    generator: { workers: 1, segment: `${index}/${count}`, cpuSeconds: 1, threads: [{ worker: 0, cpuSeconds: 1, requests: n }], saturatedSeconds: 0, maxEventLoopLagMs: 1, avgCpuPercent: 10 },
    timeSeries: [{ t: 0, width: 1, requests: n, errors: 0, rps: n, p50: latencyMs.p50, p95: latencyMs.p95, p99: latencyMs.p99, histogram, vus: 1, dropped: 0, lagMs: 1, cpuPercent: 10, saturated: false }],
    histogram, verdict: 'pass', warnings: [],
  };
}

test('merged percentiles equal those of all raw latencies, within HDR precision', () => {
  let x = 7;
  const all: number[] = [];
  const parts = [0, 1, 2].map((i) => Array.from({ length: 1000 + i * 333 }, () => {
    x = (x * 48271) % 2147483647;
    const ms = 1 + (x % 100_000) / 100 + (i === 2 ? 150 : 0);
    all.push(ms);
    return ms;
  }));
  const merged = mergeResults(parts.map((p, i) => shard(i, 3, p, '2026-12-01T10:00:00.000Z')));
  all.sort((a, b) => a - b);
  assert.equal(merged.summary.requests, all.length);
  for (const [p, got] of [[50, merged.latencyMs.p50], [95, merged.latencyMs.p95], [99, merged.latencyMs.p99]] as const) {
    const exact = all[Math.ceil((p / 100) * all.length) - 1]!;
    assert.ok(Math.abs(got - exact) / exact < 0.002, `p${p}: merged ${got} vs raw ${exact}`);
  }
  assert.equal(merged.timeSeries.length, 1, 'points of the same second merge');
  assert.equal(merged.timeSeries[0]?.requests, all.length);
  assert.equal(merged.generator.segment, '0/3+1/3+2/3');
  assert.equal(merged.thresholds[0]?.ok, false, 'p(95)<200ms judged again on the merged data (the third shard is slow)');
  assert.equal(merged.verdict, 'fail');
  assert.deepEqual(merged.warnings, []);
  assert.match(mergeResults([shard(0, 3, [1], '2026-12-01T10:00:00.000Z')]).warnings[0] ?? '', /merged 1 of 3 shards \(missing 1\/3, 2\/3\)/);
  assert.throws(() => mergeResults([shard(0, 2, [1], '2026-12-01T10:00:00.000Z'), { ...shard(1, 2, [1], '2026-12-01T10:00:00.000Z'), name: 'other' }]), (e: unknown) => hasCode(e, 'PW_ERR_INVALID_ARGUMENT') && /different plans: load "gate"/.test((e as Error).message));
  assert.throws(() => mergeResults([shard(1, 2, [1], '2026-12-01T10:00:00.000Z'), shard(1, 2, [1], '2026-12-01T10:00:00.000Z')]), /shard 1\/2 is given twice/);
});

test('three `load --shard i/3` processes of a 3,000-iteration plan, started together, then `merge`', { timeout: 120_000 }, async () => {
  hits = 0;
  const url = `${target.url}/`;
  // Lead enough for three processes' worker threads to be ready on a busy machine.
  const startAt = new Date(Date.now() + 6000).toISOString();
  const files = [0, 1, 2].map((i) => join(dir, `shard-${i}.json`));
  await Promise.all(files.map(async (out, i) => {
    const io = captureIo();
    await runCli(['load', url, '--iterations', '3000', '--vus', '6', '-d', '60s', '--shard', `${i}/3`, '--start-at', startAt, '--workers', '1', '--out', out], io);
    assert.equal(io.code, 0, io.stderr + io.stdout);
  }));
  assert.equal(hits, 3000, 'the target saw exactly the plan');
  const results = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as LoadResult);
  assert.deepEqual(results.map((r) => r.summary.requests), [1000, 1000, 1000]);
  for (const r of results) {
    assert.ok(Math.abs(Date.parse(r.measuredFrom) - Date.parse(startAt)) < 100, `measured from ${r.measuredFrom}, asked ${startAt}`);
    assert.ok(!r.warnings.some((w) => /after --start-at/.test(w)), r.warnings.join('; '));
  }

  const io = captureIo();
  const merged = join(dir, 'merged.json');
  await runCli(['merge', ...files, '--out', merged, '--report', join(dir, 'merged.html')], io);
  assert.equal(io.code, 0, io.stderr);
  assert.match(io.stdout, /requests 3,000 {2}errors 0/);
  const m = JSON.parse(readFileSync(merged, 'utf8')) as LoadResult;
  assert.equal(m.summary.iterations, 3000);
  assert.equal(m.timeSeries.reduce((a, p) => a + p.requests, 0), 3000);
  assert.equal(m.generator.threads.length, 3);

  const gated = captureIo();
  await runCli(['merge', ...files, '--threshold', 'p(50)<1us'], gated);
  assert.equal(gated.code, 99);
  assert.match(gated.stdout, /✗ p\(50\)<1us/);

  const other = join(dir, 'other.json');
  writeFileSync(other, JSON.stringify({ ...results[0], name: 'other', generator: { ...results[0]!.generator, segment: '0/1' } }));
  const bad = captureIo();
  await runCli(['merge', files[1]!, other], bad);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /different plans/);
});
