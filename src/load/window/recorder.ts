/**
 * The measuring side of a window, in a worker thread: the hot path only increments counters and
 * records into HDR histograms (constant-time array increments); once a second `snapshot` encodes
 * the endpoints that saw traffic and starts a new window. Nothing else happens here — merging,
 * percentiles and thresholds are the driver's, on another thread.
 */
import { emptyCounts, resetCounts } from './counts.js';
import type { Counts } from './counts.js';
import { bucketCounts, createLatencyHistogram, recordMicros } from './histogram.js';
import type { Histogram } from './histogram.js';
import { isConnectFailure } from './outcome.js';
import type { OutcomeClass } from './outcome.js';
import { emptyWsCounters } from './snapshot.js';
import type { EndpointWindow, GeneratorWindow, RequestSample, WindowSnapshot, WsCounters } from './snapshot.js';

class Bucket {
  readonly hist: Histogram = createLatencyHistogram();
  readonly counts: Counts = emptyCounts();

  add(micros: number, cls: OutcomeClass, isError: boolean): void {
    const c = this.counts;
    c.requests++;
    if (isError) c.errors++;
    c.classes[cls]++;
    if (!isConnectFailure(cls)) recordMicros(this.hist, micros);
  }

  take(): EndpointWindow {
    const window: EndpointWindow = { ...this.counts, classes: { ...this.counts.classes }, histogram: this.hist.totalCount === 0 ? null : bucketCounts(this.hist) };
    resetCounts(this.counts);
    this.hist.reset();
    return window;
  }
}

/** Most request samples (for tracing) kept per window. */
const MAX_SAMPLES = 200;

/** Records one worker's measurements into the current window. */
export class WindowRecorder {
  private readonly total = new Bucket();
  private readonly buckets: Bucket[];
  private iterations = 0;
  private dropped = 0;
  private samples: RequestSample[] = [];
  private credit = 0;
  private windowStart: number;
  /** WebSocket counters (WebSocket loads); `open` is a level the VUs keep current. */
  readonly ws: WsCounters = emptyWsCounters();

  /** `sampleRatio`: the share of requests kept as samples for tracing (0 = none). */
  constructor(endpointCount: number, now: number, private readonly sampleRatio = 0) {
    // With one endpoint its statistics are the overall ones: record once, not twice.
    this.buckets = endpointCount === 1 ? [this.total] : Array.from({ length: endpointCount }, () => new Bucket());
    this.windowStart = now;
  }

  /** A response or transport failure of endpoint `index`, timed from `startMs` (epoch ms). */
  record(index: number, micros: number, cls: OutcomeClass, isError: boolean, startMs: number): void {
    const b = this.buckets[index];
    if (b !== undefined && b !== this.total) b.add(micros, cls, isError);
    this.total.add(micros, cls, isError);
    if (this.sampleRatio > 0) {
      // Deterministic sampling (every 1/ratio-th request), so a rate of 10k/s at 0.001 gives ten.
      this.credit += this.sampleRatio;
      if (this.credit >= 1 && this.samples.length < MAX_SAMPLES) {
        this.credit -= 1;
        this.samples.push({ endpoint: index, startMs, seconds: micros / 1e6, cls });
      }
    }
  }

  /** Check outcomes of endpoint `index`. */
  recordChecks(index: number, passed: number, failed: number): void {
    const b = this.buckets[index];
    if (b !== undefined && b !== this.total) {
      b.counts.checksPassed += passed;
      b.counts.checksFailed += failed;
    }
    this.total.counts.checksPassed += passed;
    this.total.counts.checksFailed += failed;
  }

  /** A completed iteration. */
  recordIteration(): void {
    this.iterations++;
  }

  /** An iteration that was due but dropped (no free connection within maxVUs). */
  recordDropped(): void {
    this.dropped++;
  }

  /** Closes the window at `now` and starts the next one. */
  snapshot(now: number, meta: { worker: number; phase: number; second: number; vus: number; generator: GeneratorWindow }): WindowSnapshot {
    const overall = this.total.take();
    const endpoints = this.buckets.map((b) => (b === this.total ? overall : b.take()));
    const snap: WindowSnapshot = {
      worker: meta.worker,
      phase: meta.phase,
      second: meta.second,
      start: this.windowStart,
      end: now,
      endpoints,
      overall,
      iterations: this.iterations,
      dropped: this.dropped,
      vus: meta.vus,
      generator: meta.generator,
      ...(this.ws.opened + this.ws.failed + this.ws.echoSent + this.ws.open + this.ws.connectsDue > 0 ? { ws: { ...this.ws } } : {}),
      ...(this.samples.length === 0 ? {} : { samples: this.samples }),
    };
    this.iterations = 0;
    this.dropped = 0;
    this.samples = [];
    const open = this.ws.open;
    Object.assign(this.ws, emptyWsCounters(), { open });
    this.windowStart = now;
    return snap;
  }
}
