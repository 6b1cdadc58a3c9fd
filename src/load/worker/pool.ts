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
 * The young generation of a load worker's heap, MB: V8's 1 MB semi-spaces, kept at that size.
 * Left to V8, a worker's semi-spaces doubled whenever enough had survived since the last growth,
 * minutes apart (2 -> 4 -> 8 MB of new space, 138 s and 210 s into runs at 5,000/s), and a soak's
 * RSS rose in steps long after its first minute. The scavenges this makes more frequent cost
 * nothing measurable: closed model, 4 rounds alternated, 68-90 k requests per CPU-second with the
 * cap, 70-90 k without (README, "Benchmarks").
 */
const YOUNG_GENERATION_MB = 3;

/** Starts a worker running `init`'s segment; `onExit` hears an exit code (and an error, if it died). */
export function spawnLoadWorker(init: WorkerInit, onMessage: (m: WorkerMessage) => void, onExit: (code: number, error?: Error) => void): LoadWorker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(`./worker-entry${fromSource ? '.ts' : '.js'}`, import.meta.url);
  const options = { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } };
  const worker = fromSource
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`, { ...options, eval: true })
    : new Worker(entry, options);
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
