/**
 * The hot path. An HTTP virtual user walks its scenario's prepared requests over one connection
 * (the lean HTTP/1.1 connection, plain or TLS), as a reusable undici-style dispatch handler.
 * Untemplated requests reuse dispatch options built at plan time; templated ones render their
 * compiled parts from the value slots, which an iteration fills once (`VuDraws`: drawn variables,
 * data rows) or a response fills (`extract`). Bodies are kept only when a check or an extraction
 * needs them. Each completion is one `record` into the worker's window.
 * A connection that fails to connect backs off (`readyAt`), so a refused target is not hammered.
 */
import { readJsonPath } from '../../core/json-path.js';
import { templateText } from '../../core/template.js';
import { statusMatches } from '../../probe/status-spec.js';
import { renderOptions } from '../plan/plan.js';
import type { LoadPlan, PreparedRequest, PreparedScenario } from '../plan/plan.js';
import { scenarioAt } from '../plan/scenario-order.js';
import { pickWeighted } from '../plan/schedule.js';
import type { VuDraws } from '../draws/draws.js';
import { statusClass } from '../window/outcome.js';
import type { OutcomeClass } from '../window/outcome.js';
import type { WindowRecorder } from '../window/recorder.js';
import { transportErrorClass } from '../transport/transport-error.js';
import type { Http1Connection } from '../transport/http1-connection.js';
import type { Vu } from './vu.js';

/** What the VUs of one worker share. */
export interface VuHost {
  readonly plan: LoadPlan;
  readonly now: () => number;
  readonly random: () => number;
  /** The current window (swapped by nobody: the worker snapshots it in place). */
  readonly recorder: WindowRecorder;
  /** Set when the run ends: completions are ignored and no new request starts. */
  stopped: boolean;
}

/** A virtual user running HTTP scenarios. */
export class HttpVu implements Vu {
  private scenario: PreparedScenario | undefined;
  private step = 0;
  private requestStart = 0;
  private status = 0;
  private chunks: Buffer[] | undefined;
  /** Template values by slot (the draws' array when the load draws; else made for the first extraction). */
  private values: string[] | undefined;
  private onIterationDone: (vu: Vu) => void = () => undefined;
  busy = false;
  retiring = false;

  constructor(
    private readonly host: VuHost,
    private readonly connection: Http1Connection,
    private readonly draws?: VuDraws,
  ) {
    this.values = draws?.values;
  }

  get readyAt(): number {
    return this.connection.retryAt;
  }

  bind(onDone: (vu: Vu) => void): void {
    this.onIterationDone = onDone;
  }

  open(): Promise<boolean> {
    return this.connection.open();
  }

  checkDeadline(now: number): void {
    this.connection.checkDeadline(now);
  }

  close(): Promise<void> {
    return this.connection.destroy();
  }

  startIteration(intendedStart: number, iteration?: number): void {
    const { plan } = this.host;
    // Fixed per-scenario counts: iteration k's scenario is a pure function of k (exact across workers and shards).
    const fixed = plan.scenarioOrder !== undefined && iteration !== undefined ? scenarioAt(plan.scenarioOrder, iteration) : undefined;
    const i = this.draws !== undefined ? this.draws.begin(plan.cumulativeWeights, fixed)
      : fixed ?? (plan.scenarios.length === 1 ? 0 : pickWeighted(plan.cumulativeWeights, this.host.random()));
    const scenario = plan.scenarios[i];
    this.scenario = scenario;
    this.step = 0;
    // Values extracted by the last iteration must not leak into this one.
    const values = this.values;
    if (values !== undefined && scenario !== undefined) for (const slot of scenario.extracted) values[slot] = '';
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
    const options = req.template === undefined ? req.options : renderOptions(req, req.template, this.slotValues());
    this.connection.dispatch(options, this);
  }

  // --- dispatch handler (undici's legacy callback form) ---

  /** @internal */
  onConnect(): void {}

  /** @internal */
  onHeaders(statusCode: number): boolean {
    if (statusCode >= 200) this.status = statusCode;
    return true;
  }

  /** @internal The connection reuses the chunk's memory: kept bodies are copied. */
  onData(chunk: Buffer): boolean {
    if (this.chunks !== undefined) this.chunks.push(Buffer.from(chunk));
    return true;
  }

  /** @internal Bodies are read only for checks and extractions; the others are skipped unsliced. */
  get ignoresBody(): boolean {
    return this.chunks === undefined;
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
    let cls: OutcomeClass;
    let isError: boolean;
    if (err !== undefined) {
      cls = transportErrorClass(err as Error & { code?: unknown });
      isError = true;
    } else {
      cls = statusClass(this.status);
      isError = req.status === undefined ? this.status >= 400 : !statusMatches(this.status, req.status);
    }
    host.recorder.record(req.endpoint, latencyMs * 1000, cls, isError, this.requestStart);
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
        for (const [slot, path] of req.extract) {
          const r = readJsonPath(doc, path);
          if (r.found) this.slotValues()[slot] = templateText(r.value);
        }
      }
      this.chunks = undefined;
    }
    this.host.recorder.recordChecks(req.endpoint, passed, failed);
  }

  private slotValues(): string[] {
    return this.values ?? (this.values = new Array<string>(this.host.plan.slotCount).fill(''));
  }

  private finishIteration(): void {
    this.busy = false;
    if (this.host.stopped) return;
    this.host.recorder.recordIteration();
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

