/**
 * The keyed read path behind `GET /api/items/:id`: a real in-process LRU (lru-cache) of
 * `cacheSize` entries over a universe of `keySpace` items. A miss computes the item with a little
 * CPU work, so hit ratio visibly changes latency — the effect cache workloads measure.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** One catalogue item as served by the demo. */
export interface DemoItem {
  id: number;
  name: string;
  price: number;
  stock: number;
  digest: string;
}

/** Counts of the cache's hits and misses since start. */
export interface CacheStats {
  size: number;
  capacity: number;
  keySpace: number;
  hits: number;
  misses: number;
}

/** The item cache. */
export interface ItemCache {
  /** The item and whether it came from the cache. */
  get(id: number): { item: DemoItem; hit: boolean };
  stats(): CacheStats;
}

/** Rounds of hashing a miss costs: enough to be measurable, small enough for a loaded CI box. */
const MISS_WORK_ROUNDS = 200;

/** Creates an LRU item cache of `capacity` entries over ids 0..keySpace-1. */
export function createItemCache(capacity: number, keySpace: number): ItemCache {
  const lru = new LRUCache<number, DemoItem>({ max: capacity });
  let hits = 0;
  let misses = 0;
  return {
    get(id) {
      const cached = lru.get(id);
      if (cached !== undefined) {
        hits++;
        return { item: cached, hit: true };
      }
      misses++;
      const item = computeItem(id);
      lru.set(id, item);
      return { item, hit: false };
    },
    stats: () => ({ size: lru.size, capacity, keySpace, hits, misses }),
  };
}

/** Deterministic item for an id, after a little hashing work (the "database" of the demo). */
export function computeItem(id: number): DemoItem {
  let digest = createHash('sha256').update(`item:${id}`).digest();
  for (let i = 0; i < MISS_WORK_ROUNDS; i++) digest = createHash('sha256').update(digest).digest();
  return {
    id,
    name: `item-${id}`,
    price: Math.round((digest.readUInt32BE(0) % 100_000)) / 100,
    stock: digest.readUInt16BE(4) % 500,
    digest: digest.toString('hex').slice(0, 16),
  };
}
