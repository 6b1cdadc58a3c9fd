/**
 * What the API needs from services other modules register in `ctx.services`. Structural and
 * minimal, so the API compiles and degrades (503) before those modules exist; the real services
 * satisfy these shapes.
 */
import type { TargetHealth } from '../health/health-monitor.js';
import type { ProbeResult, ProbeType } from '../probe/types.js';

/** Service "probes" (`src/probe/probe-module.ts`). */
export interface ProbesServiceLike {
  list(): { name: string; kind: ProbeType; target: string }[];
  last(): ReadonlyMap<string, ProbeResult>;
}

/** A configured load as listed by the load service. */
export interface LoadInfoLike {
  name: string;
  [key: string]: unknown;
}

/** Service "loads" (`src/load/load-service.ts`). */
export interface LoadsServiceLike {
  /** Configured loads. */
  list(): readonly LoadInfoLike[];
  /**
   * Starts a run of a configured load now; resolves once it has an id (not when it ends).
   * Throws PW_ERR_NOT_FOUND for an unknown load, PW_ERR_CONFLICT when a run is in progress.
   */
  trigger(name: string): Promise<{ runId: string }> | { runId: string };
  /** Stops a running run; false when it is not running. */
  abort(runId: string, reason: string): boolean | Promise<boolean>;
}

/**
 * One alert instance as listed by the alerts service. Either `level` (none/warning/critical,
 * the alerts module's `InstanceState`) or `state` + `severity` says whether it fires.
 */
export interface AlertStateLike {
  alert: string;
  subject?: string;
  level?: string;
  severity?: string;
  state?: string;
  firingSince?: number;
  valueText?: string;
}

/** Service "alerts" (`src/alerts/alert-service.ts`). */
export interface AlertsServiceLike {
  list(): readonly AlertStateLike[] | Promise<readonly AlertStateLike[]>;
}

/** Service "health" (`src/health/health-monitor.ts`). */
export interface HealthServiceLike {
  snapshot(): readonly TargetHealth[];
}

/** Returns the service when it has the named methods, else undefined. */
export function serviceWith<T>(services: ReadonlyMap<string, unknown>, name: string, methods: readonly string[]): T | undefined {
  const s = services.get(name);
  if (typeof s !== 'object' || s === null) return undefined;
  for (const m of methods) if (typeof (s as Record<string, unknown>)[m] !== 'function') return undefined;
  return s as T;
}
