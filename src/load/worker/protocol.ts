/**
 * Messages between the run driver (main thread) and a load worker thread. Plain structured-clone
 * data: the worker receives the decoded load config (and plans it itself, deterministically), its
 * segment, and commands; it answers with windows and phase boundaries.
 */
import type { LoadConfig } from '../../config/sections/loads.js';
import type { LoadBase } from '../plan/plan.js';
import type { Segment } from '../plan/segment.js';
import type { WindowSnapshot } from '../window/snapshot.js';

/** What a worker starts with. */
export interface WorkerInit {
  load: LoadConfig;
  base: LoadBase;
  segment: Segment;
  worker: number;
  /** Share of requests sampled for tracing (0 = none). */
  sampleRatio: number;
}

/** Driver → worker. */
export type DriverMessage =
  /** Open the connections phase `phase` needs before its first send (open model), then say `prepared`. */
  | { type: 'prepare'; phase: number }
  /** Start phase `phase` at `startAt` (epoch ms). */
  | { type: 'start'; phase: number; startAt: number }
  /** End now: stop starting iterations, close the window, say `stopped`. */
  | { type: 'stop' };

/** Worker → driver. */
export type WorkerMessage =
  | { type: 'prepared'; phase: number; opened: number; failed: number }
  | { type: 'window'; window: WindowSnapshot }
  /** The phase's schedule ran out and its iterations drained (its last window was sent before). */
  | { type: 'phase-done'; phase: number }
  | { type: 'stopped' }
  /** Something went wrong inside the worker (a bug, not a target failure). */
  | { type: 'error'; message: string };
