/**
 * The WebSocket probe: connect (handshake time), optionally send one message and wait for the
 * reply that matches it (round-trip time), then close cleanly with code 1000.
 *
 * Every run ends with the socket closed — by a close handshake when the connection is healthy,
 * by `terminate()` otherwise — and resolves only after the `close` event, so a probe never leaks
 * a socket however it failed. Failures are data (`ok: false` + a stable reason), never thrown.
 * Messages that are not the reply (broadcasts, other ids) are ignored; the run's overall
 * `timeout` bounds the wait for one that is.
 */
import { WebSocket } from 'ws';
import type { RawData } from 'ws';
import { systemClock } from '../core/clock.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { PwError, coerceError } from '../core/errors.js';
import type { ProbeOfType, WsRequestConfig } from '../config/sections/probes.js';
import type { AssertionResult, FailureReason, ProbeResult, ProbeRunContext, ProbeRunner, ResolvedTarget } from './types.js';
import { classifyWsError } from './ws-failure.js';
import { compileWsExchange, tryParseJson } from './ws-reply.js';
import type { WsExchange } from './ws-reply.js';

/** How long a close handshake may take before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;
/** Largest message accepted; a bigger one fails the run with `body_too_large`. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Optional dependencies of `createWsProbe`. */
export interface WsProbeOptions {
  /** Time source for timings and the timeout (default: the system clock). */
  clock?: Clock;
}

/** Everything a run needs, resolved once when the probe is built. */
interface WsPlan {
  readonly name: string;
  readonly target: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly tlsVerify: boolean;
  readonly maxLatencyMs: number | undefined;
  readonly exchange: WsExchange | undefined;
  readonly clock: Clock;
}

/** What decided a run's outcome (a failure when `reason` is set). */
interface Outcome {
  reason?: FailureReason;
  message?: string;
  status?: number;
  assertions?: AssertionResult[];
}

/**
 * Builds a WebSocket probe from its config. URL: `ws.url`, or the target's base URL with
 * http→ws / https→wss plus `ws.path`. Throws PW_ERR_INVALID_ARGUMENT for a probe
 * without a resolvable URL, or with a `matchId` the sent message lacks (bad config, not data).
 */
export function createWsProbe(probe: ProbeOfType<'ws'>, target: ResolvedTarget | undefined, options: WsProbeOptions = {}): ProbeRunner {
  const ws = probe.ws;
  const url = resolveWsUrl(ws, target);
  const plan: WsPlan = {
    name: probe.name,
    target: target?.name ?? new URL(url).origin,
    url,
    headers: { ...target?.headers, ...ws.headers },
    timeoutMs: ws.timeout,
    tlsVerify: ws.tlsVerify,
    maxLatencyMs: probe.assert?.maxLatency,
    exchange: compileWsExchange(ws),
    clock: options.clock ?? systemClock,
  };
  const inFlight = new Set<() => void>();
  return {
    name: plan.name,
    kind: 'ws',
    target: plan.target,
    run: (ctx) => runWsProbe(plan, ctx, inFlight),
    async close() {
      for (const abort of [...inFlight]) abort();
    },
  };
}

