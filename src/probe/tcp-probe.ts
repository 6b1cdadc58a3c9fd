/**
 * The TCP probe: connect (dns and connect phases), optionally send a line, and when `expect` is
 * set wait until what the server sent matches it (a banner such as Redis' `+PONG` or SMTP's
 * `220`). `ttfb` is connected → first byte received. The connection is then dropped: a probe
 * checks that the port answers, it does not speak the protocol further.
 */
import type { ProbeOfType } from '../config/sections/probes.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { PwError } from '../core/errors.js';
import { runOnSocket, socketPhases, targetHost, targetPort } from './timed-socket.js';
import type { SocketOutcome } from './timed-socket.js';
import type { ProbeResult, ProbeRunContext, ProbeRunner, ResolvedTarget } from './types.js';

/** Bytes kept while waiting for `expect`; a server that sends more without matching fails. */
const MAX_RECEIVED = 64 * 1024;
/** Characters of the received text kept in the result. */
const RESULT_CHARS = 256;

/** Optional dependencies. */
export interface TcpProbeOptions {
  clock?: Clock;
}

/** Builds a TCP probe. Throws PW_ERR_INVALID_ARGUMENT without a host (neither `tcp.host` nor a target). */
export function createTcpProbe(probe: ProbeOfType<'tcp'>, target: ResolvedTarget | undefined, options: TcpProbeOptions = {}): ProbeRunner {
  const { tcp } = probe;
  const host = tcp.host ?? (target === undefined ? undefined : targetHost(target.baseUrl));
  const port = tcp.port ?? (target === undefined ? undefined : targetPort(target.baseUrl));
  if (host === undefined || port === undefined) throw new PwError('PW_ERR_INVALID_ARGUMENT', `probe "${probe.name}": expected "tcp.host" and "tcp.port", or a target`);
  const url = `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const clock = options.clock ?? systemClock;
  const targetName = target?.name ?? url;
  const maxLatencyMs = probe.assert?.maxLatency;

  const run = async (ctx: ProbeRunContext): Promise<ProbeResult> => {
    let firstByteAt: number | undefined;
    let received = '';
    const end = await runOnSocket({ host, port, clock, timeoutMs: tcp.timeout, signal: ctx.signal }, {
      onReady(socket, decide) {
        if (tcp.send !== undefined) socket.write(tcp.send);
        const expect = tcp.expect;
        if (expect === undefined) {
          decide({});
          return;
        }
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => {
          firstByteAt ??= clock.now();
          received += chunk;
          if (expect.test(received)) decide({});
          else if (received.length > MAX_RECEIVED) decide({ reason: 'assertion', message: `no match for /${expect.source}/ in the first ${MAX_RECEIVED} bytes` });
        });
      },
      onClosedEarly: (connected): SocketOutcome => (connected
        ? { reason: 'no_reply', message: `the server closed the connection before sending a match for /${tcp.expect?.source ?? ''}/` }
        : { reason: 'reset', message: 'connection closed while connecting' }),
    });
    const durationMs = end.decidedAt - end.timeline.startAt;
    const phases = socketPhases(end.timeline);
    if (firstByteAt !== undefined && end.timeline.connectAt !== undefined) phases.ttfb = (firstByteAt - end.timeline.connectAt) / 1000;
    let { reason, message } = end.outcome;
    if (reason === undefined && maxLatencyMs !== undefined && durationMs > maxLatencyMs) {
      reason = 'assertion';
      message = `took ${Math.round(durationMs)}ms, over maxLatency ${maxLatencyMs}ms`;
    }
    const result: ProbeResult = {
      probe: probe.name, target: targetName, kind: 'tcp', url, ok: reason === undefined,
      startedAt: end.timeline.startAt, durationSeconds: durationMs / 1000, phases,
      traceId: ctx.traceContext.traceId, spanId: ctx.traceContext.spanId,
    };
    if (reason !== undefined) result.reason = reason;
    if (message !== undefined) result.message = message;
    if (tcp.expect !== undefined) result.tcp = { received: received.slice(0, RESULT_CHARS) };
    return result;
  };
  return { name: probe.name, kind: 'tcp', target: targetName, run };
}
