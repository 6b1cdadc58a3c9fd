/**
 * A tiny time-to-live cache for the demo's cacheable status endpoints, so they answer with
 * `X-Cache: HIT|MISS` like a backend behind a response cache. Time comes from the injected clock.
 */
import type { Clock } from '../core/clock.js';

/** Caches computed values per key for `ttlMs`. */
export interface ResponseCache {
  /** The cached value for `key`, or `compute()`'s result (then cached). */
  get<T>(key: string, compute: () => T): { value: T; hit: boolean };
}

/** Creates a TTL cache on `clock`. */
export function createResponseCache(clock: Clock, ttlMs: number): ResponseCache {
  const entries = new Map<string, { value: unknown; expiresAt: number }>();
  return {
    get<T>(key: string, compute: () => T) {
      const now = clock.now();
      const entry = entries.get(key);
      if (entry !== undefined && entry.expiresAt > now) return { value: entry.value as T, hit: true };
      const value = compute();
      entries.set(key, { value, expiresAt: now + ttlMs });
      return { value, hit: false };
    },
  };
}
