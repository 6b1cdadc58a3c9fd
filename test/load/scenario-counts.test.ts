/**
 * Per-scenario fixed counts (seed 000: exactly 50/10/50/10 requests per endpoint): the pure
 * iteration → scenario order, exact across worker threads and shards (the striped segments),
 * exact at a real server for 1 and 2 workers and per VU, and the config errors with file:line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadConfigText } from '../../src/config/load-config.js';
import type { ConfigProblem } from '../../src/config/problem.js';
import { PwError } from '../../src/core/errors.js';
import { startLoad } from '../../src/load/driver.js';
import { planLoad } from '../../src/load/plan/plan.js';
import { scenarioAt, scenarioOrder } from '../../src/load/plan/scenario-order.js';
import { WHOLE, nthOwned, parseShard, shareOf, splitSegment } from '../../src/load/plan/segment.js';
import type { Segment } from '../../src/load/plan/segment.js';
import { loadConfig } from './load-fixtures.js';
import { apiTarget } from './targets.js';
import { problemsOfText } from '../helpers/config-problems.js';

const SEED_000 = [50, 10, 50, 10];

/** How many iterations of each scenario a segment runs out of `total`. */
function countsOf(order: Uint32Array, segment: Segment, total: number, scenarios: number): number[] {
  const n = new Array<number>(scenarios).fill(0);
  for (let m = 0; m < shareOf(segment, total); m++) {
    const s = scenarioAt(order, nthOwned(segment, m));
    n[s] = (n[s] ?? 0) + 1;
  }
  return n;
}

test('the order interleaves the scenarios evenly and repeats every total / gcd iterations', () => {
  const order = scenarioOrder(SEED_000);
  assert.equal(order.length, 12, '120 / gcd 10');
  assert.deepEqual([...order].filter((s) => s === 1).length, 1);
  // Every prefix of the run holds each scenario within one iteration of its share: mixed, never in blocks.
  const counts = [0, 0, 0, 0];
  for (let k = 0; k < 120; k++) {
    const s = scenarioAt(order, k);
    counts[s] = (counts[s] ?? 0) + 1;
    SEED_000.forEach((c, i) => assert.ok(Math.abs((counts[i] ?? 0) - ((k + 1) * c) / 120) <= 1, `after ${k + 1}: ${counts.join('/')}`));
  }
  assert.deepEqual(counts, SEED_000);
  const odd = scenarioOrder([7, 3, 2]);
  assert.equal(odd.length, 12);
  assert.throws(() => scenarioOrder([3, 0]), (e: unknown) => e instanceof PwError && e.code === 'PW_ERR_INVALID_ARGUMENT');
});

test('the counts are exact in every split: 2 shards of 2 threads, 3 shards of 1 to 4 threads', () => {
  for (const counts of [SEED_000, [7, 3, 2], [1, 1, 1, 97]]) {
    const order = scenarioOrder(counts);
    const total = counts.reduce((a, c) => a + c, 0);
    assert.deepEqual(countsOf(order, WHOLE, total, counts.length), counts);
    for (const shards of [2, 3]) {
      const sum = new Array<number>(counts.length).fill(0);
      for (let i = 0; i < shards; i++) {
        for (const thread of splitSegment(parseShard(`${i}/${shards}`), 1 + (i % 4) + (shards === 2 ? 1 : 0))) {
          countsOf(order, thread, total, counts.length).forEach((n, s) => (sum[s] = (sum[s] ?? 0) + n));
        }
      }
      assert.deepEqual(sum, counts, `${counts.join('/')} over ${shards} shards`);
    }
  }
});

const seedLoad = (url: string, extra: Record<string, unknown> = {}) => loadConfig({
  name: 'seed-000', url, executor: 'shared-iterations', vus: 4,
  scenarios: ['/status', '/trade', '/user', '/cache'].map((path, i) => ({ name: path.slice(1), iterations: SEED_000[i], requests: [{ path }] })),
  ...extra,
});

test('shared-iterations with 50/10/50/10: exactly those requests at the server, with 1 and with 2 workers', { timeout: 60_000 }, async () => {
  const target = await apiTarget();
  try {
    for (const workers of [1, 2]) {
      target.hits.clear();
      const r = await startLoad(seedLoad(target.url), { url: target.url }, { workers }).done;
      assert.equal(r.generator.workers, workers);
      assert.equal(r.summary.iterations, 120);
      assert.deepEqual(['/status', '/trade', '/user', '/cache'].map((p) => target.hits.get(p) ?? 0), SEED_000, `${workers} worker(s)`);
    }
    assert.equal(planLoad(seedLoad(target.url, { iterations: 120 }), { url: target.url }).phases[0]?.executor.kind, 'shared-iterations');
  } finally {
    await target.close();
  }
});

