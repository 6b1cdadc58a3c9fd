/** `targets[].resources`: where a target's memory, CPU and cache figures come from, and leak detection. */
import { Type } from '@sinclair/typebox';
import type { StaticDecode } from '@sinclair/typebox';
import type { ReportProblem } from '../problem.js';
import { Duration, JsonPathT, Size, Strict } from '../types.js';

/** Scrape the target's own Prometheus exposition. */
export const PrometheusSourceSchema = Strict({
  type: Type.Literal('prometheus'),
  /** The exposition URL; or `path`, joined to the target's URL. */
  url: Type.Optional(Type.String({ pattern: '^https?://', errorMessage: 'expected the exposition URL, like "http://127.0.0.1:8000/metrics"' })),
  path: Type.Optional(Type.String({ pattern: '^/', errorMessage: 'expected a path starting with "/"' })),
  memoryMetric: Type.String({ default: 'process_resident_memory_bytes' }),
  cpuMetric: Type.String({ default: 'process_cpu_seconds_total' }),
  cacheHitsMetric: Type.Optional(Type.String()),
  cacheMissesMetric: Type.Optional(Type.String()),
  timeout: Duration({ default: '5s' }),
});

/** Read fields of a JSON status endpoint. */
export const JsonSourceSchema = Strict({
  type: Type.Literal('json'),
  /** The status endpoint; or `path`, joined to the target's URL. */
  url: Type.Optional(Type.String({ pattern: '^https?://', errorMessage: 'expected an http(s) URL' })),
  path: Type.Optional(Type.String({ pattern: '^/', errorMessage: 'expected a path starting with "/"' })),
  memory: Type.Optional(JsonPathT()),
  memoryLimit: Type.Optional(JsonPathT()),
  cpu: Type.Optional(JsonPathT()),
  cacheHitRatio: Type.Optional(JsonPathT()),
  cacheHits: Type.Optional(JsonPathT()),
  cacheMisses: Type.Optional(JsonPathT()),
  timeout: Duration({ default: '5s' }),
});

/** `/proc/<pid>` of a local process. */
export const ProcessSourceSchema = Strict({
  type: Type.Literal('process'),
  pid: Type.Optional(Type.Integer({ minimum: 1 })),
  pidFile: Type.Optional(Type.String({ minLength: 1 })),
});

/** Redis `INFO stats` / `INFO memory`. */
export const RedisSourceSchema = Strict({
  type: Type.Literal('redis'),
  url: Type.String({ pattern: '^rediss?://', errorMessage: 'expected a redis URL like "redis://127.0.0.1:6379"' }),
  timeout: Duration({ default: '5s' }),
});

/** One source. */
export const ResourceSourceSchema = Type.Union([PrometheusSourceSchema, JsonSourceSchema, ProcessSourceSchema, RedisSourceSchema]);

/** `targets[].resources`. */
export const ResourcesSchema = Strict({
  every: Duration({ default: '15s' }),
  sources: Type.Array(ResourceSourceSchema, { default: [] }),
  /** The memory limit ratios and "limit reached in N hours" are computed against. */
  memoryLimit: Type.Optional(Size()),
  /** Derive a cache hit ratio from probe responses' X-Cache / CF-Cache-Status / Age headers. */
  cacheFromHeaders: Type.Boolean({ default: true }),
  leak: Strict({
    window: Duration({ default: '30m' }),
    /** Slopes below this (bytes per minute) are never a leak. */
    minSlopePerMinute: Size({ default: '1KiB' }),
  }, { default: {} }),
});

/** Decoded types. */
export type ResourcesConfig = StaticDecode<typeof ResourcesSchema>;
export type ResourceSourceConfig = StaticDecode<typeof ResourceSourceSchema>;
export type PrometheusSourceConfig = StaticDecode<typeof PrometheusSourceSchema>;
export type JsonSourceConfig = StaticDecode<typeof JsonSourceSchema>;
export type ProcessSourceConfig = StaticDecode<typeof ProcessSourceSchema>;
export type RedisSourceConfig = StaticDecode<typeof RedisSourceSchema>;

/** Each http source has exactly one of url/path; a process source exactly one of pid/pidFile. */
export function checkResources(raw: { targets?: unknown }, report: ReportProblem): void {
  const targets = Array.isArray(raw.targets) ? (raw.targets as { resources?: { sources?: unknown } }[]) : [];
  targets.forEach((t, i) => {
    const sources = Array.isArray(t?.resources?.sources) ? (t.resources.sources as Record<string, unknown>[]) : [];
    sources.forEach((s, j) => {
      const at = ['targets', i, 'resources', 'sources', j];
      if ((s.type === 'prometheus' || s.type === 'json') && (s.url === undefined) === (s.path === undefined)) report(at, 'expected exactly one of "url" or "path"');
      if (s.type === 'process' && (s.pid === undefined) === (s.pidFile === undefined)) report(at, 'expected exactly one of "pid" or "pidFile"');
    });
  });
}
