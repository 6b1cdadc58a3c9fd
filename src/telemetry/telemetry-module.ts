/**
 * Telemetry as a daemon module. The tracing handle is built when the module is *created* (it only
 * needs config), because `createDaemon` wraps the probe runners with it before any module
 * registers:
 *
 * ```ts
 * const telemetry = createTelemetryModule(config.telemetry, { clock, logger });
 * createProbeModule({ runners, wrap: telemetry.wrapProbe });
 * modules = [telemetry, probes, …];   // telemetry first: it stops (flushes) last
 * ```
 *
 * `register` publishes the handle as service "tracing" and the export counters on `/metrics`;
 * `stop` flushes within a bounded time and never throws.
 */
import { Counter } from 'prom-client';
import type { Env } from '../config/load-config.js';
import { resolveOtlpSettings } from '../config/sections/telemetry.js';
import type { TelemetryConfig } from '../config/sections/telemetry.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { DaemonModule } from '../daemon/module.js';
import type { ProbeRunner } from '../probe/types.js';
import { traceProbe } from './trace-probe.js';
import { createTracing } from './tracing.js';
import type { Tracing, TracingOptions } from './tracing.js';

/** Options of the telemetry module. */
export interface TelemetryModuleOptions {
  clock?: Clock;
  logger?: Logger;
  /** Variables for the `OTEL_*` defaults; the process environment when omitted. */
  env?: Env;
  /** Test hooks passed to `createTracing` (exporter, batch delay). */
  tracing?: Omit<TracingOptions, 'clock' | 'logger'>;
}

/** The telemetry module plus its tracing handle. */
export interface TelemetryModule extends DaemonModule {
  readonly tracing: Tracing;
  /** `traceProbe` bound to this module's tracing: pass as `createProbeModule({ wrap })`. */
  readonly wrapProbe: (runner: ProbeRunner) => ProbeRunner;
}

/** Creates the module (and the tracing handle, off when nothing configures an endpoint). */
export function createTelemetryModule(config: TelemetryConfig, options: TelemetryModuleOptions = {}): TelemetryModule {
  const settings = resolveOtlpSettings(config.otlp, options.env);
  const tracing = createTracing(settings, {
    ...options.tracing,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.logger === undefined ? {} : { logger: options.logger.child({ component: 'telemetry' }) }),
  });
  return {
    name: 'telemetry',
    tracing,
    wrapProbe: (runner) => traceProbe(runner, tracing),
    register(ctx) {
      ctx.services.set('tracing', tracing);
      new Counter({
        name: 'perfwarden_trace_spans_exported_total',
        help: 'Spans sent to the OTLP endpoint, by outcome (failure: the batch was dropped).',
        labelNames: ['outcome'] as const,
        registers: [ctx.registry],
        collect() {
          const s = tracing.stats();
          this.reset();
          this.inc({ outcome: 'success' }, s.exportedSpans);
          this.inc({ outcome: 'failure' }, s.failedSpans);
        },
      });
      if (settings !== undefined) {
        ctx.logger.info({ endpoint: settings.url, samplingRatio: settings.samplingRatio, service: settings.serviceName }, 'tracing to OTLP endpoint');
      }
    },
    async stop() {
      await tracing.shutdown();
    },
  };
}
