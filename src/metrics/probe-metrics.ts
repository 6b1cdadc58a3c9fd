/**
 * Probe metrics with the names of PRODUCT.md. Label values come only from config (probe and
 * target names) or closed sets (phase, outcome, reason), so cardinality is bounded by config.
 * Latencies are real histograms; percentiles are PromQL's job (histogram_quantile).
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import { PHASES } from '../probe/types.js';
import type { ProbeResult, ProbeType } from '../probe/types.js';
import { LATENCY_BUCKETS } from './registry.js';
import { exemplarHistogram } from '../telemetry/exposition.js';

/** The probe metric set, bound to one registry. */
export interface ProbeMetrics {
  /** Records one probe result. */
  observe(result: ProbeResult): void;
  /** Counts a run skipped because the previous one was still going. */
  skipped(probe: string): void;
  /** Records how late a run started relative to its due time. */
  started(probe: string, lateSeconds: number): void;
  /** Creates the series of a probe at zero so dashboards show it before its first run. */
  declare(probe: string, target: string, kind: ProbeType): void;
}

/** Options of the probe metric set. */
export interface ProbeMetricsOptions {
  /**
   * Exemplar labels for a result's trace id: `tracing.exemplarLabels`, which answers `{}` unless
   * that trace was recorded (exported), so Grafana never links to a trace that does not exist.
   * Omitted (tracing off): no exemplars.
   */
  exemplarLabels?: (traceId: string | undefined) => Record<string, string>;
}

const NO_EXEMPLAR: Record<string, string> = {};

/** Registers the probe metrics on `registry`. */
export function createProbeMetrics(registry: Registry, options: ProbeMetricsOptions = {}): ProbeMetrics {
  const exemplarOf = options.exemplarLabels ?? (() => NO_EXEMPLAR);
  const registers = [registry];
  const duration = exemplarHistogram(registry, {
    name: 'perfwarden_probe_duration_seconds',
    help: 'Wall time of a probe run (HTTP: whole request; WebSocket: handshake plus round trip).',
    labelNames: ['probe', 'target'] as const,
    buckets: [...LATENCY_BUCKETS],
  });
  const phase = new Histogram({
    name: 'perfwarden_probe_phase_duration_seconds',
    help: 'Time spent in each phase of a probe run: dns, connect, tls, ttfb, transfer.',
    labelNames: ['probe', 'phase'] as const,
    buckets: [...LATENCY_BUCKETS],
    registers,
  });
  const success = new Gauge({
    name: 'perfwarden_probe_success',
    help: '1 if the last run of the probe succeeded, 0 if it failed.',
    labelNames: ['probe', 'target'] as const,
    registers,
  });
  const runs = new Counter({
    name: 'perfwarden_probe_runs_total',
    help: 'Probe runs by outcome (success/failure) and failure reason ("" on success).',
    labelNames: ['probe', 'outcome', 'reason'] as const,
    registers,
  });
  const skippedTotal = new Counter({
    name: 'perfwarden_probe_skipped_total',
    help: 'Runs skipped because the previous run of the probe was still in flight.',
    labelNames: ['probe'] as const,
    registers,
  });
  const lastRun = new Gauge({
    name: 'perfwarden_probe_last_run_timestamp_seconds',
    help: 'Unix time at which the last run of the probe started.',
    labelNames: ['probe'] as const,
    registers,
  });
  const lateness = new Histogram({
    name: 'perfwarden_probe_start_delay_seconds',
    help: 'How far behind its due time a probe run started (scheduler health).',
    labelNames: ['probe'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers,
  });
  const tlsExpiry = new Gauge({
    name: 'perfwarden_tls_cert_expiry_seconds',
    help: 'Seconds until the earliest notAfter of the certificate chain a tls probe last saw (negative once expired).',
    labelNames: ['probe'] as const,
    registers,
  });
  const wsConnect = exemplarHistogram(registry, {
    name: 'perfwarden_ws_connect_duration_seconds',
    help: 'WebSocket handshake time of a probe run.',
    labelNames: ['probe'] as const,
    buckets: [...LATENCY_BUCKETS],
  });
  const wsRtt = exemplarHistogram(registry, {
    name: 'perfwarden_ws_message_rtt_seconds',
    help: 'WebSocket message round trip (send to matching reply) of a probe run.',
    labelNames: ['probe'] as const,
    buckets: [...LATENCY_BUCKETS],
  });

  return {
    observe(r) {
      // Exemplar: the run's trace id when its span was recorded, shown under OpenMetrics.
      const exemplarLabels = exemplarOf(r.traceId);
      duration.observe({ labels: { probe: r.probe, target: r.target }, value: r.durationSeconds, exemplarLabels });
      for (const p of PHASES) {
        const v = r.phases[p];
        if (v !== undefined) phase.observe({ probe: r.probe, phase: p }, v);
      }
      success.set({ probe: r.probe, target: r.target }, r.ok ? 1 : 0);
      runs.inc({ probe: r.probe, outcome: r.ok ? 'success' : 'failure', reason: r.ok ? '' : (r.reason ?? 'error') });
      lastRun.set({ probe: r.probe }, r.startedAt / 1000);
      // Only when a certificate was read: a failed handshake says nothing about expiry (0 would mean "expired now").
      if (r.tls !== undefined) tlsExpiry.set({ probe: r.probe }, r.tls.expirySeconds);
      if (r.ws !== undefined) {
        wsConnect.observe({ labels: { probe: r.probe }, value: r.ws.connectSeconds, exemplarLabels });
        if (r.ws.rttSeconds !== undefined) wsRtt.observe({ labels: { probe: r.probe }, value: r.ws.rttSeconds, exemplarLabels });
      }
    },
    skipped(probe) {
      skippedTotal.inc({ probe });
    },
    started(probe, lateSeconds) {
      lateness.observe({ probe }, lateSeconds);
    },
    declare(probe, target, kind) {
      runs.inc({ probe, outcome: 'success', reason: '' }, 0);
      runs.inc({ probe, outcome: 'failure', reason: 'timeout' }, 0);
      skippedTotal.inc({ probe }, 0);
      duration.zero({ probe, target });
      if (kind === 'ws') {
        wsConnect.zero({ probe });
        wsRtt.zero({ probe });
      }
    },
  };
}
