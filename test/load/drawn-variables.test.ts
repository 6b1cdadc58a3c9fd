/**
 * Variables drawn per iteration: the expressions parse (and say what is wrong), Zipf ranks follow
 * P(k) ∝ 1/k^s (chi-square at a fixed seed), randomInt and choice keep to their ranges and
 * weights, an iteration draws the same values whichever worker runs it, and `sequence` is the
 * global iteration number.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planLoad } from '../../src/load/plan/plan.js';
import type { LoadPlan } from '../../src/load/plan/plan.js';
import { VuDraws, WorkerDraws, withRunSeed } from '../../src/load/draws/draws.js';
import { parseVarExpr } from '../../src/load/draws/var-expr.js';
import { ZipfSampler } from '../../src/load/draws/zipf.js';
import { IterationRandom } from '../../src/load/draws/prng.js';
import { WHOLE, splitSegment } from '../../src/load/plan/segment.js';
import { hasCode } from '../../src/core/errors.js';
import { loadConfig } from './load-fixtures.js';

/** A plan whose only request is GET /x?a={{a}}&b={{b}}… for the given names. */
function planOf(vars: Record<string, string>, seed = 7): LoadPlan {
  const names = Object.keys(vars);
  const load = loadConfig({
    name: 'v', url: 'http://127.0.0.1:1', executor: 'shared-iterations', vus: 1, iterations: 1, seed, vars,
    scenarios: [{ name: 's', requests: [{ path: `/x?${names.map((n) => `${n}={{${n}}}`).join('&')}` }] }],
  });
  return planLoad(load, { url: 'http://127.0.0.1:1' });
}

/** Draws `n` iterations on one VU; returns the values of each name per iteration. */
function drawMany(plan: LoadPlan, n: number, segment = WHOLE): Map<number, string>[] {
  const vu = new VuDraws(new WorkerDraws(plan.draws!, segment), plan.slotCount);
  const out: Map<number, string>[] = [];
  for (let i = 0; i < n; i++) {
    vu.begin(plan.cumulativeWeights);
    out.push(new Map(vu.values.map((v, slot) => [slot, v])));
  }
  return out;
}

/** The slot of the k-th `{{name}}` of the plan's only request. */
function slot(plan: LoadPlan, k: number): number {
  return plan.scenarios[0]!.requests[0]!.template!.path.slots[k]!;
}

function chiSquare(observed: readonly number[], expected: readonly number[]): number {
  return observed.reduce((a, o, i) => a + (o - expected[i]!) ** 2 / expected[i]!, 0);
}

test('expressions: each function parses; mistakes say what is wrong', () => {
  assert.deepEqual(parseVarExpr('zipf(1000, 1.1)'), { fn: 'zipf', n: 1000, s: 1.1 });
  assert.deepEqual(parseVarExpr(' randomInt( -5 , 5 ) '), { fn: 'randomInt', min: -5, max: 5 });
  assert.deepEqual(parseVarExpr('choice(gold:1, silver:3, "a,b")'), { fn: 'choice', values: ['gold', 'silver', 'a,b'], weights: [1, 3, 1] });
  assert.deepEqual(parseVarExpr('sequence'), { fn: 'sequence', start: 0 });
  assert.deepEqual(parseVarExpr('sequence(1)'), { fn: 'sequence', start: 1 });
  assert.deepEqual(parseVarExpr('uuid'), { fn: 'uuid' });
  for (const bad of ['zipff(10, 1)', 'randomInt(5, 1)', 'randomInt(1)', 'randomInt(1.5, 2)', 'zipf(0, 1.1)', 'zipf(10, 0)', 'zipf(10)', 'choice()', 'choice(a, , b)', 'choice(a:-1)', 'uuid(3)', 'sequence(a)', '42']) {
    assert.throws(() => parseVarExpr(bad), (e) => hasCode(e, 'PW_ERR_INVALID_ARGUMENT'), bad);
  }
});

test('zipf(50, 1.1): rank frequencies pass a chi-square test at a fixed seed (100,000 draws, df 49, critical value 85.35 at p = 0.001)', () => {
  const plan = planOf({ key: 'zipf(50, 1.1)' }, 20261201);
  const s = slot(plan, 0);
  const N = 100_000;
  const observed = new Array<number>(50).fill(0);
  for (const v of drawMany(plan, N)) observed[Number(v.get(s)) - 1]!++;
  const weights = observed.map((_, i) => (i + 1) ** -1.1);
  const h = weights.reduce((a, b) => a + b, 0);
  const expected = weights.map((w) => (N * w) / h);
  const chi = chiSquare(observed, expected);
  assert.ok(chi < 85.35, `chi-square ${chi.toFixed(1)}`);
  // A test that could fail: the same draws against a uniform distribution are rejected by far.
  assert.ok(chiSquare(observed, observed.map(() => N / 50)) > 10_000);
});

