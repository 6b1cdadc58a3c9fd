/**
 * What a probe run returns. A target's failure is data: `ok: false` with a stable `reason`,
 * never an exception. Results are plain serialisable objects (they go to metrics, alerts,
 * storage, the status page and the API unchanged).
 */
import type { ProbeType } from '../config/sections/probes.js';

/** Why a probe failed. Stable: dashboards and alert rules group by it. */
export type FailureReason =
  | 'timeout'
  | 'dns'
  | 'connect_refused'
  | 'reset'
  | 'tls'
  | 'status'
  | 'assertion'
  | 'body_too_large'
  | 'invalid_json'
  | 'handshake_rejected'
  | 'no_reply'
  | 'cert_expired'
  | 'error';

/** Every failure reason, for pre-initialising metric series and validating input. */
export const FAILURE_REASONS: readonly FailureReason[] = [
  'timeout', 'dns', 'connect_refused', 'reset', 'tls', 'status', 'assertion',
  'body_too_large', 'invalid_json', 'handshake_rejected', 'no_reply', 'cert_expired', 'error',
];

/** A probe kind (`type:` in config). */
export type { ProbeType } from '../config/sections/probes.js';

/** Per-phase timings in seconds. A phase that did not happen (reused socket, plain HTTP) is absent. */
export interface PhaseTimings {
  dns?: number;
  connect?: number;
  tls?: number;
  ttfb?: number;
  transfer?: number;
}

/** The phase names in the order they happen. */
export const PHASES = ['dns', 'connect', 'tls', 'ttfb', 'transfer'] as const;
/** A phase name. */
export type Phase = (typeof PHASES)[number];

/** One assertion's outcome, for people reading why a probe failed. */
export interface AssertionResult {
  /** e.g. `status`, `json $.status equals "ok"`, `maxLatency`. */
  name: string;
  ok: boolean;
  /** What was seen, short. */
  actual?: string;
}

/** The outcome of one probe run. */
export interface ProbeResult {
  probe: string;
  /** The target's name, or the URL's origin when the probe has no named target. */
  target: string;
  kind: ProbeType;
  /** Where the probe pointed: a URL (`tcp://host:port`, `dns://server/name?type=A`, `tls://host:port` for the socket kinds). */
  url: string;
  ok: boolean;
  reason?: FailureReason;
  /** A short human explanation when `ok` is false. */
  message?: string;
  /** Epoch ms when the run started. */
  startedAt: number;
  /** Wall time of the whole run in seconds (for WebSocket: handshake + round trip). */
  durationSeconds: number;
  phases: PhaseTimings;
  status?: number;
  /** Response body size in bytes (as read, up to the cap). */
  bodyBytes?: number;
  /** Lower-cased response headers that matter downstream (x-cache, cf-cache-status, age, content-type). */
  headers?: Record<string, string>;
  assertions?: AssertionResult[];
  /** WebSocket only: handshake time and message round trip in seconds. */
  ws?: { connectSeconds: number; rttSeconds?: number };
  /** TCP only: what was received (UTF-8, at most 256 characters) when `expect` was set. */
  tcp?: { received: string };
  /** DNS only: the response code and the answers, as `expect` compares them. */
  dns?: { rcode: string; answers: string[] };
  /** TLS only: the certificate the server presented and how it was judged. */
  tls?: TlsDetails;
  /** HTTP probes written with `http.steps`: each step that ran, in order (a failed one is the last). */
  steps?: StepResult[];
  /** W3C trace id sent in `traceparent` (32 hex chars). */
  traceId?: string;
  spanId?: string;
}

/** One step of a stepped HTTP probe run. */
export interface StepResult {
  /** The step's `name`, or "METHOD path". */
  name: string;
  /** Where it went, with `{{var}}` as written (an extracted value is never shown). */
  url: string;
  ok: boolean;
  reason?: FailureReason;
  status?: number;
  /** This step's own request, in seconds. */
  durationSeconds: number;
  phases: PhaseTimings;
}

/** What a `tls` probe learned about the server's certificate. */
export interface TlsDetails {
  /** The chain verified against the CAs and the name (false also when `verify: false` skipped nothing). */
  authorized: boolean;
  /** Why it did not verify (OpenSSL's code, e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`). */
  authorizationError?: string;
  subject: string;
  issuer: string;
  /** Epoch ms. */
  validFrom: number;
  /** Epoch ms of the earliest `notAfter` in the presented chain. */
  validTo: number;
  /** `validTo` minus the run's start, in seconds (negative once expired). */
  expirySeconds: number;
  /** e.g. `TLSv1.3`. */
  protocol?: string;
}

/** A factory of `traceparent` ids, injectable so telemetry can supply real span contexts. */
export interface TraceContext {
  traceId: string;
  spanId: string;
  /** The full header value `00-<trace>-<span>-<flags>`. */
  traceparent: string;
}

/** A target after config resolution: its name, base URL (no trailing slash) and default headers. */
export interface ResolvedTarget {
  name: string;
  baseUrl: string;
  headers: Readonly<Record<string, string>>;
}

/** What one run of a probe is given. */
export interface ProbeRunContext {
  /** The trace context to send as `traceparent` (telemetry supplies a real span's). */
  traceContext: TraceContext;
  /** Aborts the run (daemon shutdown); the result is then a failure with reason "timeout" or "error". */
  signal?: AbortSignal;
}

/** A probe ready to run: built once from config, run many times. */
export interface ProbeRunner {
  readonly name: string;
  readonly kind: ProbeType;
  /** The target name used in metric labels. */
  readonly target: string;
  run(ctx: ProbeRunContext): Promise<ProbeResult>;
  /** Releases sockets or pools, if any. */
  close?(): Promise<void>;
}
