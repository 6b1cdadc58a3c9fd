/**
 * The hot path. A virtual user owns one reusable undici dispatch handler (the legacy callback
 * form, which undici calls directly; the controller form is wrapped per request) and walks its
 * scenario's prepared requests. Untemplated requests reuse dispatch options built at plan time;
 * bodies are kept only when a check or an extraction needs them. Plain `pool.request` plus
 * promises cost ~35 % of throughput here (see README "Benchmarks"). What a VU sends on is a
 * `VuDispatcher`: an undici `Client`, or the lean `Http1Connection` (its own file) on plain http.
 */
import { readJsonPath } from '../core/json-path.js';
import { statusMatches } from '../probe/status-spec.js';
import { renderOptions } from './plan.js';
import type { LoadPlan, PreparedRequest, PreparedScenario } from './plan.js';
import { errorClass, statusClass } from './stats.js';
import type { LoadStats, OutcomeClass } from './stats.js';
import { pickWeighted } from './schedule.js';
import type { VuDispatcher } from './transport/http1-connection.js';

/** Receives every recorded request (live metrics). Keep it cheap. */
export type RequestObserver = (endpoint: number, seconds: number, cls: OutcomeClass) => void;

/** What VUs share. */
export interface VuHost {
  readonly plan: LoadPlan;
  /**
   * The connection a new VU sends on. Closed model: its own connection (round robin over
   * `connections`) — a lean `Http1Connection` for plain http, an undici `Client` for https —
   * which skips the pool's per-request search for a free connection; open model: the shared
   * undici `Pool`, since iterations start whenever they are due.
   */
  dispatcherFor(): VuDispatcher;
  readonly now: () => number;
  readonly random: () => number;
  /** Where measurements go (swapped between sweep steps). */
  stats: LoadStats;
  observer: RequestObserver | undefined;
  /** Told about each dropped iteration (live metrics). */
  onDropped: (() => void) | undefined;
  /** Set when the run ends: completions are ignored and no new request starts. */
  stopped: boolean;
}

/** A virtual user: one iteration at a time. */
export class HttpVu {
  private scenario: PreparedScenario | undefined;
  private step = 0;
  private requestStart = 0;
  private status = 0;
  private chunks: Buffer[] | undefined;
  private vars: Map<string, string> | undefined;
  private readonly dispatcher: VuDispatcher;
  /** True while an iteration runs. */
  busy = false;
  /** Set by a closed executor ramping down: finish the iteration, then leave. */
  retiring = false;

  constructor(
    private readonly host: VuHost,
    private readonly onIterationDone: (vu: HttpVu) => void,
  ) {
    this.dispatcher = host.dispatcherFor();
  }

  /** Starts an iteration; the first request's latency counts from `intendedStart` (open model). */
  startIteration(intendedStart: number): void {
    const { plan } = this.host;
    const i = plan.scenarios.length === 1 ? 0 : pickWeighted(plan.cumulativeWeights, this.host.random());
    this.scenario = plan.scenarios[i];
    this.step = 0;
    this.vars?.clear();
    this.busy = true;
    this.send(intendedStart);
  }

  private send(start: number): void {
    const req = this.scenario?.requests[this.step];
    if (req === undefined || this.host.stopped) {
      this.finishIteration();
      return;
    }
    this.requestStart = start;
    this.status = 0;
    this.chunks = req.needBody ? [] : undefined;
    const options = req.templated ? renderOptions(req, this.vars ?? (this.vars = new Map())) : req.options;
    this.dispatcher.dispatch(options, this);
  }

  // --- undici dispatch handler (legacy callback form, called without a wrapper) ---

  /** @internal */
  onConnect(): void {}

  /** @internal */
  onHeaders(statusCode: number): boolean {
    if (statusCode >= 200) this.status = statusCode;
    return true;
  }

  /** @internal */
  onData(chunk: Buffer): boolean {
    if (this.chunks !== undefined) this.chunks.push(chunk);
    return true;
  }

  /** @internal */
  onComplete(): void {
    this.complete(undefined);
  }

  /** @internal */
  onError(err: Error): void {
    this.complete(err);
  }

  /** @internal */
  onUpgrade(): void {}

  private complete(err: Error | undefined): void {
    const host = this.host;
    if (host.stopped) {
      this.busy = false;
      return;
    }
    const end = host.now();
    const req = this.scenario?.requests[this.step];
    if (req === undefined) return;
    const latencyMs = end - this.requestStart;
    const micros = latencyMs * 1000;
    let cls: OutcomeClass;
    let isError: boolean;
    if (err !== undefined) {
      cls = errorClass(err as Error & { code?: unknown });
      isError = true;
    } else {
      cls = statusClass(this.status);
      isError = req.status === undefined ? this.status >= 400 : !statusMatches(this.status, req.status);
    }
    host.stats.record(req.endpoint, micros, cls, isError);
    if (host.observer !== undefined) host.observer(req.endpoint, latencyMs / 1000, cls);
    if (req.status !== undefined || req.needBody || req.maxLatencyMs !== undefined) this.evaluate(req, err === undefined, latencyMs);
    if (isError) {
      // A failed step invalidates the rest of the iteration (extracted values are missing).
      this.finishIteration();
      return;
    }
    this.step++;
    this.send(end);
  }

  private evaluate(req: PreparedRequest, responded: boolean, latencyMs: number): void {
    let passed = 0;
    let failed = 0;
    if (req.status !== undefined) {
      if (responded && statusMatches(this.status, req.status)) passed++;
      else failed++;
    }
    if (req.maxLatencyMs !== undefined) {
      if (responded && latencyMs <= req.maxLatencyMs) passed++;
      else failed++;
    }
    if (req.needBody) {
      let doc: unknown;
      let parsed = false;
      if (responded && this.chunks !== undefined) {
        try {
          doc = JSON.parse(Buffer.concat(this.chunks).toString('utf8'));
          parsed = true;
        } catch {
          parsed = false;
        }
      }
      for (const c of req.jsonChecks) {
        if (parsed && jsonCheckPasses(doc, c)) passed++;
        else failed++;
      }
      if (parsed) {
        for (const [name, path] of req.extract) {
          const r = readJsonPath(doc, path);
          if (r.found) (this.vars ?? (this.vars = new Map())).set(name, typeof r.value === 'string' ? r.value : JSON.stringify(r.value));
        }
      }
      this.chunks = undefined;
    }
    this.host.stats.recordChecks(req.endpoint, passed, failed);
  }

  private finishIteration(): void {
    this.busy = false;
    if (this.host.stopped) return;
    this.host.stats.recordIteration();
    this.onIterationDone(this);
  }
}

function jsonCheckPasses(doc: unknown, c: PreparedRequest['jsonChecks'][number]): boolean {
  const r = readJsonPath(doc, c.path);
  if (c.exists !== undefined && r.found !== c.exists) return false;
  if (c.equals !== undefined && (!r.found || JSON.stringify(r.value) !== JSON.stringify(c.equals))) return false;
  if (c.matches !== undefined && (!r.found || !c.matches.test(typeof r.value === 'string' ? r.value : JSON.stringify(r.value)))) return false;
  if (c.exists === undefined && c.equals === undefined && c.matches === undefined && !r.found) return false;
  return true;
}

// --- lean HTTP/1.1 connection (closed model, plain http) ---
