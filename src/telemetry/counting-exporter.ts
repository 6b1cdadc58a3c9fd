/**
 * A `SpanExporter` wrapper that counts what was exported and what failed, and logs failures at
 * most once a minute. The batch processor would otherwise hand failures to OTel's global error
 * handler (silent by default): this makes them visible in `/metrics` and the log without letting
 * a dead collector flood either.
 */
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

/** Counters of the export pipeline. */
export interface ExportStats {
  /** Spans the collector accepted. */
  exportedSpans: number;
  /** Spans in batches that failed (they are dropped, not retried forever). */
  failedSpans: number;
  /** Failed export calls (batches) and errors from flush/shutdown. */
  failedExports: number;
}

const LOG_EVERY_MS = 60_000;

/** Wraps an exporter; never throws out of `export`. */
export class CountingExporter implements SpanExporter {
  private readonly counts: ExportStats = { exportedSpans: 0, failedSpans: 0, failedExports: 0 };
  private lastLogAt = -Infinity;

  constructor(private readonly inner: SpanExporter, private readonly logger?: Logger) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    let settled = false;
    const done = (result: ExportResult): void => {
      if (settled) return;
      settled = true;
      if (result.code === ExportResultCode.SUCCESS) {
        this.counts.exportedSpans += spans.length;
      } else {
        this.counts.failedSpans += spans.length;
        this.noteError(result.error ?? new Error('span export failed'));
      }
      resultCallback(result);
    };
    try {
      this.inner.export(spans, done);
    } catch (thrown) {
      done({ code: ExportResultCode.FAILED, error: coerceError(thrown) });
    }
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  /** Counts and (rate-limited) logs a failure. */
  noteError(thrown: unknown): void {
    this.counts.failedExports += 1;
    const now = Date.now();
    if (this.logger !== undefined && now - this.lastLogAt >= LOG_EVERY_MS) {
      this.lastLogAt = now;
      this.logger.warn({ err: coerceError(thrown), failedExports: this.counts.failedExports }, 'trace export failed; spans dropped (logged at most once a minute)');
    }
  }

  /** A copy of the counters. */
  stats(): ExportStats {
    return { ...this.counts };
  }
}
