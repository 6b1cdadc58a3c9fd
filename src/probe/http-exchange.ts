/**
 * One HTTP request of a probe run over a fresh connection (an undici `Agent` with a timed
 * connector, destroyed afterwards), so each request measures connection set-up the way a new
 * visitor pays it. dns + connect + tls are set-up summed over the request's connections; ttfb
 * runs from the request being written to the first bytes of the final response (server time,
 * network, any redirect hops); transfer from there to the body's end (as curl counts them). The
 * phases add up to the request's wall time less the client's work before the request is written
 * (building it, undici's first-use set-up), which no server should be blamed for.
 * A target's failure is data: the exchange always resolves, with a stable reason on failure.
 * The run (one request, or a probe's steps) owns the timeout and the abort: it passes the signal
 * and says afterwards whether its timer fired.
 */
import { Agent, interceptors, request } from 'undici';
import type { Dispatcher } from 'undici';
import { coerceError } from '../core/errors.js';
import { createTimedConnector, destroySockets, failedSetupStep, firstByteAt, newConnectTimeline, setupPhases, ttfbSeconds } from './http-connector.js';
import type { ConnectTimeline } from './http-connector.js';
import { classifyFailure, failureMessage } from './http-failure.js';
import type { FailureReason, PhaseTimings } from './types.js';

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

/** The run around an exchange: its abort signal and what aborted it. */
export interface ExchangeRun {
  signal: AbortSignal;
  /** True once the run's own timer fired. */
  timedOut(): boolean;
  /** What aborted the run from outside (daemon shutdown), if anything did. */
  abortedBy(): unknown;
}

/** What one request looks like on the wire. */
export interface ExchangeRequest {
  url: string;
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
  /** Every response header, as undici gives them (lower-cased names). */
  responseHeaders?: Record<string, string | string[] | undefined>;
  /** The recorded subset of `responseHeaders` (`RECORDED_HEADERS`), when any is present. */
  headers?: Record<string, string>;
  bodyBytes?: number;
  /** The body as text when `keepBody` was asked; '' otherwise. */
  bodyText: string;
  failure?: { reason: FailureReason; message: string };
}

function pickHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> | undefined {
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

/** Reads the body up to `max` bytes; stops (destroying the stream) as soon as it goes over. */
async function readCapped(body: Dispatcher.ResponseData['body'], max: number, keep: boolean): Promise<{ bytes: number; tooLarge: boolean; text: string }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > max) {
      body.destroy();
      return { bytes: max, tooLarge: true, text: '' };
    }
    if (keep) chunks.push(chunk);
  }
  return { bytes, tooLarge: false, text: keep ? Buffer.concat(chunks).toString('utf8') : '' };
}

/** Sends one request on a fresh connection and reads the response (the body only when `keepBody`). */
export async function exchange(req: ExchangeRequest, s: ExchangeSettings, run: ExchangeRun, keepBody: boolean): Promise<Exchange> {
  const t0 = performance.now();
  const out: Exchange = { durationSeconds: 0, phases: {}, bodyText: '' };
  const timeline = newConnectTimeline();
  const agent = new Agent({
    connect: createTimedConnector({ rejectUnauthorized: s.tlsVerify, now: () => performance.now() }, timeline),
    connections: 1,
    pipelining: 1,
    headersTimeout: s.timeoutMs,
    bodyTimeout: s.timeoutMs,
  });
  const dispatcher: Dispatcher = s.maxRedirects > 0 ? agent.compose(interceptors.redirect({ maxRedirections: s.maxRedirects })) : agent;
  let headersAt: number | undefined;
  let bodyEndAt: number | undefined;
  try {
    const res = await request(req.url, {
      dispatcher,
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      ...(req.body === undefined ? {} : { body: req.body }),
      signal: run.signal,
    });
    headersAt = performance.now();
    out.status = res.statusCode;
    out.responseHeaders = res.headers;
    const headers = pickHeaders(res.headers);
    if (headers !== undefined) out.headers = headers;

    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > s.maxBodySize) {
      res.body.destroy();
      out.bodyBytes = 0;
      out.failure = { reason: 'body_too_large', message: `content-length ${declared} exceeds maxBodySize ${s.maxBodySize}` };
      return out;
    }
    const body = await readCapped(res.body, s.maxBodySize, keepBody);
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
    destroySockets(timeline);
    await agent.destroy().catch(() => undefined);
  }
}
