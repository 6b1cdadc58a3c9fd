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

/** Starts a worker running `init`'s segment; `onExit` hears an exit code (and an error, if it died). */
export function spawnLoadWorker(init: WorkerInit, onMessage: (m: WorkerMessage) => void, onExit: (code: number, error?: Error) => void): LoadWorker {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(`./worker-entry${fromSource ? '.ts' : '.js'}`, import.meta.url);
  const worker = fromSource
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true, workerData: init })
    : new Worker(entry, { workerData: init });
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