test('per-vu-iterations with counts: each VU runs each scenario its count', { timeout: 60_000 }, async () => {
  const target = await apiTarget();
  try {
    const load = loadConfig({
      name: 'per-vu', url: target.url, executor: 'per-vu-iterations', vus: 3,
      scenarios: [{ name: 'a', iterations: 4, requests: [{ path: '/a' }] }, { name: 'b', iterations: 1, requests: [{ path: '/b' }] }],
    });
    const r = await startLoad(load, { url: target.url }, { workers: 2 }).done;
    assert.equal(r.summary.iterations, 15);
    assert.deepEqual([target.hits.get('/a'), target.hits.get('/b')], [12, 3]);
  } finally {
    await target.close();
  }
});

test('fixed counts and drawn variables together: each scenario its count, and sequence 0..N-1 once across 2 workers', { timeout: 60_000 }, async () => {
  const target = await apiTarget();
  try {
    const load = loadConfig({
      name: 'counts-and-vars', url: target.url, executor: 'shared-iterations', vus: 4, seed: 7, vars: { n: 'sequence' },
      scenarios: [{ name: 'a', iterations: 30, requests: [{ path: '/a/{{n}}' }] }, { name: 'b', iterations: 10, requests: [{ path: '/b/{{n}}' }] }],
    });
    await startLoad(load, { url: target.url }, { workers: 2 }).done;
    const seen = (prefix: string) => [...target.hits.keys()].filter((p) => p.startsWith(prefix)).map((p) => Number(p.slice(prefix.length)));
    assert.equal(seen('/a/').length, 30);
    assert.equal(seen('/b/').length, 10);
    assert.deepEqual([...seen('/a/'), ...seen('/b/')].sort((x, y) => x - y), Array.from({ length: 40 }, (_, i) => i));
    assert.ok([...target.hits.values()].every((n) => n === 1), 'every number once');
  } finally {
    await target.close();
  }
});

test('the README\'s seed 000 config plans exactly 50/10/50/10 requests', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const yaml = /### The seeds, as configs\n\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const load = loadConfigText(yaml, 'README.md', {}).loads.find((l) => l.name === 'phase-2-counts');
  assert.ok(load !== undefined);
  const plan = planLoad(load, { url: 'http://127.0.0.1:8000' });
  const run = plan.phases[0]?.executor;
  assert.ok(run?.kind === 'shared-iterations' && plan.scenarioOrder !== undefined);
  assert.equal(run.iterations, 120);
  assert.deepEqual(countsOf(plan.scenarioOrder, WHOLE, run.iterations, 4), SEED_000);
  assert.deepEqual(plan.scenarios.map((s) => s.name), ['brain', 'trade', 'status', 'chat']);
});

const problemsOf = (text: string): ConfigProblem[] => problemsOfText(text, 'counts.yaml');

test('per-scenario iterations: the wrong executor, a missing count and a total that is not the sum are errors at their line', () => {
  const problems = problemsOf(`loads:
  - name: wrong-executor
    url: http://127.0.0.1:8000
    vus: 2
    duration: 10s
    scenarios:
      - name: a
        iterations: 5
        requests: [{ path: /a }]
  - name: missing-count
    url: http://127.0.0.1:8000
    executor: shared-iterations
    scenarios:
      - name: a
        iterations: 5
        requests: [{ path: /a }]
      - name: b
        requests: [{ path: /b }]
  - name: bad-total
    url: http://127.0.0.1:8000
    executor: shared-iterations
    iterations: 100
    scenarios:
      - name: a
        iterations: 50
        requests: [{ path: /a }]
      - name: b
        iterations: 10
        requests: [{ path: /b }]
`);
  const byPath = new Map(problems.map((p) => [p.path, p]));
  assert.equal(problems.length, 3, problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  assert.equal(byPath.get('loads[0].scenarios[0].iterations')?.line, 8);
  assert.match(byPath.get('loads[0].scenarios[0].iterations')?.message ?? '', /shared-iterations or per-vu-iterations/);
  assert.equal(byPath.get('loads[1].scenarios[1]')?.line, 17);
  assert.match(byPath.get('loads[1].scenarios[1]')?.message ?? '', /every scenario needs one/);
  assert.equal(byPath.get('loads[2].iterations')?.line, 22);
  assert.match(byPath.get('loads[2].iterations')?.message ?? '', /sum of the scenarios' iterations \(60\)/);
  // The load's own count may be left out (the sum) or given equal to it.
  const ok = loadConfigText(`loads:
  - name: seed-000
    url: http://127.0.0.1:8000
    executor: shared-iterations
    iterations: 60
    scenarios:
      - { name: a, iterations: 50, requests: [{ path: /a }] }
      - { name: b, iterations: 10, requests: [{ path: /b }] }
`, 'ok.yaml', {});
  assert.equal(ok.loads[0]?.scenarios?.[1]?.iterations, 10);
});
