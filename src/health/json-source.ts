/** Reads memory, CPU and cache figures from fields of a JSON status endpoint. */
import { request } from 'undici';
import type { JsonSourceConfig } from '../config/sections/resources.js';
import { compileJsonPath, readJsonPath } from '../core/json-path.js';
import type { CompiledJsonPath } from '../core/json-path.js';
import { failure } from './source.js';
import type { Source, SourceReading } from './source.js';

const FIELDS = ['memory', 'memoryLimit', 'cpu', 'cacheHitRatio', 'cacheHits', 'cacheMisses'] as const;
const OUT: Record<(typeof FIELDS)[number], keyof SourceReading> = {
  memory: 'memoryBytes', memoryLimit: 'memoryLimitBytes', cpu: 'cpuRatio', cacheHitRatio: 'cacheHitRatio', cacheHits: 'cacheHits', cacheMisses: 'cacheMisses',
};

/** Creates the source. A configured path that is missing or not a number makes the read fail (the endpoint changed). */
export function createJsonSource(config: JsonSourceConfig, baseUrl?: string): Source {
  const url = config.url ?? `${baseUrl ?? ''}${config.path ?? ''}`;
  const paths: [keyof SourceReading, string, CompiledJsonPath][] = [];
  for (const f of FIELDS) {
    const p = config[f];
    if (p !== undefined) paths.push([OUT[f], p, compileJsonPath(p)]);
  }
  return {
    type: 'json',
    async read(): Promise<SourceReading> {
      try {
        const res = await request(url, { headersTimeout: config.timeout, bodyTimeout: config.timeout, headers: { accept: 'application/json' } });
        const text = await res.body.text();
        if (res.statusCode !== 200) return { ok: false, error: `HTTP ${res.statusCode} from ${url}` };
        const body = JSON.parse(text) as unknown;
        const out: Record<string, number> = {};
        for (const [key, text, path] of paths) {
          const { found, value } = readJsonPath(body, path);
          const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
          if (!found || !Number.isFinite(n)) return { ok: false, error: `${text} is ${found ? `not a number (${JSON.stringify(value)})` : 'missing'}` };
          out[key] = n;
        }
        return { ok: true, ...out };
      } catch (thrown) {
        return failure(thrown);
      }
    },
  };
}
