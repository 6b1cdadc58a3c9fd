/**
 * The daemon's trace pipeline as one handle: an OTel tracer provider with a batch processor and
 * the OTLP/HTTP (JSON) exporter, built from resolved settings and passed around explicitly.
 *
 * Nothing is registered globally (no global provider, context manager or propagator): the tracer
 * is handed to whoever needs it and parent contexts are passed by value, so two daemons in one
 * process (tests) never see each other's spans. Export runs in the background; when the
 * collector is down, batches fail, are counted and logged (rate-limited), and the queue drops
 * spans instead of growing — the daemon never waits on, or crashes because of, its telemetry.
 */
import { ProxyTracerProvider, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Context, Span, SpanOptions, Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { OtlpSettings } from '../config/sections/telemetry.js';
import { CountingExporter } from './counting-exporter.js';
import type { ExportStats } from './counting-exporter.js';
import { RecentTraceIds } from './recent-trace-ids.js';

export type { ExportStats } from './counting-exporter.js';

/** How long `shutdown()` waits for the last batch before giving up on it. */
const SHUTDOWN_BUDGET_MS = 3000;

/** A live (or no-op) trace pipeline. */
export interface Tracing {
  /** False when tracing is off: spans are non-recording and nothing is exported. */
  readonly enabled: boolean;
  readonly tracer: Tracer;
  /** Time source for span start/end (the same clock the probes use). */
  readonly clock: Clock;
  /**
   * Starts a span at `clock.now()` under `parent` (a root span when omitted). Remember recorded
   * trace ids so `exemplarLabels` only points Grafana at traces that were actually exported.
   */
  startSpan(name: string, options?: SpanOptions, parent?: Context): Span;
  /** `{ trace_id }` for a histogram exemplar when this trace was recorded; `{}` otherwise. */
  exemplarLabels(traceId: string | undefined): Record<string, string>;
  /** Export counters (for `/metrics` and tests). */
  stats(): ExportStats;
  /** Exports what is queued now. Never rejects. */
  forceFlush(): Promise<void>;
  /** Flushes (bounded) and stops. Safe to call twice; never rejects. */
  shutdown(): Promise<void>;
}

/** Options beyond the resolved settings. */
export interface TracingOptions {
  clock?: Clock;
  logger?: Logger;
  /** Replaces the OTLP exporter (tests: an in-memory exporter). */
  exporter?: SpanExporter;
  /** Batch delay; default 2 s. */
  scheduledDelayMillis?: number;
  /** Per-request timeout of the OTLP exporter; default 5 s. */
  exportTimeoutMillis?: number;
  /** `service.version` resource attribute. */
  serviceVersion?: string;
}

/** Builds the trace pipeline; `settings` undefined gives a no-op handle (tracing off). */
export function createTracing(settings: OtlpSettings | undefined, options: TracingOptions = {}): Tracing {
  const clock = options.clock ?? systemClock;
  if (settings === undefined) return noopTracing(clock);

  const exportTimeoutMillis = options.exportTimeoutMillis ?? 5000;
  const inner = options.exporter ?? new OTLPTraceExporter({
    url: settings.url,
    headers: { ...settings.headers },
    timeoutMillis: exportTimeoutMillis,
  });
  const exporter = new CountingExporter(inner, options.logger);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.serviceName,
      ...(options.serviceVersion === undefined ? {} : { [ATTR_SERVICE_VERSION]: options.serviceVersion }),
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.samplingRatio) }),
    spanProcessors: [new BatchSpanProcessor(exporter, {
      scheduledDelayMillis: options.scheduledDelayMillis ?? 2000,
      exportTimeoutMillis: exportTimeoutMillis + 1000,
      maxQueueSize: 2048,
      maxExportBatchSize: 512,
    })],
  });
  const tracer = provider.getTracer('perfwarden');
  const recorded = new RecentTraceIds(4096);
  let stopping: Promise<void> | undefined;

  return {
    enabled: true,
    tracer,
    clock,
    startSpan(name, spanOptions = {}, parent = ROOT_CONTEXT) {
      const span = tracer.startSpan(name, { startTime: clock.now(), ...spanOptions }, parent);
      if (span.isRecording()) recorded.add(span.spanContext().traceId);
      return span;
    },
    exemplarLabels(traceId) {
      return traceId !== undefined && recorded.has(traceId) ? { trace_id: traceId } : {};
    },
    stats: () => exporter.stats(),
    async forceFlush() {
      try {
        await provider.forceFlush();
      } catch (thrown) {
        exporter.noteError(thrown);
      }
    },
    shutdown() {
      stopping ??= withBudget(provider.shutdown(), SHUTDOWN_BUDGET_MS).catch((thrown: unknown) => {
        exporter.noteError(thrown);
      });
      return stopping;
    },
  };
}

/** Tracing switched off: spans are non-recording, ids still valid-shaped for `traceparent`. */
function noopTracing(clock: Clock): Tracing {
  // A private proxy with no delegate is a no-op tracer that ignores any global registration.
  const tracer = new ProxyTracerProvider().getTracer('perfwarden-noop');
  return {
    enabled: false,
    tracer,
    clock,
    startSpan: (name, spanOptions = {}, parent = ROOT_CONTEXT) => tracer.startSpan(name, spanOptions, parent),
    exemplarLabels: () => ({}),
    stats: () => ({ exportedSpans: 0, failedSpans: 0, failedExports: 0 }),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
}

async function withBudget(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
