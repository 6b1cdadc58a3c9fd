import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownerOf } from '../../src/core/rendezvous.js';

test('rendezvous hashing: deterministic, balanced, and N → N+1 moves few names', () => {
  const names = Array.from({ length: 3000 }, (_, i) => `probe-${i}`);
  const three = names.map((n) => ownerOf(n, 3));
  assert.deepEqual(three, names.map((n) => ownerOf(n, 3)), 'every replica computes the same owner');
  for (let s = 0; s < 3; s++) {
    const share = three.filter((o) => o === s).length / names.length;
    assert.ok(Math.abs(share - 1 / 3) < 0.04, `shard ${s} owns ${share}`);
  }
  const four = names.map((n) => ownerOf(n, 4));
  const moved = names.filter((_, i) => three[i] !== four[i]).length / names.length;
  assert.ok(moved > 0.18 && moved < 0.32, `moved ${moved} (ideal 1/4)`);
  assert.ok(names.every((_, i) => three[i] === four[i] || four[i] === 3), 'names only move to the new shard');
});
