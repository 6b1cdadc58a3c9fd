/**
 * Windows merge exactly: what several workers record and encode, merged by the driver, equals
 * one recorder that saw every request; histograms survive encoding; live metrics derived from
 * windows match an ordinary prom-client histogram fed the same latencies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, Registry } from 'prom-client';
import { LoadMetrics } from '../../src/load/metrics.js';
import { SeriesBuilder } from '../../src/load/result/series.js';
import { RunAggregate } from '../../src/load/window/aggregate.js';
import { addBucketCounts, bucketCounts, createLatencyHistogram, decodeHistogram, encodeHistogram, forEachBucket, meanMs, percentileMs, percentilesMs, recordMicros, summarize } from '../../src/load/window/histogram.js';
import type { Histogram as Hdr } from '../../src/load/window/histogram.js';
import { WindowRecorder } from '../../src/load/window/recorder.js';
import type { OutcomeClass } from '../../src/load/window/outcome.js';

const gen = { lagMs: 0, cpuMs: 0, saturated: false };

/** A new histogram from a window's bucket counts. */
function fromBucketCounts(pairs: Float64Array): Hdr {
  const h = createLatencyHistogram();
  addBucketCounts(h, pairs);
  return h;
}

/** A deterministic request stream: endpoint, latency µs, class, error. */
function stream(n: number): [number, number, OutcomeClass, boolean][] {
  const out: [number, number, OutcomeClass, boolean][] = [];
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const endpoint = x % 3;
    const micros = 100 + (x % 200_000);
    const cls: OutcomeClass = x % 97 === 0 ? 'refused' : x % 13 === 0 ? '5xx' : '2xx';
    out.push([endpoint, micros, cls, cls !== '2xx']);
  }
  return out;
}

test('windows of 1, 2 and 4 workers merge to the same statistics, exactly', () => {
  const names = ['a', 'b', 'c'];
  const reqs = stream(20_000);
  const results = [1, 2, 4].map((workers) => {
    const recorders = Array.from({ length: workers }, () => new WindowRecorder(3, 0));
    const agg = new RunAggregate(names);
    reqs.forEach(([e, us, cls, err], i) => {
      recorders[i % workers]!.record(e, us, cls, err, 0);
      // Windows close every 5,000 requests, as seconds would.
      if (i % 5000 === 4999) for (const [w, r] of recorders.entries()) { const s = r.snapshot(i, { worker: w, phase: 0, second: i, vus: 1, generator: gen }); agg.add(s); }
    });
    return { endpoints: agg.endpoints(10), overall: agg.overall.stats('overall', 10) };
  });
  for (const r of results.slice(1)) assert.deepEqual(r, results[0]);
  const o = results[0]!.overall;
  assert.equal(o.requests, 20_000);
  assert.ok(o.errorsByClass.refused! > 0 && o.errorsByClass['5xx']! > 0);
  assert.equal(o.latencyMs.count, 20_000 - o.errorsByClass.refused!, 'refused connections have no latency');
});

test('encoded histograms round-trip; percentiles within HDR precision of the raw values', () => {
  const h = createLatencyHistogram();
  const raw = stream(10_000).map(([, us]) => us).sort((a, b) => a - b);
  for (const us of raw) recordMicros(h, us);
  const copy = decodeHistogram(encodeHistogram(h));
  assert.equal(copy.totalCount, raw.length);
  for (const p of [50, 95, 99]) {
    const exact = raw[Math.ceil((p / 100) * raw.length) - 1]!;
    assert.equal(copy.getValueAtPercentile(p), h.getValueAtPercentile(p));
    assert.ok(Math.abs(copy.getValueAtPercentile(p) - exact) / exact < 0.001, `p${p}`);
  }
});

