/** Scrapes a target's own Prometheus exposition and picks memory, CPU seconds and cache counters. */
import { request } from 'undici';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { ParsedFamily } from 'parse-prometheus-text-format';
import type { PrometheusSourceConfig } from '../config/sections/resources.js';
import { CpuRate, failure } from './source.js';
import type { Source, SourceReading } from './source.js';

/** Sum of every sample of the family called `name` (a counter may be exposed with or without `_total`). */
export function pickSum(families: readonly ParsedFamily[], name: string): number | undefined {
  const candidates = [name, name.endsWith('_total') ? name.slice(0, -6) : `${name}_total`];
  for (const c of candidates) {
    const fam = families.find((f) => f.name === c);
    const values = (fam?.metrics ?? []).map((m) => Number(m.value)).filter((v) => Number.isFinite(v));
    if (values.length > 0) return values.reduce((a, b) => a + b, 0);
  }
  return undefined;
}

/** Creates the source. */
export function createPrometheusSource(config: PrometheusSourceConfig, baseUrl?: string): Source {
  const url = config.url ?? `${baseUrl ?? ''}${config.path ?? ''}`;
  const cpu = new CpuRate();
  return {
    type: 'prometheus',
    async read(now: number): Promise<SourceReading> {
      try {
        const res = await request(url, { headersTimeout: config.timeout, bodyTimeout: config.timeout, headers: { accept: 'text/plain' } });
        const text = await res.body.text();
        if (res.statusCode !== 200) return { ok: false, error: `HTTP ${res.statusCode} from ${url}` };
        const families = parsePrometheusTextFormat(text);
        const memoryBytes = pickSum(families, config.memoryMetric);
        const cpuSeconds = pickSum(families, config.cpuMetric);
        const cpuRatio = cpuSeconds === undefined ? undefined : cpu.next(now, cpuSeconds);
        const hits = config.cacheHitsMetric === undefined ? undefined : pickSum(families, config.cacheHitsMetric);
        const misses = config.cacheMissesMetric === undefined ? undefined : pickSum(families, config.cacheMissesMetric);
        return {
          ok: true,
          ...(memoryBytes === undefined ? {} : { memoryBytes }),
          ...(cpuRatio === undefined ? {} : { cpuRatio }),
          ...(hits === undefined || misses === undefined ? {} : { cacheHits: hits, cacheMisses: misses }),
        };
      } catch (thrown) {
        return failure(thrown);
      }
    },
  };
}