test('zipf(1000000, 1.1) costs nothing to set up and keeps its head and tail (chi-square on ranks 1..20 and the rest, df 20, critical 45.31)', () => {
  const t0 = performance.now();
  const sampler = new ZipfSampler(1_000_000, 1.1);
  assert.ok(performance.now() - t0 < 5, 'O(1) set-up: no table of a million entries');
  const random = new IterationRandom();
  random.reset(99, 0);
  const uniform = () => random.next();
  const N = 200_000;
  const observed = new Array<number>(21).fill(0);
  let max = 0;
  for (let i = 0; i < N; i++) {
    const k = sampler.sample(uniform);
    assert.ok(k >= 1 && k <= 1_000_000 && Number.isInteger(k));
    max = Math.max(max, k);
    observed[Math.min(k, 21) - 1]!++;
  }
  let h = 0;
  for (let k = 1; k <= 1_000_000; k++) h += k ** -1.1;
  const head = Array.from({ length: 20 }, (_, i) => (N * (i + 1) ** -1.1) / h);
  const expected = [...head, N - head.reduce((a, b) => a + b, 0)];
  assert.ok(chiSquare(observed, expected) < 45.31, `chi-square ${chiSquare(observed, expected).toFixed(1)}`);
  assert.ok(max > 100_000, `the tail is reached (max rank ${max})`);
});

test('randomInt and choice: inclusive ranges, uniform and weighted frequencies', () => {
  const plan = planOf({ n: 'randomInt(3, 7)', tier: 'choice(gold:1, silver:3)', side: 'choice(buy, sell)' });
  const N = 40_000;
  const counts = new Map<string, number>();
  const tiers = new Map<string, number>();
  const sides = new Map<string, number>();
  for (const v of drawMany(plan, N)) {
    counts.set(v.get(slot(plan, 0))!, (counts.get(v.get(slot(plan, 0))!) ?? 0) + 1);
    tiers.set(v.get(slot(plan, 1))!, (tiers.get(v.get(slot(plan, 1))!) ?? 0) + 1);
    sides.set(v.get(slot(plan, 2))!, (sides.get(v.get(slot(plan, 2))!) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), ['3', '4', '5', '6', '7'], 'both ends included, nothing outside');
  // df 4, critical 18.47 at p = 0.001.
  assert.ok(chiSquare([...counts.values()], [...counts.values()].map(() => N / 5)) < 18.47);
  assert.ok(Math.abs(tiers.get('silver')! / N - 0.75) < 0.015, `silver ${tiers.get('silver')}`);
  assert.ok(Math.abs(sides.get('buy')! / N - 0.5) < 0.015, `buy ${sides.get('buy')}`);
});

test('a seeded iteration draws the same values on whichever worker runs it; sequence is the global iteration number', () => {
  const plan = planOf({ key: 'zipf(1000, 1.2)', n: 'randomInt(1, 1000000)', seq: 'sequence(1)' }, 42);
  const whole = drawMany(plan, 40);
  const [even, odd] = splitSegment(WHOLE, 2);
  const a = drawMany(plan, 20, even);
  const b = drawMany(plan, 20, odd);
  const merged = whole.map((_, i) => (i % 2 === 0 ? a[i / 2] : b[(i - 1) / 2]));
  assert.deepEqual(merged, whole, 'worker j of 2 draws iterations j, j+2, … exactly as one worker does');
  assert.deepEqual(whole.map((v) => v.get(slot(plan, 2))), whole.map((_, i) => String(i + 1)));
  const other = drawMany(planOf({ key: 'zipf(1000, 1.2)', n: 'randomInt(1, 1000000)', seq: 'sequence(1)' }, 43), 40);
  assert.notDeepEqual(other.map((v) => v.get(slot(plan, 1))), whole.map((v) => v.get(slot(plan, 1))), 'another seed draws otherwise');
});

test('the run seed: the configured one, else the shards\' agreed start instant, else a random one; loads that draw nothing are left alone', () => {
  const draws = loadConfig({ name: 'v', url: 'http://127.0.0.1:1', vus: 1, duration: '1s', vars: { n: 'sequence' }, scenarios: [{ name: 's', requests: [{ path: '/{{n}}' }] }] });
  assert.equal(withRunSeed(draws, 1_764_590_400_000).seed, 1_764_590_400_000);
  const random = withRunSeed(draws).seed;
  assert.ok(random !== undefined && Number.isInteger(random) && random >= 0);
  assert.equal(withRunSeed({ ...draws, seed: 5 }, 99).seed, 5);
  const plain = loadConfig({ name: 'p', url: 'http://127.0.0.1:1', vus: 1, duration: '1s', scenarios: [{ name: 's', requests: [{ path: '/' }] }] });
  assert.equal(withRunSeed(plain), plain);
  assert.equal(planLoad(plain, { url: 'http://127.0.0.1:1' }).draws, undefined, 'no draws: scenarios picked as before');
});
