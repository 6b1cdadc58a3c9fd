/**
 * Where a run's health comes from: plain data, apart from the sampler (`run-health.ts`) so that
 * a run without health sources never loads their clients.
 */
import type { ResourceSourceConfig, ResourcesConfig } from '../../config/sections/resources.js';

/** Where a run's health comes from. */
export interface RunHealthConfig {
  /** Sampling interval, ms. */
  every: number;
  sources: readonly ResourceSourceConfig[];
  /** The target's base URL (sources given as a `path`). */
  baseUrl: string;
  memoryLimitBytes?: number;
}

/** The health config of a load: its own `health:`, else its target's `resources`. */
export function runHealthConfig(own: { every: number; sources: readonly ResourceSourceConfig[]; memoryLimit?: number } | undefined, target: ResourcesConfig | undefined, baseUrl: string): RunHealthConfig | undefined {
  if (own !== undefined && own.sources.length > 0) return { every: own.every, sources: own.sources, baseUrl, ...(own.memoryLimit === undefined ? {} : { memoryLimitBytes: own.memoryLimit }) };
  if (target !== undefined && target.sources.length > 0) return { every: Math.min(target.every, 5000), sources: target.sources, baseUrl, ...(target.memoryLimit === undefined ? {} : { memoryLimitBytes: target.memoryLimit }) };
  return undefined;
}
