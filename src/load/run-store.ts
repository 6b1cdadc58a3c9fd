/**
 * Where finished load runs are kept: a small async interface. The daemon's is SQLite history's
 * (`src/history/sqlite-load-run-store.ts`, offered as a service); the in-memory one here serves a
 * load module that runs without history (tests, embedding).
 */
import type { LoadResult } from './result/result.js';

/** A run's lifecycle state. */
export type LoadRunStatus = 'running' | 'finished' | 'aborted' | 'error';

/** One run as stored. */
export interface StoredLoadRun {
  runId: string;
  load: string;
  status: LoadRunStatus;
  /** Epoch ms. */
  startedAt: number;
  finishedAt?: number;
  verdict?: LoadResult['verdict'];
  /** Why the run ended in `error` or `aborted`. */
  message?: string;
  result?: LoadResult;
}

/** A run as listed (without its result). */
export type LoadRunSummary = Omit<StoredLoadRun, 'result'>;

/** Keeps load runs. */
export interface RunStore {
  /** Inserts or replaces a run. */
  save(run: StoredLoadRun): Promise<void>;
  get(runId: string): Promise<StoredLoadRun | undefined>;
  /** Newest first. */
  list(options?: { load?: string; limit?: number }): Promise<LoadRunSummary[]>;
}

function summaryOf(run: StoredLoadRun): LoadRunSummary {
  const { result: _result, ...rest } = run;
  return rest;
}

/** An in-memory store keeping the newest `keep` runs. */
export function createMemoryRunStore(keep = 50): RunStore {
  const runs = new Map<string, StoredLoadRun>();
  const newestFirst = () => [...runs.values()].sort((a, b) => b.startedAt - a.startedAt);
  return {
    async save(run) {
      runs.set(run.runId, structuredClone(run));
      for (const old of newestFirst().slice(keep)) runs.delete(old.runId);
    },
    async get(runId) {
      const r = runs.get(runId);
      return r === undefined ? undefined : structuredClone(r);
    },
    async list(options = {}) {
      return newestFirst().filter((r) => options.load === undefined || r.load === options.load).slice(0, options.limit ?? keep).map(summaryOf);
    },
  };
}

/** The service name under which a module (SQLite history) offers a `RunStore` to the load module. */
export const LOAD_RUN_STORE_SERVICE = 'load-run-store';
