/**
 * The TLS probe: a TLS handshake (dns, connect and tls phases) to read the certificate chain the
 * server presents, judged after the handshake rather than by the handshake, so an expired or
 * untrusted certificate is still read and reported:
 * - any certificate in the chain past its `notAfter` → `cert_expired` (whatever `verify` says);
 * - with `verify`, a chain or name that does not verify → `tls` with OpenSSL's code;
 * - otherwise success. `expirySeconds` (earliest `notAfter` − run start) feeds
 *   `perfwarden_tls_cert_expiry_seconds` and the built-in expiry alerts.
 */
import { isIP } from 'node:net';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { ProbeOfType } from '../config/sections/probes.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { PwError } from '../core/errors.js';
import { runOnSocket, socketPhases, targetHost } from './timed-socket.js';
import type { SocketOutcome } from './timed-socket.js';
import type { ProbeResult, ProbeRunContext, ProbeRunner, ResolvedTarget, TlsDetails } from './types.js';

/** Optional dependencies. */
export interface TlsProbeOptions {
  clock?: Clock;
}

/** Builds a TLS probe. Throws PW_ERR_INVALID_ARGUMENT without a host (neither `tls.host` nor a target). */
export function createTlsProbe(probe: ProbeOfType<'tls'>, target: ResolvedTarget | undefined, options: TlsProbeOptions = {}): ProbeRunner {
  const { tls } = probe;
  const host = tls.host ?? (target === undefined ? undefined : targetHost(target.baseUrl));
  if (host === undefined) throw new PwError('PW_ERR_INVALID_ARGUMENT', `probe "${probe.name}": expected "tls.host", or a target`);
  const name = tls.serverName ?? host;
  // SNI carries host names only (RFC 6066); an IP literal is checked against the certificate's IP entries.
  const serverName = isIP(name) === 0 ? name : undefined;
  const url = `tls://${host.includes(':') ? `[${host}]` : host}:${tls.port}`;
  const clock = options.clock ?? systemClock;
  const targetName = target?.name ?? url;
  const maxLatencyMs = probe.assert?.maxLatency;

  const run = async (ctx: ProbeRunContext): Promise<ProbeResult> => {
    let details: TlsDetails | undefined;
    const end = await runOnSocket<TLSSocket>({ host, port: tls.port, tls: { serverName }, clock, timeoutMs: tls.timeout, signal: ctx.signal }, {
      onReady(socket, decide) {
        const now = clock.now();
        details = certificateDetails(socket, now);
        if (details === undefined) {
          decide({ reason: 'tls', message: 'the server presented no certificate' });
          return;
        }
        decide(judge(details, tls.verify));
      },
      onClosedEarly: (): SocketOutcome => ({ reason: 'reset', message: 'connection closed during the TLS handshake' }),
    });
    const durationMs = end.decidedAt - end.timeline.startAt;
    let { reason, message } = end.outcome;
    if (reason === undefined && maxLatencyMs !== undefined && durationMs > maxLatencyMs) {
      reason = 'assertion';
      message = `took ${Math.round(durationMs)}ms, over maxLatency ${maxLatencyMs}ms`;
    }
    const result: ProbeResult = {
      probe: probe.name, target: targetName, kind: 'tls', url, ok: reason === undefined,
      startedAt: end.timeline.startAt, durationSeconds: durationMs / 1000, phases: socketPhases(end.timeline),
      traceId: ctx.traceContext.traceId, spanId: ctx.traceContext.spanId,
    };
    if (reason !== undefined) result.reason = reason;
    if (message !== undefined) result.message = message;
    if (details !== undefined) result.tls = { ...details, expirySeconds: (details.validTo - end.timeline.startAt) / 1000 };
    return result;
  };
  return { name: probe.name, kind: 'tls', target: targetName, run };
}

/** Expired first (the reason this probe exists), then the chain and name when verifying. */
function judge(d: TlsDetails, verify: boolean): SocketOutcome {
  if (d.expirySeconds <= 0) return { reason: 'cert_expired', message: `the certificate expired on ${new Date(d.validTo).toISOString()}` };
  if (verify && !d.authorized) return { reason: 'tls', message: `the certificate does not verify: ${d.authorizationError ?? 'unknown reason'}` };
  return {};
}

/** The presented chain, read once: the leaf's names and the earliest expiry of the chain. */
function certificateDetails(socket: TLSSocket, now: number): TlsDetails | undefined {
  const leaf = socket.getPeerCertificate(true);
  if (leaf === undefined || Object.keys(leaf).length === 0) return undefined;
  let validTo = Date.parse(leaf.valid_to);
  const seen = new Set<DetailedPeerCertificate>([leaf]);
  // A self-signed certificate is its own issuer: stop at a certificate already seen.
  for (let c = leaf.issuerCertificate; c !== undefined && !seen.has(c); c = c.issuerCertificate) {
    seen.add(c);
    const t = Date.parse(c.valid_to);
    if (Number.isFinite(t)) validTo = Math.min(validTo, t);
  }
  const error = socket.authorizationError as unknown;
  const details: TlsDetails = {
    authorized: socket.authorized,
    subject: distinguishedName(leaf.subject),
    issuer: distinguishedName(leaf.issuer),
    validFrom: Date.parse(leaf.valid_from),
    validTo,
    expirySeconds: (validTo - now) / 1000,
  };
  if (error !== null && error !== undefined) details.authorizationError = error instanceof Error ? error.message : String(error);
  const protocol = socket.getProtocol();
  if (protocol !== null) details.protocol = protocol;
  return details;
}

function distinguishedName(dn: object | undefined): string {
  if (dn === undefined) return '';
  return Object.entries(dn as Record<string, string | string[]>).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`).join(', ');
}
