/** Payloads of the load runner's daemon events ('load:started', 'load:progress', 'load:finished'). */
import type { LoadProgress, LoadResult } from './result/result.js';
import type { LoadRunStatus } from './run-store.js';

/** A run began. */
export interface LoadStartedEvent {
  runId: string;
  load: string;
  startedAt: number;
  trigger: 'schedule' | 'manual';
}

/** Once a second while a run goes. */
export type LoadProgressEvent = LoadProgress;

/** A run ended (finished, aborted or failed to run). */
export interface LoadFinishedEvent {
  runId: string;
  load: string;
  status: Exclude<LoadRunStatus, 'running'>;
  result?: LoadResult;
  message?: string;
}
