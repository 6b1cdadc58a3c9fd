/**
 * Where finished load runs are kept until (and besides) SQLite history: a small async interface
 * with a file implementation that keeps the newest N results as JSON files, and an in-memory one
 * for tests and `storage.path: ":memory:"`.
 */
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PwError, coerceError } from '../core/errors.js';
import type { LoadResult } from './result.js';

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

/**
 * A directory of `<startedAt>-<runId>.json` files, newest `keep` kept. Writes go to a temporary
 * file and are renamed into place, so a crash never leaves half a result.
 */
export function createFileRunStore(dir: string, keep = 20): RunStore {
  // Created on first use, so a daemon without loads leaves no empty folder behind.
  let made: Promise<unknown> | undefined;
  const ready = () => (made ??= mkdir(dir, { recursive: true }));
  const fileOf = (run: Pick<StoredLoadRun, 'runId' | 'startedAt'>) => `${String(Math.floor(run.startedAt)).padStart(15, '0')}-${run.runId}.json`;
  const files = async () => (await readdir(dir)).filter((f) => f.endsWith('.json')).sort().reverse();
  const fail = (what: string, thrown: unknown) => new PwError('PW_ERR_STORAGE', `load run store ${dir}: cannot ${what}: ${coerceError(thrown).message}`, { cause: thrown });
  const read = async (file: string): Promise<StoredLoadRun | undefined> => {
    try {
      return JSON.parse(await readFile(join(dir, file), 'utf8')) as StoredLoadRun;
    } catch {
      return undefined;
    }
  };
  return {
    async save(run) {
      try {
        await ready();
        const file = fileOf(run);
        const tmp = join(dir, `.${file}.tmp`);
        await writeFile(tmp, JSON.stringify(run));
        await rename(tmp, join(dir, file));
        for (const old of (await files()).slice(keep)) await rm(join(dir, old), { force: true });
      } catch (thrown) {
        throw fail('save', thrown);
      }
    },
    async get(runId) {
      await ready();
      const file = (await files()).find((f) => f.endsWith(`-${runId}.json`));
      return file === undefined ? undefined : read(file);
    },
    async list(options = {}) {
      await ready();
      const out: LoadRunSummary[] = [];
      for (const f of await files()) {
        if (out.length >= (options.limit ?? keep)) break;
        const r = await read(f);
        if (r !== undefined && (options.load === undefined || r.load === options.load)) out.push(summaryOf(r));
      }
      return out;
    },
  };
}

/** The service name under which a module (SQLite history) offers a `RunStore` to the load module. */
export const LOAD_RUN_STORE_SERVICE = 'load-run-store';
