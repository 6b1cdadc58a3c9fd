/** Redis `INFO stats` / `INFO memory`: keyspace hits/misses (cache hit ratio) and used memory. */
import { Redis } from 'ioredis';
import type { RedisSourceConfig } from '../config/sections/resources.js';
import { failure } from './source.js';
import type { Source, SourceReading } from './source.js';

/** Parses `INFO` output ("key:value" lines) into a map. */
export function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return out;
}

/** Creates the source; one lazily connected client, no offline queue (a down Redis fails fast). */
export function createRedisSource(config: RedisSourceConfig): Source {
  const client = new Redis(config.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: config.timeout,
    commandTimeout: config.timeout,
    retryStrategy: () => null,
  });
  client.on('error', () => { /* reported through read() */ });
  const connect = async () => {
    if (client.status === 'ready') return;
    if (client.status === 'end' || client.status === 'wait') await client.connect();
  };
  return {
    type: 'redis',
    async read(): Promise<SourceReading> {
      try {
        await connect();
        const info = parseInfo(`${await client.info('stats')}\n${await client.info('memory')}`);
        const hits = Number(info.get('keyspace_hits'));
        const misses = Number(info.get('keyspace_misses'));
        const used = Number(info.get('used_memory'));
        const max = Number(info.get('maxmemory'));
        return {
          ok: true,
          ...(Number.isFinite(used) ? { memoryBytes: used } : {}),
          ...(Number.isFinite(max) && max > 0 ? { memoryLimitBytes: max } : {}),
          ...(Number.isFinite(hits) && Number.isFinite(misses) ? { cacheHits: hits, cacheMisses: misses } : {}),
        };
      } catch (thrown) {
        return failure(thrown);
      }
    },
    async close(): Promise<void> {
      client.disconnect();
    },
  };
}
