/**
 * The probe kinds, in one registry: for each `type:` its config schema, how to build its
 * runner, its address for listings, its one-shot CLI form (`perfwarden probe tcp://…`) and the
 * rows it adds to the CLI table and the API. Code that needs a kind looks it up here by
 * `probe.type`; nothing re-derives a kind from which fields are present. Adding a kind: its
 * schema in `config/sections/probes.ts`, its runner, and an entry here (the mapped type makes a
 * missing entry a compile error).
 */
import { tryParseJson } from './ws-reply.js';
import type { TSchema } from '@sinclair/typebox';
import { DnsProbeSchema, HttpProbeSchema, TcpProbeSchema, TlsProbeSchema, WsProbeSchema } from '../config/sections/probes.js';
import type { ProbeConfig, ProbeOfType, ProbeType } from '../config/sections/probes.js';
import { PwError } from '../core/errors.js';
import { createDnsProbe, parseDnsServer } from './dns-probe.js';
import { createHttpProbe } from './http-probe.js';
import { createTcpProbe } from './tcp-probe.js';
import { targetHost } from './timed-socket.js';
import { createTlsProbe } from './tls-probe.js';
import type { Phase, ProbeResult, ProbeRunner, ResolvedTarget } from './types.js';
import { createWsProbe } from './ws-probe.js';

/** Options of the one-shot `perfwarden probe URL` that a kind may read. */
export interface OneShotOptions {
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeout: string;
  insecure: boolean;
  followRedirects: boolean;
  send?: string;
  /** tcp: a regular expression the reply must match; dns: answers that must be present. */
  expect: string[];
}

/** Everything perfwarden knows about one probe kind. */
export interface ProbeKind<T extends ProbeType> {
  readonly type: T;
  /** The config variant (`type: T` plus its block). */
  readonly schema: TSchema;
  /** The phases its results can carry (each is a phase-histogram series group on /metrics). */
  readonly phases: readonly Phase[];
  /** Series of its own on /metrics besides the ones every probe has (WebSocket histograms, certificate expiry). */
  readonly extraSeries: number;
  /** URL schemes of the one-shot CLI form, with the colon (`tcp:`). */
  readonly schemes: readonly string[];
  /** Builds the runner, once, at start-up. Throws PW_ERR_INVALID_ARGUMENT for an unusable address. */
  create(probe: ProbeOfType<T>, target: ResolvedTarget | undefined): ProbeRunner;
  /** Where the probe points, as the API lists it for a probe without a named target. */
  address(probe: ProbeOfType<T>): string;
  /** The raw config of a one-shot probe of `url` (validated by the probe schema afterwards). */
  fromUrl(url: URL, options: OneShotOptions): Record<string, unknown>;
  /** Kind-specific rows for the CLI table and the API's `detail` (label → text). */
  details(result: ProbeResult): [string, string][];
}

const days = (seconds: number) => `${(seconds / 86_400).toFixed(1)} d`;

