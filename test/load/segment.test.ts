import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '../../src/core/errors.js';
import { WHOLE, nthOwned, parseShard, shareOf, splitSegment } from '../../src/load/plan/segment.js';

test('splits are exact: every item in exactly one share, nested splits included', () => {
  for (const total of [0, 1, 7, 50, 101, 3000]) {
    for (const shards of [1, 2, 3, 4]) {
      // Shards, each split in a different number of threads (machines differ).
      const leaves = splitSegment(WHOLE, shards).flatMap((s, i) => splitSegment(s, i + 1));
      assert.equal(leaves.reduce((a, s) => a + shareOf(s, total), 0), total, `${total} in ${shards} shards`);
      const owners = new Array<number>(total).fill(0);
      for (const s of leaves) for (let m = 0; m < shareOf(s, total); m++) owners[nthOwned(s, m)]!++;
      assert.ok(owners.every((n) => n === 1), 'each item owned once');
    }
  }
});

test('shares differ by at most one item', () => {
  const parts = splitSegment(WHOLE, 3);
  assert.deepEqual(parts.map((s) => shareOf(s, 10)), [4, 3, 3]);
});

test('--shard INDEX/COUNT parses 0-based', () => {
  assert.deepEqual(parseShard('2/3'), { offset: 2, stride: 3 });
  for (const bad of ['3/3', '1', 'a/b', '0/0']) {
    assert.throws(() => parseShard(bad), (e: unknown) => hasCode(e, 'PW_ERR_INVALID_ARGUMENT'), bad);
  }
});