test('the bucket counts of a window rebuild its histogram exactly, across a structured clone (what a worker posts)', () => {
  const h = createLatencyHistogram();
  const raw = stream(10_000).map(([, us]) => us);
  for (const us of raw) recordMicros(h, us);
  recordMicros(h, 4_000_000_000); // clamped to the top of the range: the walk reaches the last bucket
  const copy = fromBucketCounts(structuredClone(bucketCounts(h)));
  assert.equal(copy.totalCount, h.totalCount);
  // As through the compressed encoding, min and max come back as their buckets' edges.
  const viaEncoding = decodeHistogram(encodeHistogram(h));
  assert.equal(copy.minNonZeroValue, viaEncoding.minNonZeroValue);
  assert.equal(copy.maxValue, viaEncoding.maxValue);
  for (const p of [0, 1, 50, 90, 99, 99.9, 99.99, 100]) assert.equal(copy.getValueAtPercentile(p), h.getValueAtPercentile(p), `p${p}`);
  assert.equal(encodeHistogram(copy), encodeHistogram(h), 'the encoding results keep is unchanged');
  assert.equal(bucketCounts(createLatencyHistogram()).length, 0);
});

test('adding bucket counts into a histogram equals adding the histogram they rebuild', () => {
  const windows = [stream(3000), stream(500).map(([e, us, c, err]) => [e, us * 7, c, err] as const), stream(1)];
  const direct = createLatencyHistogram();
  const rebuilt = createLatencyHistogram();
  for (const win of windows) {
    const h = createLatencyHistogram();
    for (const [, us] of win) recordMicros(h, us);
    addBucketCounts(direct, bucketCounts(h));
    rebuilt.add(fromBucketCounts(bucketCounts(h)));
  }
  assert.equal(direct.totalCount, rebuilt.totalCount);
  assert.equal(direct.minNonZeroValue, rebuilt.minNonZeroValue);
  assert.equal(direct.maxValue, rebuilt.maxValue);
  assert.equal(encodeHistogram(direct), encodeHistogram(rebuilt));
});

test("a bucket's highest and median values are hdr's own, for every bucket of the layout", () => {
  const h = createLatencyHistogram() as unknown as { countsArrayLength: number; valueFromIndex(i: number): number; highestEquivalentValue(v: number): number; medianEquivalentValue(v: number): number };
  const pairs = new Float64Array(h.countsArrayLength * 2);
  for (let i = 0; i < h.countsArrayLength; i++) pairs.set([i, 1], i * 2);
  let i = 0;
  forEachBucket(pairs, (highest, median, count) => {
    const value = h.valueFromIndex(i);
    assert.equal(highest, h.highestEquivalentValue(value), `highest of bucket ${i}`);
    assert.equal(median, h.medianEquivalentValue(value), `median of bucket ${i}`);
    assert.equal(count, 1);
    i++;
  });
  assert.equal(i, h.countsArrayLength);
});

test("one pass over the counts gives hdr's own mean and percentiles", () => {
  const cases: [string, number[]][] = [
    ['one value', [250]],
    ['two far apart', [3, 3_000_000]],
    ['1,000 values, percentile counts on exact boundaries', Array.from({ length: 1000 }, (_, i) => 100 + i * 37)],
    ['the whole range', [1, 2, 1023, 2048, 65_535, 1_000_000, 59_999_999, 3_600_000_000]],
    ['a request stream', stream(50_000).map(([, micros]) => micros)],
  ];
  const percentiles = [0.1, 1, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100];
  for (const [name, values] of cases) {
    const h = createLatencyHistogram();
    for (const v of values) recordMicros(h, v);
    assert.deepEqual(percentilesMs(h, percentiles), percentiles.map((p) => h.getValueAtPercentile(p) / 1000), name);
    assert.deepEqual(percentiles.map((p) => percentileMs(h, p)), percentiles.map((p) => h.getValueAtPercentile(p) / 1000), name);
    assert.equal(meanMs(h), h.mean / 1000, name);
    const ms = (us: number) => Math.round(us) / 1000;
    assert.deepEqual(summarize(h), {
      count: values.length, avg: ms(h.mean), min: ms(h.minNonZeroValue), max: ms(h.maxValue),
      p50: ms(h.getValueAtPercentile(50)), p90: ms(h.getValueAtPercentile(90)), p95: ms(h.getValueAtPercentile(95)), p99: ms(h.getValueAtPercentile(99)), p999: ms(h.getValueAtPercentile(99.9)),
    }, name);
  }
  const empty = createLatencyHistogram();
  assert.deepEqual(percentilesMs(empty, [50, 99]), [Number.NaN, Number.NaN]);
  assert.ok(Number.isNaN(meanMs(empty)));
});

