/**
 * One HTTP request of a probe run over a fresh connection: written and read by `http-wire.ts`
 * on a timed socket of its own (`http-connector.ts`), destroyed afterwards, so each request
 * measures connection set-up the way a new visitor pays it. No agent, no pool and no keep-alive
 * (an undici `Agent` made and destroyed per run cost a quarter to a third more CPU than
 * `node:http` without one, which cost more than this; README, "Where a probe run's CPU goes").
 * Redirects are followed here, each hop on a connection of its own (`http-redirect.ts`). dns +
 * connect + tls are set-up summed over the request's connections; ttfb runs from the request
 * being written to the first bytes of the final response (server time, network, any redirect
 * hops, less the later hops' set-up); transfer from there to the body's end (as curl counts
 * them). The phases add up to the request's wall time less the client's work before the request
 * is written, which no server should be blamed for.
 * A target's failure is data: the exchange always resolves, with a stable reason on failure.
 * The run (one request, or a probe's steps) owns the timeout and the abort: it says when it is
 * stopped, and afterwards whether its timer fired. A run stops through a plain callback, not an
 * `AbortController`: the daemon makes 100 runs a second, and a controller, its signal and two
 * event-target listeners per run were ~3 % of a run's CPU.
 */
import { coerceError } from '../core/errors.js';
import { destroySockets, failedSetupStep, firstByteAt, newConnectTimeline, setupPhases, ttfbSeconds } from './http-connector.js';
import type { ConnectTimeline } from './http-connector.js';
import { classifyFailure, failureMessage } from './http-failure.js';
import { redirectTarget } from './http-redirect.js';
import { requestTarget } from './http-request.js';
import type { RequestTarget } from './http-request.js';
import type { FailureReason, PhaseTimings } from './types.js';
import { sendRequest } from './http-wire.js';
import type { BodyLimits, ResponseHeaders, WireRequest, WireResponse } from './http-wire.js';

/** Response headers copied into `result.headers` (cache behaviour and type matter downstream). */
export const RECORDED_HEADERS = ['x-cache', 'cf-cache-status', 'age', 'content-type'] as const;

/** How requests are made, the same for every request of a probe. */
export interface ExchangeSettings {
  timeoutMs: number;
  maxBodySize: number;
  tlsVerify: boolean;
  /** 0: redirects are not followed. */
  maxRedirects: number;
}

/** The run around an exchange: whether and why it was stopped. */
export interface ExchangeRun {
  /** Why the run was stopped (its timeout, the daemon's shutdown), once it was; undefined before. */
  stopReason(): unknown;
  /** Calls `listener` when the run is stopped (one exchange at a time listens); returns the un-listen. */
  onStop(listener: () => void): () => void;
  /** True once the run's own timer fired. */
  timedOut(): boolean;
  /** What aborted the run from outside (daemon shutdown), if anything did. */
  abortedBy(): unknown;
}

/** What one request looks like on the wire. */
export interface ExchangeRequest {
  url: string;
  /** `url` read beforehand (a probe's fixed URL); read here when absent (redirects, templated URLs). */
  target?: RequestTarget;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** The outcome of one request. */
export interface Exchange {
  /** Wall time from the start of the exchange to the body's end (or the failure), in seconds. */
  durationSeconds: number;
  phases: PhaseTimings;
  status?: number;
  /** Every response header (lower-cased names, repeats joined). */
  responseHeaders?: ResponseHeaders;
  /** The recorded subset of `responseHeaders` (`RECORDED_HEADERS`), when any is present. */
  headers?: Record<string, string>;
  bodyBytes?: number;
  /** The body as text when `keepBody` was asked; '' otherwise. */
  bodyText: string;
  failure?: { reason: FailureReason; message: string };
}

function pickHeaders(headers: ResponseHeaders): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let any = false;
  for (const name of RECORDED_HEADERS) {
    const value = headers[name];
    if (value === undefined) continue;
    out[name] = typeof value === 'string' ? value : value.join(', ');
    any = true;
  }
  return any ? out : undefined;
}

