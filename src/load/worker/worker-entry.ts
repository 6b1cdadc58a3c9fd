/** The entry of a load worker thread: wires the parent port to a `SegmentRunner`. */
import { parentPort, workerData } from 'node:worker_threads';
import { coerceError } from '../../core/errors.js';
import type { DriverMessage, WorkerInit, WorkerMessage } from './protocol.js';
import { SegmentRunner } from './segment-runner.js';

const port = parentPort;
if (port === null) throw new Error('worker-entry runs only as a worker thread');
const post = (message: WorkerMessage) => port.postMessage(message);
// A bug in the worker is reported to the driver as data; the run ends as `internal`, the daemon lives.
process.on('uncaughtException', (err) => post({ type: 'error', message: coerceError(err).message }));
try {
  const runner = new SegmentRunner(workerData as WorkerInit, post);
  port.on('message', (message: DriverMessage) => runner.handle(message));
} catch (thrown) {
  post({ type: 'error', message: coerceError(thrown).message });
}
