/**
 * Tracing for probes as a wrapper around a `ProbeRunner` (cross-cutting behaviour lives in
 * wrappers, not in the probes): one span per run whose context is what the probe sends as
 * `traceparent`, so the target's own server spans become its children; the phases the probe
 * measured (dns, connect, tls, ttfb, transfer; WebSocket handshake and round trip) become child
 * spans laid end to end from the run's start, reconstructed from the result's timings.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, SpanContext } from '@opentelemetry/api';
import { coerceError } from '../core/errors.js';
import { PHASES } from '../probe/types.js';
import type { ProbeResult, ProbeRunContext, ProbeRunner, TraceContext } from '../probe/types.js';
import type { Tracing } from './tracing.js';

/** Span attribute keys of a probe run (stable: trace queries filter on them). */
export const PROBE_ATTR = {
  probe: 'perfwarden.probe',
  target: 'perfwarden.target',
  kind: 'perfwarden.probe.kind',
  url: 'url.full',
  status: 'http.response.status_code',
  outcome: 'perfwarden.outcome',
  reason: 'perfwarden.reason',
} as const;

/**
 * Wraps `runner` so each run is traced. With tracing off the runner is returned as is (the
 * scheduler's own trace ids still go out as `traceparent`).
 */
export function traceProbe(runner: ProbeRunner, tracing: Tracing): ProbeRunner {
  if (!tracing.enabled) return runner;
  const wrapped: ProbeRunner = {
    name: runner.name,
    kind: runner.kind,
    target: runner.target,
    async run(ctx: ProbeRunContext): Promise<ProbeResult> {
      const span = tracing.startSpan(`probe ${runner.name}`, {
        kind: SpanKind.CLIENT,
        attributes: { [PROBE_ATTR.probe]: runner.name, [PROBE_ATTR.target]: runner.target, [PROBE_ATTR.kind]: runner.kind },
      });
      const traceContext = toTraceContext(span.spanContext());
      let result: ProbeResult;
      try {
        result = await runner.run({ ...ctx, traceContext });
      } catch (thrown) {
        // A probe should never throw (failures are data); if one does, the span still ends.
        const err = coerceError(thrown);
        span.recordException(err);
        span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
        span.end(tracing.clock.now());
        throw err;
      }
      finishRunSpan(span, result, tracing);
      return { ...result, traceId: traceContext.traceId, spanId: traceContext.spanId };
    },
  };
  if (runner.close !== undefined) {
    const close = runner.close.bind(runner);
    wrapped.close = () => close();
  }
  return wrapped;
}

/** The `traceparent` form of a span context. */
export function toTraceContext(sc: SpanContext): TraceContext {
  const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, '0');
  return { traceId: sc.traceId, spanId: sc.spanId, traceparent: `00-${sc.traceId}-${sc.spanId}-${flags}` };
}

function finishRunSpan(span: Span, result: ProbeResult, tracing: Tracing): void {
  const attributes: Attributes = {
    [PROBE_ATTR.url]: result.url,
    [PROBE_ATTR.outcome]: result.ok ? 'success' : 'failure',
  };
  if (result.status !== undefined) attributes[PROBE_ATTR.status] = result.status;
  if (result.reason !== undefined) attributes[PROBE_ATTR.reason] = result.reason;
  span.setAttributes(attributes);
  if (!result.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: result.message ?? result.reason ?? 'failure' });

  if (span.isRecording()) {
    const parent = trace.setSpan(ROOT_CONTEXT, span);
    if (result.kind === 'ws' && result.ws !== undefined) {
      laySpans(tracing, parent, result.startedAt, [['ws handshake', result.ws.connectSeconds], ['ws round trip', result.ws.rttSeconds]]);
    } else if (result.steps !== undefined) {
      // A stepped run: a span a step, end to end, each with its own phases inside.
      let cursor = result.startedAt;
      for (const step of result.steps) {
        const attributes: Attributes = { [PROBE_ATTR.url]: step.url };
        if (step.status !== undefined) attributes[PROBE_ATTR.status] = step.status;
        const stepSpan = tracing.tracer.startSpan(`step ${step.name}`, { kind: SpanKind.INTERNAL, startTime: cursor, attributes }, parent);
        if (!step.ok) stepSpan.setStatus({ code: SpanStatusCode.ERROR, message: step.reason ?? 'failure' });
        laySpans(tracing, trace.setSpan(ROOT_CONTEXT, stepSpan), cursor, PHASES.map((phase) => [phase, step.phases[phase]]));
        cursor += step.durationSeconds * 1000;
        stepSpan.end(cursor);
      }
    } else {
      laySpans(tracing, parent, result.startedAt, PHASES.map((phase) => [phase, result.phases[phase]]));
    }
  }
  span.end(Math.max(tracing.clock.now(), result.startedAt + result.durationSeconds * 1000));
}

/** Child spans of `parent` laid end to end from `start` (epoch ms); an absent or bad duration is skipped. */
function laySpans(tracing: Tracing, parent: Context, start: number, parts: readonly (readonly [string, number | undefined])[]): void {
  let cursor = start;
  for (const [name, seconds] of parts) {
    if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) continue;
    const end = cursor + seconds * 1000;
    tracing.tracer.startSpan(name, { kind: SpanKind.INTERNAL, startTime: cursor }, parent).end(end);
    cursor = end;
  }
}
