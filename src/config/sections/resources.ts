/** `targets[].resources`: where a target's memory, CPU and cache figures come from, and leak detection. */
import { Type } from '@sinclair/typebox';
import type { StaticDecode } from '@sinclair/typebox';
import { Duration, JsonPathT, Size, Strict } from '../types.js';

/** Scrape the target's own Prometheus exposition. */
export const PrometheusSourceSchema = Strict({
  type: Type.Literal('prometheus'),
  url: Type.String({ pattern: '^https?://', errorMessage: 'expected the exposition URL, like "http://127.0.0.1:8000/metrics"' }),
  memoryMetric: Type.String({ default: 'process_resident_memory_bytes' }),
  cpuMetric: Type.String({ default: 'process_cpu_seconds_total' }),
  cacheHitsMetric: Type.Optional(Type.String()),
  cacheMissesMetric: Type.Optional(Type.String()),
  timeout: Duration({ default: '5s' }),
});

/** Read fields of a JSON status endpoint. */
export const JsonSourceSchema = Strict({
  type: Type.Literal('json'),
  url: Type.String({ pattern: '^https?://', errorMessage: 'expected an http(s) URL' }),
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
