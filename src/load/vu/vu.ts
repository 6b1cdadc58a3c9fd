/**
 * A virtual user, as executors see it: something that runs one iteration at a time and says when
 * it is done. HTTP VUs walk a scenario over a connection; WebSocket VUs hold a socket and time an
 * echo. Executors never know which; the worker injects the factory and the transport.
 */

/** One virtual user. */
export interface Vu {
  /** True while an iteration runs. */
  readonly busy: boolean;
  /** Set by a closed executor ramping down: finish the iteration, then leave. */
  retiring: boolean;
  /** Clock time (ms) before which the VU should not start again (connection back-off); 0 when ready. */
  readonly readyAt: number;
  /** Who hears that an iteration ended (the executor that owns the VU now). */
  bind(onDone: (vu: Vu) => void): void;
  /**
   * Starts an iteration; latency of its first request counts from `intendedStart` (open model).
   * Fixed-count executors pass the iteration's number, which picks the scenario when scenarios have fixed counts.
   */
  startIteration(intendedStart: number, iteration?: number): void;
  /** Opens the VU's connection ahead of the first iteration; false when that failed (counted, backed off). */
  open(): Promise<boolean>;
  /** Fails requests past their deadline (called by the worker's sweep, not a timer per request). */
  checkDeadline(now: number): void;
  /** Closes the connection; an iteration in flight is abandoned. */
  close(): Promise<void>;
}

/** Hands VUs to executors; the worker keeps them (and their warm connections) across phases. */
export interface VuSource {
  /** A VU bound to `onDone`: a free one from an earlier phase, or a new one. */
  acquire(onDone: (vu: Vu) => void): Vu;
}