/** The WebSocket URL of a probe: `ws.url`, or the target's base URL (http→ws) joined with `ws.path`. */
export function resolveWsUrl(ws: WsRequestConfig, target: ResolvedTarget | undefined): string {
  if (ws.url !== undefined) return ws.url;
  if (target === undefined) throw new PwError('PW_ERR_INVALID_ARGUMENT', 'a WebSocket probe needs "ws.url", or "ws.path" with a target');
  const base = target.baseUrl.replace(/^http(s?):\/\//i, 'ws$1://').replace(/\/+$/, '');
  return `${base}${ws.path ?? '/'}`;
}

function runWsProbe(plan: WsPlan, ctx: ProbeRunContext, inFlight: Set<() => void>): Promise<ProbeResult> {
  const { clock, exchange } = plan;
  const startedAt = clock.now();
  let connectMs: number | undefined;
  let rttMs: number | undefined;
  let sentAt: number | undefined;
  let decidedAt = startedAt;
  let outcome: Outcome | undefined;

  const result = (): ProbeResult => {
    const o = outcome ?? { reason: 'error', message: 'run ended without an outcome' };
    const ok = o.reason === undefined;
    const durationMs = ok ? (connectMs ?? 0) + (rttMs ?? 0) : decidedAt - startedAt;
    const r: ProbeResult = {
      probe: plan.name, target: plan.target, kind: 'ws', url: plan.url, ok,
      startedAt, durationSeconds: durationMs / 1000,
      phases: connectMs === undefined ? {} : { connect: connectMs / 1000 },
      traceId: ctx.traceContext.traceId, spanId: ctx.traceContext.spanId,
    };
    if (o.reason !== undefined) r.reason = o.reason;
    if (o.message !== undefined) r.message = o.message;
    if (o.status !== undefined) r.status = o.status;
    else if (connectMs !== undefined) r.status = 101;
    if (o.assertions !== undefined && o.assertions.length > 0) r.assertions = o.assertions;
    if (connectMs !== undefined) r.ws = rttMs === undefined ? { connectSeconds: connectMs / 1000 } : { connectSeconds: connectMs / 1000, rttSeconds: rttMs / 1000 };
    return r;
  };

  if (ctx.signal?.aborted === true) {
    outcome = { reason: 'error', message: 'aborted before start' };
    return Promise.resolve(result());
  }

  return new Promise<ProbeResult>((resolve) => {
    let socket: WebSocket;
    try {
      socket = new WebSocket(plan.url, {
        headers: { ...plan.headers, traceparent: ctx.traceContext.traceparent },
        perMessageDeflate: false,
        followRedirects: false,
        rejectUnauthorized: plan.tlsVerify,
        maxPayload: MAX_MESSAGE_BYTES,
      });
    } catch (thrown) {
      outcome = { reason: 'error', message: coerceError(thrown).message };
      resolve(result());
      return;
    }

    let closeGrace: TimerHandle | undefined;
    const onAbort = (): void => decide({ reason: 'error', message: 'aborted' }, 'terminate');
    const timer = clock.setTimeout(() => {
      decide({ reason: 'timeout', message: timeoutMessage() }, 'terminate');
    }, plan.timeoutMs);
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    inFlight.add(onAbort);

    function timeoutMessage(): string {
      if (connectMs === undefined) return `handshake not completed within ${plan.timeoutMs}ms`;
      return `no matching reply within ${plan.timeoutMs}ms`;
    }

    /** Records the outcome (first one wins) and closes the socket; `finish` resolves on `close`. */
    function decide(o: Outcome, how: 'close' | 'terminate'): void {
      if (outcome !== undefined) return;
      outcome = o;
      decidedAt = clock.now();
      timer.cancel();
      ctx.signal?.removeEventListener('abort', onAbort);
      if (socket.readyState === WebSocket.CLOSED) {
        finish();
      } else if (how === 'close' && socket.readyState === WebSocket.OPEN) {
        socket.close(1000);
        closeGrace = clock.setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
      } else {
        socket.terminate();
      }
    }

    let finished = false;
    function finish(): void {
      if (finished) return;
      finished = true;
      closeGrace?.cancel();
      inFlight.delete(onAbort);
      resolve(result());
    }

    socket.on('unexpected-response', (_req, res) => {
      res.resume();
      decide({ reason: 'handshake_rejected', status: res.statusCode ?? 0, message: `server answered the upgrade with ${res.statusCode ?? '?'}` }, 'terminate');
    });

    socket.on('open', () => {
      connectMs = clock.now() - startedAt;
      if (exchange === undefined) {
        decide(latencyOutcome([]), 'close');
        return;
      }
      sentAt = clock.now();
      socket.send(exchange.payload, (err) => {
        if (err !== undefined && err !== null) decide({ reason: classifyWsError(coerceError(err)), message: `send failed: ${err.message}` }, 'terminate');
      });
    });

    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (outcome !== undefined || exchange === undefined || sentAt === undefined) return;
      const receivedAt = clock.now();
      const text = rawToString(data);
      let reply: unknown = text;
      if (exchange.needsJson) {
        const parsed = isBinary ? { ok: false as const } : tryParseJson(text);
        if (!parsed.ok) {
          decide({ reason: 'invalid_json', message: `reply is not JSON: ${text.slice(0, 80)}` }, 'close');
          return;
        }
        if (!exchange.isReply(parsed.value)) return;
        reply = parsed.value;
      }
      rttMs = receivedAt - sentAt;
      decide(latencyOutcome(exchange.needsJson ? exchange.check(reply) : []), 'close');
    });

    socket.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        decide({ reason: 'body_too_large', message: `a message exceeded ${MAX_MESSAGE_BYTES} bytes` }, 'terminate');
        return;
      }
      decide({ reason: classifyWsError(err), message: err.message }, 'terminate');
    });

    socket.on('close', (code: number) => {
      if (outcome === undefined) {
        decide(connectMs === undefined
          ? { reason: 'reset', message: 'connection closed during the handshake' }
          : { reason: 'no_reply', message: `server closed the connection (code ${code}) before a matching reply` }, 'terminate');
      }
      finish();
    });
  });

  /** Success unless an assertion (including `assert.maxLatency`) failed. */
  function latencyOutcome(assertions: AssertionResult[]): Outcome {
    const all = [...assertions];
    if (plan.maxLatencyMs !== undefined) {
      const tookMs = (connectMs ?? 0) + (rttMs ?? 0);
      all.push({ name: 'maxLatency', ok: tookMs <= plan.maxLatencyMs, actual: `${Math.round(tookMs * 10) / 10}ms` });
    }
    const failed = all.filter((a) => !a.ok);
    if (failed.length === 0) return { assertions: all };
    return { reason: 'assertion', message: `failed: ${failed.map((a) => a.name).join('; ')}`, assertions: all };
  }
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