function phasesOf(timeline: ConnectTimeline, t0: number, headersAt: number | undefined, bodyEndAt: number | undefined): PhaseTimings {
  const phases: PhaseTimings = setupPhases(timeline);
  if (headersAt !== undefined) {
    phases.ttfb = ttfbSeconds(timeline, t0, headersAt);
    if (bodyEndAt !== undefined) phases.transfer = (bodyEndAt - firstByteAt(timeline, headersAt)) / 1000;
  }
  return phases;
}

/** Sends one request on a new timed connection; resolves once the response's head is in. */
function send(req: ExchangeRequest, s: ExchangeSettings, limits: BodyLimits, timeline: ConnectTimeline): Promise<WireResponse> {
  const request: WireRequest = { target: req.target ?? requestTarget(req.url), method: req.method, headers: req.headers };
  if (req.body !== undefined) request.body = req.body;
  return sendRequest(request, s.tlsVerify, limits, timeline);
}

/** Sends one request on a fresh connection (more on redirects) and reads the response (the body only when `keepBody`). */
export async function exchange(req: ExchangeRequest, s: ExchangeSettings, run: ExchangeRun, keepBody: boolean): Promise<Exchange> {
  const t0 = performance.now();
  const out: Exchange = { durationSeconds: 0, phases: {}, bodyText: '' };
  const timeline = newConnectTimeline();
  // Destroying the sockets fails whatever is pending; the run says why (timeout, shutdown).
  const unlisten = run.onStop(() => destroySockets(timeline));
  let headersAt: number | undefined;
  let bodyEndAt: number | undefined;
  try {
    if (run.stopReason() !== undefined) throw coerceError(run.stopReason());
    const limits = { maxBodySize: s.maxBodySize, keep: keepBody };
    let current = req;
    let res = await send(current, s, limits, timeline);
    for (let hops = 0; hops < s.maxRedirects; hops++) {
      const location = res.headers.location;
      const next = redirectTarget(current, res.status, typeof location === 'string' ? location : undefined);
      if (next === undefined) break;
      res.close();
      // An abort that found no socket open (between hops) must still stop the run.
      if (run.stopReason() !== undefined) throw coerceError(run.stopReason());
      current = next;
      res = await send(current, s, limits, timeline);
    }
    headersAt = res.headersAt;
    out.status = res.status;
    out.responseHeaders = res.headers;
    const headers = pickHeaders(res.headers);
    if (headers !== undefined) out.headers = headers;

    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > s.maxBodySize) {
      res.close();
      out.bodyBytes = 0;
      out.failure = { reason: 'body_too_large', message: `content-length ${declared} exceeds maxBodySize ${s.maxBodySize}` };
      return out;
    }
    const body = await res.body();
    out.bodyBytes = body.bytes;
    if (body.tooLarge) {
      out.failure = { reason: 'body_too_large', message: `body exceeds maxBodySize ${s.maxBodySize}` };
      return out;
    }
    bodyEndAt = performance.now();
    out.bodyText = body.text;
    return out;
  } catch (thrown) {
    const err = coerceError(thrown);
    const timedOut = run.timedOut();
    if (run.abortedBy() !== undefined && !timedOut) out.failure = { reason: 'error', message: `aborted: ${failureMessage(run.abortedBy())}` };
    else {
      const reason = classifyFailure(err, { timedOut, setupStep: failedSetupStep(timeline) });
      out.failure = { reason, message: reason === 'timeout' ? `timed out after ${s.timeoutMs}ms` : failureMessage(err) };
    }
    return out;
  } finally {
    // `out` is returned by reference: complete it here, whichever path returned it.
    out.durationSeconds = ((bodyEndAt ?? performance.now()) - t0) / 1000;
    out.phases = phasesOf(timeline, t0, headersAt, bodyEndAt);
    unlisten();
    destroySockets(timeline);
  }
}