test('the series keeps a mergeable histogram per point; percentiles derived from it', () => {
  const s = new SeriesBuilder(0, 2);
  for (let sec = 0; sec < 5; sec++) {
    const hist = createLatencyHistogram();
    for (let i = 1; i <= 100; i++) recordMicros(hist, i * 1000 * (sec + 1));
    s.add({ start: sec * 1000, end: 1000 + sec * 1000, requests: 100, errors: sec, dropped: 0, hist, vus: 2, lagMs: sec, cpuMs: 100, saturated: sec === 3 });
  }
  const points = s.finish();
  assert.equal(points.length, 3, '2-second points');
  assert.deepEqual(points.map((p) => p.requests), [200, 200, 100]);
  assert.deepEqual(points.map((p) => p.saturated), [false, true, false]);
  const first = decodeHistogram(points[0]!.histogram!);
  assert.equal(first.totalCount, 200);
  // {1..100} ms and {2..200} ms: the 198th of 200 values is 196 ms.
  assert.ok(Math.abs((points[0]!.p99 ?? 0) - 196) < 0.2, `p99 ${points[0]?.p99}`);
  // Each point starts empty (the builder reuses one histogram): the last holds only {5..500} ms.
  assert.deepEqual(points.map((p) => decodeHistogram(p.histogram!).totalCount), [200, 200, 100]);
  const last = decodeHistogram(points[2]!.histogram!);
  assert.ok(Math.abs(last.minNonZeroValue - 5000) < 5, `min ${last.minNonZeroValue}`);
});

test('live metrics from windows equal a prom-client histogram fed each latency', async () => {
  const registry = new Registry();
  const bound = new LoadMetrics(registry).bind('r', ['a', 'b', 'c']);
  const reference = new Histogram({ name: 'ref', help: 'ref', labelNames: ['endpoint'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [] });
  const rec = new WindowRecorder(3, 0);
  for (const [e, us, cls, err] of stream(3000)) {
    // Latencies away from bucket bounds, where HDR's 0.1 % rounding cannot cross one.
    rec.record(e, us, cls, err, 0);
    if (cls !== 'refused') reference.observe({ endpoint: ['a', 'b', 'c'][e]! }, us / 1e6);
  }
  const snap = rec.snapshot(1, { worker: 0, phase: 0, second: 1, vus: 1, generator: gen });
  bound.addWindow(snap);
  const ours = (await registry.getSingleMetric('perfwarden_load_request_duration_seconds')!.get()).values.filter((v) => (v as { metricName?: string }).metricName?.endsWith('_bucket'));
  const ref = (await reference.get()).values.filter((v) => (v as { metricName?: string }).metricName?.endsWith('_bucket'));
  const key = (v: { labels: Record<string, unknown>; value: number }) => `${String(v.labels.endpoint)} ${String(v.labels.le)} ${v.value}`;
  const mismatches = ref.map(key).filter((k) => !ours.map(key).includes(k));
  assert.ok(mismatches.length <= 3, `bucket counts differ: ${mismatches.join(', ')}`);
  const text = await registry.metrics();
  assert.match(text, /perfwarden_load_requests_total\{run="r",endpoint="a",status_class="2xx"\} \d+/);
  assert.match(text, /perfwarden_load_request_duration_seconds_bucket\{run="r",endpoint="a",le="\+Inf"\} \d+/);
});
