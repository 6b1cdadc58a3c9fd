/**
 * Tracing for load runs, kept to three calls so the load engine's hot path stays cheap:
 *
 * ```ts
 * const t = traceLoadRun(tracing, { run: 'checkout-soak' }, config.telemetry.loadRequestSampleRatio);
 * const stage = t.stage('ramp 0→50 VUs');          // one span per stage
 * const req = t.request('GET /api/trade');         // undefined for all but ~ratio of requests
 * send({ headers: req ? { traceparent: req.traceContext.traceparent } : {} });
 * req?.end({ ok: true, status: 200 });              // exemplar: tracing.exemplarLabels(req.traceContext.traceId)
 * stage.end();
 * t.end({ verdict: 'pass' });
 * ```
 *
 * Request sampling is deterministic (every 1/ratio-th request, by an accumulator), so 10k req/s at
 * ratio 0.001 gives ten spans a second, never one per request, and tests can count them.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span } from '@opentelemetry/api';
import type { TraceContext } from '../probe/types.js';
import { toTraceContext } from './trace-probe.js';
import type { Tracing } from './tracing.js';

/** A span that is ended once. */
export interface SpanHandle {
  readonly traceContext: TraceContext;
  /** Ends the span; later calls are ignored. */
  end(attributes?: Attributes): void;
}

/** How one sampled request ended. */
export interface RequestOutcome {
  ok: boolean;
  status?: number;
  /** A stable failure class (timeout, connect_refused, status …). */
  reason?: string;
}

/** A sampled request span. */
export interface RequestSpan {
  readonly traceContext: TraceContext;
  /** Ends the span with the request's outcome; later calls are ignored. */
  end(outcome?: RequestOutcome): void;
}

/** The trace of one load run. */
export interface LoadRunTrace {
  /** The run span's context. */
  readonly traceContext: TraceContext;
  /** Starts a stage span (child of the run); request spans started while it is open are its children. */
  stage(name: string, attributes?: Attributes): SpanHandle;
  /** A span for this request when it falls in the sample, else undefined. Call just before sending. */
  request(endpoint: string): RequestSpan | undefined;
  /** The share of requests the generator samples for spans (0 when tracing records nothing). */
  readonly requestSampleRatio: number;
  /** Records a request the generator already sampled, which started at `startTime` (epoch ms). */
  recordSampledRequest(endpoint: string, startTime: number, seconds: number, outcome: RequestOutcome): void;
  /** Ends the run span (and any stage left open). */
  end(result?: { verdict?: string; error?: string }): void;
}

/** Starts the span of a load run. `requestSampleRatio` is `telemetry.loadRequestSampleRatio`. */
export function traceLoadRun(tracing: Tracing, run: { run: string; attributes?: Attributes }, requestSampleRatio: number): LoadRunTrace {
  const runSpan = tracing.startSpan(`load ${run.run}`, { kind: SpanKind.INTERNAL, attributes: { 'perfwarden.run': run.run, ...run.attributes } });
  const runCtx = trace.setSpan(ROOT_CONTEXT, runSpan);
  const ratio = tracing.enabled && runSpan.isRecording() ? Math.min(1, Math.max(0, requestSampleRatio)) : 0;
  let credit = 0;
  let runEnded = false;
  let openStage: { span: Span; ctx: Context; handle: SpanHandle } | undefined;

  const handle = (span: Span, onEnd?: () => void, endTime?: number): SpanHandle => {
    let ended = false;
    return {
      traceContext: toTraceContext(span.spanContext()),
      end(attributes) {
        if (ended) return;
        ended = true;
        if (attributes !== undefined) span.setAttributes(attributes);
        span.end(endTime ?? tracing.clock.now());
        onEnd?.();
      },
    };
  };

  const sampledRequest = (endpoint: string, startTime: number | undefined): RequestSpan | undefined => {
    if (ratio === 0) return undefined;
    credit += ratio;
    if (credit < 1) return undefined;
    credit -= 1;
    return requestSpan(endpoint, startTime);
  };

  const requestSpan = (endpoint: string, startTime: number | undefined, endTime?: number): RequestSpan => {
    const span = tracing.startSpan(endpoint, { kind: SpanKind.CLIENT, attributes: { 'perfwarden.endpoint': endpoint }, ...(startTime === undefined ? {} : { startTime }) }, openStage?.ctx ?? runCtx);
    const base = handle(span, undefined, endTime);
    return {
      traceContext: base.traceContext,
      end(outcome) {
        if (outcome !== undefined) {
          const attrs: Attributes = { 'perfwarden.outcome': outcome.ok ? 'success' : 'failure' };
          if (outcome.status !== undefined) attrs['http.response.status_code'] = outcome.status;
          if (outcome.reason !== undefined) attrs['perfwarden.reason'] = outcome.reason;
          if (!outcome.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.reason ?? 'failure' });
          base.end(attrs);
        } else {
          base.end();
        }
      },
    };
  };

  return {
    traceContext: toTraceContext(runSpan.spanContext()),
    stage(name, attributes = {}) {
      openStage?.handle.end();
      const span = tracing.startSpan(`stage ${name}`, { attributes: { 'perfwarden.stage': name, ...attributes } }, runCtx);
      const current = { span, ctx: trace.setSpan(ROOT_CONTEXT, span), handle: undefined as unknown as SpanHandle };
      current.handle = handle(span, () => {
        if (openStage === current) openStage = undefined;
      });
      openStage = current;
      return current.handle;
    },
    request: (endpoint) => sampledRequest(endpoint, undefined),
    requestSampleRatio: ratio,
    recordSampledRequest(endpoint, startTime, seconds, outcome) {
      if (ratio !== 0) requestSpan(endpoint, startTime, startTime + seconds * 1000).end(outcome);
    },
    end(result = {}) {
      openStage?.handle.end();
      const attrs: Attributes = {};
      if (result.verdict !== undefined) attrs['perfwarden.verdict'] = result.verdict;
      if (result.error !== undefined) {
        attrs['perfwarden.error'] = result.error;
        runSpan.setStatus({ code: SpanStatusCode.ERROR, message: result.error });
      }
      if (!runEnded) {
        runEnded = true;
        runSpan.setAttributes(attrs);
        runSpan.end(tracing.clock.now());
      }
    },
  };
}
