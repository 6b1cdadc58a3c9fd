/** What other modules and the API can ask of the load runner (service "loads"). */
import type { LoadProgress, LoadResult } from './result/result.js';
import type { LoadRunSummary } from './run-store.js';

/** A configured load as listed. */
export interface LoadInfo {
  name: string;
  executor: string;
  kind: 'http' | 'ws';
  /** Target name or URL. */
  target: string;
  cron?: string;
  /** Next scheduled start (epoch ms), for scheduled loads. */
  nextRunAt?: number;
  running: boolean;
  [key: string]: unknown;
}

/** The service registered as `ctx.services.get('loads')`. */
export interface LoadService {
  /** Configured loads. */
  list(): LoadInfo[];
  /** Stored runs, newest first. */
  runs(options?: { load?: string; limit?: number }): Promise<LoadRunSummary[]>;
  /** A finished run's result. */
  result(runId: string): Promise<LoadResult | undefined>;
  /** The run in progress, if any. */
  current(): LoadProgress | undefined;
  /**
   * Starts a run of a configured load now (one run at a time); resolves with its id at once.
   * Throws PW_ERR_NOT_FOUND for an unknown load, PW_ERR_CONFLICT when a run is in progress.
   */
  trigger(name: string): { runId: string };
  /** Stops a running run (its result is kept, marked aborted); false when it is not running. */
  abort(runId: string, reason: string): boolean;
  /** Resolves when the given run has ended (undefined for an unknown run id). */
  waitFor(runId: string): Promise<LoadResult | undefined>;
}

/** The service's name in `ctx.services`. */
export const LOADS_SERVICE = 'loads';
