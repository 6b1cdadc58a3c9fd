/**
 * Starts load worker threads. From the built package the entry is `worker-entry.js`; from source
 * (tsx), a worker does not inherit tsx's loader, so a two-line bootstrap registers it first.
 */
import { Worker } from 'node:worker_threads';
import type { DriverMessage, WorkerInit, WorkerMessage } from './protocol.js';

/** One worker thread, as the driver sees it. */
export interface LoadWorker {
  send(message: DriverMessage): void;
  /** Ends the thread (after `stopped`, or when it does not answer). */
  terminate(): Promise<void>;
}

/**
 * A load worker's young generation, in MiB (V8's default here is 48: two 16 MiB semi-spaces and
 * as much again for large new objects). A worker allocates per request; with the default, its
 * young generation grew and shrank by several MB between collections, and a 10-minute soak's RSS
 * swung 100-112 MB with no trend. At 12 MiB a 150 s run at 5,000/s held 95.9-97.8 MB (99.1-105.9
 * with the default), and the closed model's requests per CPU-second stayed within the runs'
 * spread (65.6-79.6k vs 72.5-73.6k; README, "Benchmarks").
 */
export const WORKER_YOUNG_GENERATION_MB = 12;

const WORKER_LIMITS = { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } };

/** Starts a worker running `init`'s segment; `onExit` hears an exit code (and an error, if it died). */
export function spawnLoadWorker(init: WorkerInit, onMessage: (m: WorkerMessage) => void, onExit: (code: number, error?: Error) => void): LoadWorker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(`./worker-entry${fromSource ? '.ts' : '.js'}`, import.meta.url);
  const worker = fromSource
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true, workerData: init, ...WORKER_LIMITS })
    : new Worker(entry, { workerData: init, ...WORKER_LIMITS });
  let failure: Error | undefined;
  worker.on('message', onMessage);
  worker.on('error', (err) => {
    failure = err;
  });
  worker.on('exit', (code) => onExit(code, failure));
  return {
    send: (message) => worker.postMessage(message),
    terminate: async () => {
      await worker.terminate();
    },
  };
}
