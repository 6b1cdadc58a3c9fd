/**
 * Rendezvous (highest-random-weight) hashing: which of `count` shards owns a name. Each shard
 * scores every name with a stable hash and the highest score wins, so every replica computes the
 * same owner with no coordination, and changing the count from N to N+1 moves only about
 * 1/(N+1) of the names (to the new shard) instead of reshuffling them all.
 */
import { createHash } from 'node:crypto';

function score(shard: number, name: string): number {
  return createHash('sha256').update(`${shard}\u0000${name}`).digest().readUInt32BE(0);
}

/** The shard (0 .. count-1) that owns `name`. */
export function ownerOf(name: string, count: number): number {
  let best = 0;
  let bestScore = -1;
  for (let shard = 0; shard < count; shard++) {
    const s = score(shard, name);
    if (s > bestScore) {
      best = shard;
      bestScore = s;
    }
  }
  return best;
}
