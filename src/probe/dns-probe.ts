/**
 * The DNS probe: one query to a chosen server over UDP or TCP, timed from sending the query to
 * the answer (TCP adds a `connect` phase). A response code other than NOERROR, or no answer,
 * fails with reason `dns`; answers missing from `expect` fail with `assertion`. No retries: a
 * lost UDP datagram is a timeout, which is what a user of that resolver would have waited for.
 */
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import type { ProbeOfType } from '../config/sections/probes.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { coerceError } from '../core/errors.js';
import { decodeResponse, encodeQuery } from './dns-message.js';
import type { DnsResponse } from './dns-message.js';
import { failureMessage } from './http-failure.js';
import { runOnSocket, socketPhases } from './timed-socket.js';
import type { SocketOutcome } from './timed-socket.js';
import type { ProbeResult, ProbeRunContext, ProbeRunner } from './types.js';

/** Optional dependencies. */
export interface DnsProbeOptions {
  clock?: Clock;
}

/** "host", "host:port" or "[v6]:port" → host and port (53 by default). */
export function parseDnsServer(server: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
  if (bracketed !== null) return { host: bracketed[1] ?? '', port: Number(bracketed[2] ?? 53) };
  const i = server.lastIndexOf(':');
  return i < 0 ? { host: server, port: 53 } : { host: server.slice(0, i), port: Number(server.slice(i + 1)) };
}

/** What one exchange produced. */
interface Exchange {
  outcome: SocketOutcome;
  response?: DnsResponse;
  startAt: number;
  decidedAt: number;
  connectSeconds?: number;
}

/** Builds a DNS probe. */
export function createDnsProbe(probe: ProbeOfType<'dns'>, options: DnsProbeOptions = {}): ProbeRunner {
  const { dns } = probe;
  const server = parseDnsServer(dns.server);
  const clock = options.clock ?? systemClock;
  const hostText = server.host.includes(':') ? `[${server.host}]` : server.host;
  const url = `dns://${hostText}:${server.port}/${dns.name}?type=${dns.recordType}${dns.transport === 'tcp' ? '&transport=tcp' : ''}`;
  const targetName = probe.target ?? `dns://${hostText}:${server.port}`;
  const maxLatencyMs = probe.assert?.maxLatency;

  const run = async (ctx: ProbeRunContext): Promise<ProbeResult> => {
    const id = randomInt(0, 0x10000);
    const query = encodeQuery(id, dns.name, dns.recordType);
    const ex = dns.transport === 'tcp'
      ? await exchangeTcp(server, query, id, clock, dns.timeout, ctx.signal)
      : await exchangeUdp(server, query, id, clock, dns.timeout, ctx.signal);
    const durationMs = ex.decidedAt - ex.startAt;
    let { reason, message } = ex.outcome;
    const answers = ex.response?.answers.map((a) => a.value) ?? [];
    if (reason === undefined && ex.response !== undefined) {
      if (ex.response.rcode !== 'NOERROR') {
        reason = 'dns';
        message = `the server answered ${ex.response.rcode}`;
      } else if (answers.length === 0) {
        reason = 'dns';
        message = `no ${dns.recordType} records for ${dns.name}`;
      } else {
        const missing = (dns.expect ?? []).filter((e) => !answers.some((a) => sameAnswer(a, e)));
        if (missing.length > 0) {
          reason = 'assertion';
          message = `expected ${missing.join(', ')} among the answers (${answers.join(', ')})`;
        }
      }
    }
    if (reason === undefined && maxLatencyMs !== undefined && durationMs > maxLatencyMs) {
      reason = 'assertion';
      message = `took ${Math.round(durationMs)}ms, over maxLatency ${maxLatencyMs}ms`;
    }
    const result: ProbeResult = {
      probe: probe.name, target: targetName, kind: 'dns', url, ok: reason === undefined,
      startedAt: ex.startAt, durationSeconds: durationMs / 1000,
      phases: ex.connectSeconds === undefined ? {} : { connect: ex.connectSeconds },
      traceId: ctx.traceContext.traceId, spanId: ctx.traceContext.spanId,
    };
    if (reason !== undefined) result.reason = reason;
    if (message !== undefined) result.message = message;
    if (ex.response !== undefined) result.dns = { rcode: ex.response.rcode, answers };
    return result;
  };
  return { name: probe.name, kind: 'dns', target: targetName, run };
}

/** Names compare without case and trailing dot; everything else exactly. */
function sameAnswer(answer: string, expected: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/\.$/, '');
  return norm(answer) === norm(expected);
}

function parse(msg: Buffer, id: number): { response?: DnsResponse; outcome?: SocketOutcome } {
  try {
    const response = decodeResponse(msg);
    return response.id === id ? { response } : {};
  } catch (thrown) {
    return { outcome: { reason: 'dns', message: `malformed DNS response: ${coerceError(thrown).message}` } };
  }
}

function exchangeUdp(server: { host: string; port: number }, query: Buffer, id: number, clock: Clock, timeoutMs: number, signal: AbortSignal | undefined): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = createSocket(isIP(server.host) === 6 ? 'udp6' : 'udp4');
    const startAt = clock.now();
    let done = false;
    const finish = (outcome: SocketOutcome, response?: DnsResponse) => {
      if (done) return;
      done = true;
      const decidedAt = clock.now();
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
      socket.close(() => resolve({ outcome, startAt, decidedAt, ...(response === undefined ? {} : { response }) }));
    };
    const timer = clock.setTimeout(() => finish({ reason: 'timeout', message: `no answer within ${timeoutMs}ms` }), timeoutMs);
    const onAbort = () => finish({ reason: 'error', message: 'aborted' });
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('message', (msg) => {
      // Datagrams with another id (a late answer to someone else) are ignored.
      const p = parse(msg, id);
      if (p.outcome !== undefined) finish(p.outcome);
      else if (p.response !== undefined) finish({}, p.response);
    });
    socket.on('error', (err) => finish({ reason: /ENOTFOUND|EAI_/.test(String((err as { code?: unknown }).code)) ? 'dns' : 'error', message: failureMessage(err) }));
    socket.send(query, server.port, server.host);
  });
}

async function exchangeTcp(server: { host: string; port: number }, query: Buffer, id: number, clock: Clock, timeoutMs: number, signal: AbortSignal | undefined): Promise<Exchange> {
  let response: DnsResponse | undefined;
  const framed = Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]);
  const end = await runOnSocket({ host: server.host, port: server.port, clock, timeoutMs, signal }, {
    onReady(socket, decide) {
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length < 2) return;
        const length = buffered.readUInt16BE(0);
        if (buffered.length < 2 + length) return;
        const p = parse(buffered.subarray(2, 2 + length), id);
        response = p.response;
        decide(p.outcome ?? (p.response === undefined ? { reason: 'dns', message: 'the answer carries another query id' } : {}));
      });
      socket.write(framed);
    },
    onClosedEarly: (connected) => (connected ? { reason: 'no_reply', message: 'the server closed the connection without answering' } : { reason: 'reset', message: 'connection closed while connecting' }),
  });
  const connect = socketPhases(end.timeline).connect;
  return {
    outcome: end.outcome,
    startAt: end.timeline.startAt,
    decidedAt: end.decidedAt,
    ...(response === undefined ? {} : { response }),
    ...(connect === undefined ? {} : { connectSeconds: connect }),
  };
}
