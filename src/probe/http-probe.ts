/**
 * The HTTP probe: one request per run over a fresh connection (undici `Agent` with a timed
 * connector, destroyed after the run), so every run measures connection set-up the way a new
 * visitor pays it. dns + connect + tls are set-up summed over the run's connections; ttfb runs
 * from the first request being written to the first bytes of the final response (server time,
 * network, any redirect hops); transfer from there to the body's end (as curl counts them). The
 * phases add up to the run's wall time less the client's work before the request is written
 * (building it, undici's first-use set-up), which no server should be blamed for.
 * A target's failure is data: the run always resolves to a ProbeResult with a stable reason.
 */
import { Agent, interceptors, request } from 'undici';
import type { Dispatcher } from 'undici';
import type { ProbeOfType } from '../config/sections/probes.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { coerceError } from '../core/errors.js';
import type { CompiledAssertions } from './assertions.js';
import { compileAssertions, evaluateAssertions } from './assertions.js';
import { createTimedConnector, destroySockets, failedSetupStep, firstByteAt, newConnectTimeline, setupPhases, ttfbSeconds } from './http-connector.js';
import type { ConnectTimeline } from './http-connector.js';
import { classifyFailure, failureMessage } from './http-failure.js';
import { planHttpRequest } from './http-request.js';
import type { HttpRequestPlan } from './http-request.js';
import type { FailureReason, PhaseTimings, ProbeResult, ProbeRunContext, ProbeRunner, ResolvedTarget } from './types.js';

/** Response headers copied into `result.headers` (cache behaviour and type matter downstream). */
export const RECORDED_HEADERS = ['x-cache', 'cf-cache-status', 'age', 'content-type'] as const;

/** Optional dependencies of `createHttpProbe`. */
export interface HttpProbeOptions {
  /** Supplies `startedAt` and the timeout timer. Default: the system clock. */
  clock?: Clock;
}

interface Settings {
  plan: HttpRequestPlan;
  timeoutMs: number;
  maxBodySize: number;
  tlsVerify: boolean;
  maxRedirects: number;
  assertions: CompiledAssertions;
  clock: Clock;
}

/** Builds a runnable HTTP probe from config. Throws PW_ERR_INVALID_ARGUMENT for a URL it cannot resolve. */
export function createHttpProbe(probe: ProbeOfType<'http'>, target: ResolvedTarget | undefined, options: HttpProbeOptions = {}): ProbeRunner {
  const http = probe.http;
  const plan = planHttpRequest(probe.name, http, target);
  const maxRedirects = http.followRedirects ? http.maxRedirects : 0;
  const settings: Settings = {
    plan,
    timeoutMs: http.timeout,
    maxBodySize: http.maxBodySize,
    tlsVerify: http.tlsVerify,
    maxRedirects,
    // Following redirects, a final 3xx means the limit was hit: not a success unless asserted.
    assertions: compileAssertions(probe.assert, maxRedirects > 0 ? { defaultStatus: [[200, 299]] } : {}),
    clock: options.clock ?? systemClock,
  };
  return {
    name: probe.name,
    kind: 'http',
    target: plan.targetName,
    run: (ctx) => runHttpProbe(probe.name, settings, ctx),
  };
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

async function runHttpProbe(name: string, s: Settings, ctx: ProbeRunContext): Promise<ProbeResult> {
  const { plan } = s;
  const startedAt = s.clock.now();
  const t0 = performance.now();
  const result: ProbeResult = {
    probe: name,
    target: plan.targetName,
    kind: 'http',
    url: plan.url,
    ok: false,
    startedAt,
    durationSeconds: 0,
    phases: {},
    traceId: ctx.traceContext.traceId,
    spanId: ctx.traceContext.spanId,
  };
  const fail = (reason: FailureReason, message: string): ProbeResult => {
    result.ok = false;
    result.reason = reason;
    result.message = message;
    return result;
  };
  if (ctx.signal?.aborted === true) return fail('error', 'aborted before start');

  const timeline = newConnectTimeline();
  const agent = new Agent({
    connect: createTimedConnector({ rejectUnauthorized: s.tlsVerify, now: () => performance.now() }, timeline),
    connections: 1,
    pipelining: 1,
    headersTimeout: s.timeoutMs,
    bodyTimeout: s.timeoutMs,
  });
  const dispatcher: Dispatcher = s.maxRedirects > 0 ? agent.compose(interceptors.redirect({ maxRedirections: s.maxRedirects })) : agent;
  const controller = new AbortController();
  let timedOut = false;
  const timer = s.clock.setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${s.timeoutMs}ms`));
  }, s.timeoutMs);
  let abortedBy: unknown;
  const onAbort = (): void => {
    abortedBy = ctx.signal?.reason ?? new Error('aborted');
    controller.abort(abortedBy);
  };
  ctx.signal?.addEventListener('abort', onAbort, { once: true });

  let headersAt: number | undefined;
  let bodyEndAt: number | undefined;
  try {
    const res = await request(plan.url, {
      dispatcher,
      method: plan.method,
      headers: { ...plan.headers, traceparent: ctx.traceContext.traceparent },
      ...(plan.body === undefined ? {} : { body: plan.body }),
      signal: controller.signal,
    });
    headersAt = performance.now();
    result.status = res.statusCode;
    const headers = pickHeaders(res.headers);
    if (headers !== undefined) result.headers = headers;

    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > s.maxBodySize) {
      res.body.destroy();
      result.bodyBytes = 0;
      return fail('body_too_large', `content-length ${declared} exceeds maxBodySize ${s.maxBodySize}`);
    }
    const body = await readCapped(res.body, s.maxBodySize, s.assertions.needsBody);
    result.bodyBytes = body.bytes;
    if (body.tooLarge) return fail('body_too_large', `body exceeds maxBodySize ${s.maxBodySize}`);
    bodyEndAt = performance.now();
    result.durationSeconds = (bodyEndAt - t0) / 1000;

    const outcome = evaluateAssertions(s.assertions, {
      status: res.statusCode,
      headers: res.headers,
      bodyText: body.text,
      durationSeconds: result.durationSeconds,
    });
    result.assertions = outcome.results;
    if (outcome.failure !== undefined) {
      const hitLimit = s.maxRedirects > 0 && res.statusCode >= 300 && res.statusCode < 400 && res.headers.location !== undefined;
      return fail(outcome.failure.reason, hitLimit ? `${outcome.failure.message} (redirect limit ${s.maxRedirects} reached)` : outcome.failure.message);
    }
    result.ok = true;
    return result;
  } catch (thrown) {
    const err = coerceError(thrown);
    if (abortedBy !== undefined && !timedOut) return fail('error', `aborted: ${failureMessage(abortedBy)}`);
    const reason = classifyFailure(err, { timedOut, setupStep: failedSetupStep(timeline) });
    return fail(reason, reason === 'timeout' ? `timed out after ${s.timeoutMs}ms` : failureMessage(err));
  } finally {
    // `result` is returned by reference: complete it here, whichever path returned it.
    const endAt = bodyEndAt ?? performance.now();
    if (bodyEndAt === undefined) result.durationSeconds = (endAt - t0) / 1000;
    result.phases = phasesOf(timeline, t0, headersAt, bodyEndAt);
    timer.cancel();
    ctx.signal?.removeEventListener('abort', onAbort);
    destroySockets(timeline);
    await agent.destroy().catch(() => undefined);
  }
}
