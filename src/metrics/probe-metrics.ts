/**
 * Probe metrics with the names of PRODUCT.md, rendered by perfwarden itself rather than by
 * prom-client: each probe keeps the text of its series and re-renders it only after its own
 * next result, so a scrape of a thousand probes costs the probes that changed since the last
 * scrape plus one string join per family (prom-client re-formatted all 120,000 lines and blocked
 * the event loop for 0.25–0.7 s). Label values come only from config (probe and target names) or
 * closed sets (phase, outcome, reason), so cardinality is bounded by config.
 *
 * Series per probe (see README "Metrics"): the full latency histogram (26 series), the phase
 * histogram with only its +Inf bucket, sum and count per phase (mean time per phase; 3 series a
 * phase) unless the probe sets `phaseHistogram: true` (26 a phase), success, runs by
 * outcome/reason, skipped, last run, and per kind: WebSocket handshake and round-trip histograms,
 * TLS certificate expiry. The scheduler's start delay is one unlabelled histogram.
 */
import { Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import { PHASES } from '../probe/types.js';
import type { Phase, ProbeResult, ProbeType } from '../probe/types.js';
import type { ExpositionFormat, TextFamilies } from '../telemetry/exposition.js';
import { LATENCY_BUCKETS } from './registry.js';
import { emptyHistogram, familyHeader, formatValue, histogramLines, labelText, observeHistogram } from './text-exposition.js';
import type { HistogramState } from './text-exposition.js';

/** A probe as the metrics know it. */
export interface ProbeSeriesInfo {
  name: string;
  target: string;
  kind: ProbeType;
  /** Full phase buckets (`phaseHistogram: true`), else +Inf, sum and count only. */
  phaseHistogram: boolean;
}

/** The probe metric set. */
export interface ProbeMetrics extends TextFamilies {
  /** Records one probe result. */
  observe(result: ProbeResult): void;
  /** Counts a run skipped because the previous one was still going. */
  skipped(probe: string): void;
  /** Records how late a run started relative to its due time. */
  started(probe: string, lateSeconds: number): void;
  /** Creates the series of a probe at zero so dashboards show it before its first run. */
  declare(probe: ProbeSeriesInfo): void;
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

const NEWLINE = Buffer.from('\n');

/** Longest stretch of re-rendering before a scrape yields to the event loop. */
const RENDER_SLICE_MS = 2;

/** Bounds of a phase histogram without `phaseHistogram`: only +Inf (sum and count give the mean). */
const NO_BOUNDS: readonly number[] = [];

interface ProbeSeries {
  info: ProbeSeriesInfo;
  /** `probe="…"` and `probe="…",target="…"`, escaped once. */
  p: string;
  pt: string;
  duration: HistogramState;
  phases: Map<Phase, HistogramState>;
  success: number | undefined;
  /** `outcome\0reason` → its sample line's start and count, in first-seen order. */
  runs: Map<string, { prefix: string; n: number }>;
  skipped: number;
  lastRun: number | undefined;
  tlsExpiry: number | undefined;
  wsConnect: HistogramState | undefined;
  wsRtt: HistogramState | undefined;
  /**
   * Rendered text per family, per format, as UTF-8 bytes; dropped when the probe changes. Bytes,
   * not strings: strings built by concatenation are ropes that every join walks again, while a
   * scrape of flat buffers is one copy.
   */
  text: Partial<Record<ExpositionFormat, Buffer[]>>;
}

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  lines(s: ProbeSeries, format: ExpositionFormat): string;
}

const phaseBounds = (s: ProbeSeries) => (s.info.phaseHistogram ? LATENCY_BUCKETS : NO_BOUNDS);

const DURATION = 'perfwarden_probe_duration_seconds';
const PHASE_DURATION = 'perfwarden_probe_phase_duration_seconds';
const WS_CONNECT = 'perfwarden_ws_connect_duration_seconds';
const WS_RTT = 'perfwarden_ws_message_rtt_seconds';

/** The start of a `perfwarden_probe_runs_total` line for `key` (`outcome\0reason`). */
function runsPrefix(p: string, key: string): string {
  const [outcome = '', reason = ''] = key.split('\u0000');
  return ['perfwarden_probe_runs_total{', p, ',', labelText([['outcome', outcome], ['reason', reason]]), '} '].join('');
}

const FAMILIES: readonly Family[] = [
  {
    name: DURATION, type: 'histogram',
    help: 'Wall time of a probe run (HTTP: whole request; WebSocket: handshake plus round trip; tcp/tls: until decided; dns: query to answer).',
    lines: (s, f) => histogramLines(s.duration, f),
  },
  {
    name: PHASE_DURATION, type: 'histogram',
    help: 'Time spent in each phase of a probe run: dns, connect, tls, ttfb, transfer (buckets only with phaseHistogram: true).',
    lines: (s, f) => {
      let out = '';
      for (const h of s.phases.values()) out += histogramLines(h, f);
      return out;
    },
  },
  {
    name: 'perfwarden_probe_success', type: 'gauge', help: '1 if the last run of the probe succeeded, 0 if it failed.',
    lines: (s) => (s.success === undefined ? '' : `perfwarden_probe_success{${s.pt}} ${s.success}\n`),
  },
  {
    name: 'perfwarden_probe_runs_total', type: 'counter', help: 'Probe runs by outcome (success/failure) and failure reason ("" on success).',
    lines: (s) => {
      let out = '';
      for (const { prefix, n } of s.runs.values()) out += `${prefix}${n}\n`;
      return out;
    },
  },
  {
    name: 'perfwarden_probe_skipped_total', type: 'counter', help: 'Runs skipped because the previous run of the probe was still in flight.',
    lines: (s) => `perfwarden_probe_skipped_total{${s.p}} ${s.skipped}\n`,
  },
  {
    name: 'perfwarden_probe_last_run_timestamp_seconds', type: 'gauge', help: 'Unix time at which the last run of the probe started.',
    lines: (s) => (s.lastRun === undefined ? '' : `perfwarden_probe_last_run_timestamp_seconds{${s.p}} ${formatValue(s.lastRun)}\n`),
  },
  {
    name: 'perfwarden_tls_cert_expiry_seconds', type: 'gauge',
    help: 'Seconds until the earliest notAfter of the certificate chain a tls probe last saw (negative once expired).',
    lines: (s) => (s.tlsExpiry === undefined ? '' : `perfwarden_tls_cert_expiry_seconds{${s.p}} ${formatValue(s.tlsExpiry)}\n`),
  },
  {
    name: WS_CONNECT, type: 'histogram', help: 'WebSocket handshake time of a probe run.',
    lines: (s, f) => (s.wsConnect === undefined ? '' : histogramLines(s.wsConnect, f)),
  },
  {
    name: WS_RTT, type: 'histogram', help: 'WebSocket message round trip (send to matching reply) of a probe run.',
    lines: (s, f) => (s.wsRtt === undefined ? '' : histogramLines(s.wsRtt, f)),
  },
];

/** One probe's text of every family: one buffer, viewed per family (fewer, larger allocations). */
function renderProbe(s: ProbeSeries, format: ExpositionFormat): Buffer[] {
  const texts = FAMILIES.map((family) => family.lines(s, format));
  const joined = texts.join('');
  const all = Buffer.from(joined);
  // As many bytes as characters: all ASCII (the usual names), so each text's length is its size.
  const ascii = all.length === joined.length;
  let offset = 0;
  return texts.map((t) => {
    const length = ascii ? t.length : Buffer.byteLength(t);
    const view = all.subarray(offset, offset + length);
    offset += length;
    return view;
  });
}

/** Registers the probe metrics: the start-delay histogram on `registry`, the rest rendered by `render`. */
export function createProbeMetrics(registry: Registry, options: ProbeMetricsOptions = {}): ProbeMetrics {
  const exemplars = options.exemplarLabels !== undefined;
  const exemplarOf = (traceId: string | undefined): string | undefined => {
    const labels = options.exemplarLabels?.(traceId);
    return labels === undefined || Object.keys(labels).length === 0 ? undefined : labelText(Object.entries(labels));
  };
  const lateness = new Histogram({
    name: 'perfwarden_probe_start_delay_seconds',
    help: 'How far behind its due time a probe run started, over all probes (scheduler health).',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [registry],
  });
  const probes = new Map<string, ProbeSeries>();

  const declare = (info: ProbeSeriesInfo): ProbeSeries => {
    const existing = probes.get(info.name);
    if (existing !== undefined) return existing;
    const p = labelText([['probe', info.name]]);
    const pt = labelText([['probe', info.name], ['target', info.target]]);
    const s: ProbeSeries = {
      info,
      p,
      pt,
      duration: emptyHistogram(DURATION, pt, LATENCY_BUCKETS, exemplars),
      phases: new Map(),
      success: undefined,
      runs: new Map(['success\u0000', 'failure\u0000timeout'].map((key) => [key, { prefix: runsPrefix(p, key), n: 0 }])),
      skipped: 0,
      lastRun: undefined,
      tlsExpiry: undefined,
      wsConnect: info.kind === 'ws' ? emptyHistogram(WS_CONNECT, p, LATENCY_BUCKETS, exemplars) : undefined,
      wsRtt: info.kind === 'ws' ? emptyHistogram(WS_RTT, p, LATENCY_BUCKETS, exemplars) : undefined,
      text: {},
    };
    probes.set(info.name, s);
    return s;
  };

  return {
    declare(info) {
      declare(info);
    },
    observe(r) {
      const s = declare({ name: r.probe, target: r.target, kind: r.kind, phaseHistogram: false });
      // Exemplar: the run's trace id when its span was recorded, shown under OpenMetrics.
      const exemplar = exemplarOf(r.traceId);
      observeHistogram(s.duration, r.durationSeconds, exemplar, r.startedAt);
      for (const phase of PHASES) {
        const v = r.phases[phase];
        if (v === undefined) continue;
        let h = s.phases.get(phase);
        if (h === undefined) {
          h = emptyHistogram(PHASE_DURATION, `${s.p},phase="${phase}"`, phaseBounds(s), false);
          s.phases.set(phase, h);
        }
        observeHistogram(h, v);
      }
      s.success = r.ok ? 1 : 0;
      const key = r.ok ? 'success\u0000' : `failure\u0000${r.reason ?? 'error'}`;
      const runs = s.runs.get(key);
      if (runs === undefined) s.runs.set(key, { prefix: runsPrefix(s.p, key), n: 1 });
      else runs.n += 1;
      s.lastRun = r.startedAt / 1000;
      // Only when a certificate was read: a failed handshake says nothing about expiry (0 would mean "expired now").
      if (r.tls !== undefined) s.tlsExpiry = r.tls.expirySeconds;
      if (r.ws !== undefined) {
        s.wsConnect ??= emptyHistogram(WS_CONNECT, s.p, LATENCY_BUCKETS, exemplars);
        observeHistogram(s.wsConnect, r.ws.connectSeconds, exemplar, r.startedAt);
        if (r.ws.rttSeconds !== undefined) {
          s.wsRtt ??= emptyHistogram(WS_RTT, s.p, LATENCY_BUCKETS, exemplars);
          observeHistogram(s.wsRtt, r.ws.rttSeconds, exemplar, r.startedAt);
        }
      }
      s.text = {};
    },
    skipped(probe) {
      const s = probes.get(probe);
      if (s === undefined) return;
      s.skipped += 1;
      s.text = {};
    },
    started(_probe, lateSeconds) {
      lateness.observe(lateSeconds);
    },
    async render(format) {
      const all = [...probes.values()];
      // Re-render the probes that changed since the last scrape, yielding every few milliseconds
      // so that however many changed, no slice holds up a probe's timer.
      const textOf = (s: ProbeSeries): Buffer[] => (s.text[format] ??= renderProbe(s, format));
      let sliceStart = performance.now();
      for (const s of all) {
        if (s.text[format] !== undefined) continue;
        textOf(s);
        if (performance.now() - sliceStart > RENDER_SLICE_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          sliceStart = performance.now();
        }
      }
      const parts: Buffer[] = [];
      FAMILIES.forEach((family, i) => {
        // Prometheus' text format separates families with a blank line (as prom-client does); OpenMetrics allows none.
        if (i > 0 && format === 'prometheus') parts.push(NEWLINE);
        parts.push(Buffer.from(familyHeader(family.name, family.help, family.type, format)));
        for (const s of all) {
          // A result that arrived while this render yielded dropped the probe's text: rendered again here.
          const chunk = textOf(s)[i];
          if (chunk !== undefined && chunk.length > 0) parts.push(chunk);
        }
      });
      return parts;
    },
  };
}
