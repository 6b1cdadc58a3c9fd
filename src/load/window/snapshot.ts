/**
 * The unit that crosses from a worker thread to the run driver: one window of time, counters plus
 * an HDR histogram per endpoint as its non-empty buckets' counts (`bucketCounts`; the driver
 * encodes what results keep). Windows
 * close on wall-clock second boundaries (and at the end of a phase), so the windows of every
 * worker — and of every shard on another machine — for the same second merge exactly.
 */
import type { Counts } from './counts.js';
import type { OutcomeClass } from './outcome.js';

/** One endpoint's window: counters and its latency histogram (`bucketCounts`; null when nothing was timed). */
export interface EndpointWindow extends Counts {
  histogram: Float64Array | null;
}

/** WebSocket counters of a window (WebSocket loads only). */
export interface WsCounters {
  opened: number;
  failed: number;
  /** Connections open at the window's end (a level, not a count). */
  open: number;
  echoSent: number;
  echoReceived: number;
  echoLost: number;
  published: number;
  expectedDeliveries: number;
  delivered: number;
  /** Connections dropped (by the plan or by the server) and recovered; the longest recovery, ms. */
  dropped: number;
  recovered: number;
  recoveryMs: number | null;
  /** Connects due by the connect rate and actually started (to tell when the rate could not be held). */
  connectsDue: number;
  connectsStarted: number;
}

/** A sampled request, for tracing (the engine itself never imports OpenTelemetry). */
export interface RequestSample {
  endpoint: number;
  /** When it started (epoch ms) and how long it took. */
  startMs: number;
  seconds: number;
  cls: OutcomeClass;
}

/** The generator's own health over a window, measured on the worker's thread. */
export interface GeneratorWindow {
  /** Worst event-loop delay, ms. */
  lagMs: number;
  /** CPU time of the worker's thread in the window, ms. */
  cpuMs: number;
  /** True when the generator, not the target, was the bottleneck. */
  saturated: boolean;
}

/** One worker's window. */
export interface WindowSnapshot {
  worker: number;
  /** Index into the plan's phases. */
  phase: number;
  /** The wall-clock second (epoch seconds) the window ends in: windows of one second merge. */
  second: number;
  /** Epoch ms. */
  start: number;
  end: number;
  /** Per endpoint, by index; with one endpoint, the same object as `overall`. */
  endpoints: EndpointWindow[];
  overall: EndpointWindow;
  iterations: number;
  dropped: number;
  /** VUs running (closed) or iterations in flight (open) at the window's end. */
  vus: number;
  generator: GeneratorWindow;
  ws?: WsCounters;
  samples?: RequestSample[];
}

/** Zeroed WebSocket counters. */
export function emptyWsCounters(): WsCounters {
  return { opened: 0, failed: 0, open: 0, echoSent: 0, echoReceived: 0, echoLost: 0, published: 0, expectedDeliveries: 0, delivered: 0, dropped: 0, recovered: 0, recoveryMs: null, connectsDue: 0, connectsStarted: 0 };
}

/** Adds `b` into `a` (levels add too: the workers' connections are disjoint). */
export function addWsCounters(a: WsCounters, b: WsCounters): void {
  a.opened += b.opened;
  a.failed += b.failed;
  a.open += b.open;
  a.echoSent += b.echoSent;
  a.echoReceived += b.echoReceived;
  a.echoLost += b.echoLost;
  a.published += b.published;
  a.expectedDeliveries += b.expectedDeliveries;
  a.delivered += b.delivered;
  a.dropped += b.dropped;
  a.recovered += b.recovered;
  a.recoveryMs = a.recoveryMs === null ? b.recoveryMs : b.recoveryMs === null ? a.recoveryMs : Math.max(a.recoveryMs, b.recoveryMs);
  a.connectsDue += b.connectsDue;
  a.connectsStarted += b.connectsStarted;
}