/** The registry. */
export const PROBE_KINDS: { readonly [K in ProbeType]: ProbeKind<K> } = {
  http: {
    type: 'http',
    schema: HttpProbeSchema,
    phases: ['dns', 'connect', 'tls', 'ttfb', 'transfer'],
    extraSeries: 0,
    schemes: ['http:', 'https:'],
    create: (p, target) => createHttpProbe(p, target),
    address: (p) => {
      const endpoint = p.http.steps?.at(-1) ?? p.http;
      return endpoint.url ?? endpoint.path ?? '';
    },
    fromUrl: (url, o) => ({
      http: {
        url: url.href, method: o.method.toUpperCase(), headers: o.headers, timeout: o.timeout, tlsVerify: !o.insecure,
        followRedirects: o.followRedirects, ...(o.body === undefined ? {} : { body: o.body }),
      },
    }),
    // A stepped probe: one row a step, so a failed login shows where the run stopped.
    details: (r) => (r.steps ?? []).map((step): [string, string] => [
      'step',
      `${step.name}: ${step.status ?? '-'}, ${(step.durationSeconds * 1000).toFixed(2)} ms, ${step.ok ? 'ok' : (step.reason ?? 'failed')}`,
    ]),
  },
  ws: {
    type: 'ws',
    schema: WsProbeSchema,
    phases: ['connect'],
    // perfwarden_ws_connect_duration_seconds and perfwarden_ws_message_rtt_seconds: 23 buckets + +Inf + sum + count each
    extraSeries: 52,
    schemes: ['ws:', 'wss:'],
    create: (p, target) => createWsProbe(p, target),
    address: (p) => p.ws.url ?? p.ws.path ?? '',
    fromUrl: (url, o) => ({
      ws: {
        url: url.href, headers: o.headers, timeout: o.timeout, tlsVerify: !o.insecure,
        ...(o.send === undefined ? {} : wsExchange(o.send)),
      },
    }),
    details: (r) => (r.ws?.rttSeconds === undefined ? [] : [['round trip', `${(r.ws.rttSeconds * 1000).toFixed(2)} ms`]]),
  },
  tcp: {
    type: 'tcp',
    schema: TcpProbeSchema,
    phases: ['dns', 'connect', 'ttfb'],
    extraSeries: 0,
    schemes: ['tcp:'],
    create: (p, target) => createTcpProbe(p, target),
    address: (p) => `tcp://${p.tcp.host ?? ''}:${p.tcp.port ?? ''}`,
    fromUrl: (url, o) => ({
      tcp: {
        host: hostOfUrl(url), port: portOfUrl(url, undefined), timeout: o.timeout,
        ...(o.send === undefined ? {} : { send: o.send }), ...(o.expect[0] === undefined ? {} : { expect: o.expect[0] }),
      },
    }),
    details: (r) => (r.tcp === undefined ? [] : [['received', JSON.stringify(r.tcp.received)]]),
  },
  dns: {
    type: 'dns',
    schema: DnsProbeSchema,
    phases: ['connect'],
    extraSeries: 0,
    schemes: ['dns:'],
    create: (p) => createDnsProbe(p),
    address: (p) => {
      const s = parseDnsServer(p.dns.server);
      return `dns://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}/${p.dns.name}?type=${p.dns.recordType}`;
    },
    // RFC 4501: dns://server[:port]/name?type=A; `transport=tcp` chooses TCP.
    fromUrl: (url, o) => ({
      dns: {
        server: url.host === '' ? '127.0.0.1:53' : url.host,
        name: decodeURIComponent(url.pathname.replace(/^\//, '')),
        recordType: (url.searchParams.get('type') ?? 'A').toUpperCase(),
        transport: url.searchParams.get('transport') ?? 'udp',
        timeout: o.timeout,
        ...(o.expect.length === 0 ? {} : { expect: o.expect }),
      },
    }),
    details: (r) => (r.dns === undefined ? [] : [['rcode', r.dns.rcode], ...r.dns.answers.map((a): [string, string] => ['answer', a])]),
  },
  tls: {
    type: 'tls',
    schema: TlsProbeSchema,
    phases: ['dns', 'connect', 'tls'],
    // perfwarden_tls_cert_expiry_seconds
    extraSeries: 1,
    schemes: ['tls:'],
    create: (p, target) => createTlsProbe(p, target),
    address: (p) => `tls://${p.tls.host ?? ''}:${p.tls.port}`,
    fromUrl: (url, o) => ({ tls: { host: hostOfUrl(url), port: portOfUrl(url, 443), timeout: o.timeout, verify: !o.insecure } }),
    details: (r) => (r.tls === undefined ? [] : [
      ['expires', `${new Date(r.tls.validTo).toISOString()} (in ${days(r.tls.expirySeconds)})`],
      ['subject', r.tls.subject],
      ['issuer', r.tls.issuer],
      ['verified', r.tls.authorized ? 'yes' : `no (${r.tls.authorizationError ?? 'unknown'})`],
      ...(r.tls.protocol === undefined ? [] : [['protocol', r.tls.protocol] as [string, string]]),
    ]),
  },
};

/** The registry entry of a probe's kind. */
export function probeKind(type: ProbeType): ProbeKind<ProbeType> {
  // Entries are keyed by their own type, so the lookup is sound; the cast only widens the parameter.
  return PROBE_KINDS[type] as ProbeKind<ProbeType>;
}

/** Builds the runner of any probe through its kind. */
export function createProbeRunner(probe: ProbeConfig, target: ResolvedTarget | undefined): ProbeRunner {
  return probeKind(probe.type).create(probe, target);
}

/** The kind whose one-shot scheme `url` has, or undefined. */
export function kindOfScheme(protocol: string): ProbeKind<ProbeType> | undefined {
  return Object.values(PROBE_KINDS).find((k) => k.schemes.includes(protocol)) as ProbeKind<ProbeType> | undefined;
}

/** The host of a `tcp://` or `tls://` URL, without IPv6 brackets. */
function hostOfUrl(url: URL): string {
  return targetHost(url.href);
}

function portOfUrl(url: URL, fallback: number | undefined): number {
  if (url.port !== '') return Number(url.port);
  if (fallback !== undefined) return fallback;
  throw new PwError('PW_ERR_INVALID_ARGUMENT', `expected a port in ${url.href} (like tcp://host:6379)`);
}

/**
 * `--send`: a JSON object with an `id` is matched by that id (the reply to *our* message, not a
 * broadcast); anything else (plain text, JSON without an id) is sent as given and the first
 * message back is the reply.
 */
function wsExchange(text: string): { send: unknown; matchId?: string } {
  const parsed = tryParseJson(text);
  if (!parsed.ok) return { send: text };
  const value = parsed.value;
  const hasId = typeof value === 'object' && value !== null && !Array.isArray(value) && 'id' in value;
  return hasId ? { send: value, matchId: '$.id' } : { send: value };
}
