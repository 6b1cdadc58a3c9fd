/**
 * The `probes` config section: scheduled checks, one kind per probe, tagged by `type:`
 * (`http`, `ws`, `tcp`, `dns`, `tls`). Each kind's settings sit in a block named after it, as
 * blackbox_exporter's `prober:` + `http:` do, so errors point at `probes[2].http.timeout`.
 * The schema is a discriminated union: the loader reports the errors of the variant that
 * `type` names, never "matches none of five shapes".
 *
 * Adding a kind: its block schema and variant here, then its runner, CLI and API rendering in
 * `src/probe/probe-kinds.ts` (the compiler insists on all of them).
 */
import { Type } from '@sinclair/typebox';
import type { StaticDecode } from '@sinclair/typebox';
import { Cron, Duration, Extract, Headers, JsonPathT, Name, Regex, Size, Strict, VARIABLE_NAME } from '../types.js';
import { templateNames } from '../../core/template.js';
import type { ReportProblem, ReportWarning } from '../problem.js';
import { parseStatusSpec } from '../../probe/status-spec.js';
import { isDuration, parseDuration } from '../../core/units.js';

const StatusItem = Type.Union([Type.Integer({ minimum: 100, maximum: 599 }), Type.String({ pattern: '^([1-5]xx|\\d{3}(-\\d{3})?)$' })]);

/** `assert.status`: 200, "2xx", "200-299" or a list of those; decoded to inclusive ranges. */
export const StatusSpec = Type.Transform(
  Type.Union([StatusItem, Type.Array(StatusItem, { minItems: 1 })], { errorMessage: 'expected a status like 200, "2xx", "200-299" or a list of them' }),
)
  .Decode((v) => parseStatusSpec(v))
  .Encode((ranges) => ranges.map(([a, b]) => (a === b ? a : `${a}-${b}`)));

/** A JSON path assertion: the value at `path` equals / exists / matches. */
export const JsonAssertion = Strict({
  path: JsonPathT(),
  equals: Type.Optional(Type.Unknown()),
  exists: Type.Optional(Type.Boolean()),
  matches: Type.Optional(Regex()),
});

/** A header assertion (name is case-insensitive). */
export const HeaderAssertion = Strict({
  name: Type.String({ minLength: 1 }),
  equals: Type.Optional(Type.String()),
  matches: Type.Optional(Regex()),
});

/** `assert`: what a successful probe looks like. */
export const AssertSchema = Strict({
  status: Type.Optional(StatusSpec),
  json: Type.Optional(Type.Array(JsonAssertion)),
  body: Type.Optional(Regex()),
  headers: Type.Optional(Type.Array(HeaderAssertion)),
  maxLatency: Type.Optional(Duration()),
});

const METHOD = { pattern: '^[A-Z]+$', errorMessage: 'expected an HTTP method in capitals, like "GET"' };
const HTTP_PATH = Type.String({ pattern: '^/', errorMessage: 'expected a path starting with "/"' });
const HTTP_URL = Type.String({ pattern: '^https?://', errorMessage: 'expected an absolute http(s) URL' });

/**
 * One step of a stepped HTTP probe (`http.steps`): a request like a load request, whose
 * `extract` values later steps use as `{{name}}` in url, path, headers and body.
 */
export const HttpStepSchema = Strict({
  /** Names the step in failure messages and in `measure`; default "METHOD path". */
  name: Type.Optional(Name()),
  method: Type.String({ ...METHOD, default: 'GET' }),
  path: Type.Optional(HTTP_PATH),
  url: Type.Optional(HTTP_URL),
  headers: Type.Optional(Headers()),
  body: Type.Optional(Type.String()),
  json: Type.Optional(Type.Unknown()),
  extract: Type.Optional(Extract()),
  /** Checks of this step's response (default: status 2xx/3xx); the last step's are the probe's `assert`. */
  assert: Type.Optional(AssertSchema),
});

/**
 * `http`: one request (`method`, `path` or `url`, `headers`, `body`/`json`), or `steps`, a short
 * sequence (log in, extract the token, call the endpoint). `path` is joined to the target's URL;
 * `url` stands alone. With steps, `headers` apply to every step and `timeout` bounds the whole run.
 */
export const HttpRequestSchema = Strict({
  /** Default GET (no schema default: with `steps` a method here is a mistake the check reports). */
  method: Type.Optional(Type.String(METHOD)),
  path: Type.Optional(HTTP_PATH),
  url: Type.Optional(HTTP_URL),
  headers: Type.Optional(Headers()),
  body: Type.Optional(Type.String()),
  json: Type.Optional(Type.Unknown()),
  steps: Type.Optional(Type.Array(HttpStepSchema, { minItems: 1, errorMessage: 'expected a list of at least one step' })),
  /** Whose time is the probe's latency: `last` (default), `total`, or a step's name. */
  measure: Type.Optional(Type.String({ minLength: 1, errorMessage: 'expected "last", "total" or a step name' })),
  timeout: Duration({ default: '10s' }),
  followRedirects: Type.Boolean({ default: false }),
  maxRedirects: Type.Integer({ minimum: 0, maximum: 20, default: 5 }),
  tlsVerify: Type.Boolean({ default: true }),
  maxBodySize: Size({ default: '1MiB' }),
});

/** `ws`: connect, optionally send a message and wait for a matching reply, close. */
export const WsRequestSchema = Strict({
  path: Type.Optional(Type.String({ pattern: '^/', errorMessage: 'expected a path starting with "/"' })),
  url: Type.Optional(Type.String({ pattern: '^wss?://', errorMessage: 'expected an absolute ws(s) URL' })),
  headers: Type.Optional(Headers()),
  timeout: Duration({ default: '10s' }),
  tlsVerify: Type.Boolean({ default: true }),
  send: Type.Optional(Type.Unknown({ description: 'a string is sent as is; anything else as JSON' })),
  /** The reply must carry the same value at this path as the sent message (e.g. "$.id"). */
  matchId: Type.Optional(JsonPathT()),
  expect: Type.Optional(Type.Array(JsonAssertion)),
});

/** `assert` of the kinds that measure only time (tcp, dns, tls): a latency budget. */
export const LatencyAssertSchema = Strict({
  maxLatency: Type.Optional(Duration()),
});

const HOST = Type.String({ minLength: 1, pattern: '^[^\\s/:]+$|^\\[[0-9a-fA-F:.]+\\]$', errorMessage: 'expected a host name or IP address (no scheme, no port)' });
const PORT = Type.Integer({ minimum: 1, maximum: 65_535, errorMessage: 'expected a port from 1 to 65535' });

/** `tcp`: connect, optionally send a line and wait for a reply (banner) that matches `expect`. */
export const TcpRequestSchema = Strict({
  /** Host to connect to; default: the target's host. */
  host: Type.Optional(HOST),
  /** Port to connect to; default: the target's port (its URL's, 80/443 by scheme). */
  port: Type.Optional(PORT),
  /** Sent once connected (escapes such as "\r\n" are written in YAML double quotes). */
  send: Type.Optional(Type.String()),
  /** Regular expression the received bytes (as UTF-8) must match; the run waits for it. */
  expect: Type.Optional(Regex()),
  timeout: Duration({ default: '10s' }),
});

/** DNS record types the `dns` probe asks for. */
export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT'] as const;

/** `dns`: ask `server` for `name`'s records of `recordType`; `expect` lists answers that must be present. */
export const DnsRequestSchema = Strict({
  name: Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9_.-]+\\.?$', errorMessage: 'expected a domain name like "example.com"' }),
  /** The resolver, "host:port" or "host" (port 53). */
  server: Type.String({ pattern: '^([^\\s:/]+|\\[[0-9a-fA-F:.]+\\])(:\\d{1,5})?$', errorMessage: 'expected a DNS server like "127.0.0.1:53"' }),
  transport: Type.Union([Type.Literal('udp'), Type.Literal('tcp')], { default: 'udp', errorMessage: 'expected "udp" or "tcp"' }),
  recordType: Type.Union(DNS_RECORD_TYPES.map((t) => Type.Literal(t)), { default: 'A', errorMessage: `expected one of ${DNS_RECORD_TYPES.join(', ')}` }),
  /** Answers that must all be present (A/AAAA addresses, names, MX "10 mail.example.com", TXT text). */
  expect: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  timeout: Duration({ default: '5s' }),
});

/** `tls`: a TLS handshake to read and judge the server's certificate chain. */
export const TlsRequestSchema = Strict({
  /** Host to connect to; default: the target's host. */
  host: Type.Optional(HOST),
  port: Type.Integer({ minimum: 1, maximum: 65_535, default: 443, errorMessage: 'expected a port from 1 to 65535' }),
  /** SNI and the name the certificate must carry; default: `host`. */
  serverName: Type.Optional(Type.String({ minLength: 1 })),
  /** Check the chain against the system's CAs and the name (an expired certificate always fails). */
  verify: Type.Boolean({ default: true }),
  timeout: Duration({ default: '10s' }),
  /** Built-in expiry alerts: warning when the certificate expires within this, critical within `expiryCritical`. */
  expiryWarning: Duration({ default: '14d' }),
  expiryCritical: Duration({ default: '3d' }),
});

/** Fields every probe has, whatever its kind. */
const COMMON = {
  name: Name(),
  target: Type.Optional(Name()),
  every: Type.Optional(Duration({ errorMessage: 'expected an interval like "15s"' })),
  cron: Type.Optional(Cron()),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  /**
   * Export the full per-phase latency histogram (23 buckets a phase). Off: the phase histogram
   * has only its +Inf bucket, sum and count (mean per phase), 3 series a phase instead of 26.
   */
  phaseHistogram: Type.Boolean({ default: false }),
};

/** The probe kinds, as written after `type:`. */
export const PROBE_TYPES = ['http', 'ws', 'tcp', 'dns', 'tls'] as const;
/** A probe kind. */
export type ProbeType = (typeof PROBE_TYPES)[number];

/** `type: http`. */
export const HttpProbeSchema = Strict({ ...COMMON, type: Type.Literal('http'), http: HttpRequestSchema, assert: Type.Optional(AssertSchema) });
/** `type: ws`. */
export const WsProbeSchema = Strict({ ...COMMON, type: Type.Literal('ws'), ws: WsRequestSchema, assert: Type.Optional(AssertSchema) });
/** `type: tcp`. */
export const TcpProbeSchema = Strict({ ...COMMON, type: Type.Literal('tcp'), tcp: TcpRequestSchema, assert: Type.Optional(LatencyAssertSchema) });
/** `type: dns`. */
export const DnsProbeSchema = Strict({ ...COMMON, type: Type.Literal('dns'), dns: DnsRequestSchema, assert: Type.Optional(LatencyAssertSchema) });
/** `type: tls`. */
export const TlsProbeSchema = Strict({ ...COMMON, type: Type.Literal('tls'), tls: TlsRequestSchema, assert: Type.Optional(LatencyAssertSchema) });

/**
 * One probe: a union tagged by `type`. `discriminator` tells the config loader to report the
 * errors of the variant `type` names (see `load-config.ts`).
 */
export const ProbeSchema = Type.Union([HttpProbeSchema, WsProbeSchema, TcpProbeSchema, DnsProbeSchema, TlsProbeSchema], {
  discriminator: 'type',
});

/** `probes`. */
export const ProbesSection = Type.Array(ProbeSchema, { default: [] });

/** Decoded types. */
export type ProbeConfig = StaticDecode<typeof ProbeSchema>;
/** The decoded probe of one kind. */
export type ProbeOfType<T extends ProbeType> = Extract<ProbeConfig, { type: T }>;
export type HttpRequestConfig = StaticDecode<typeof HttpRequestSchema>;
export type HttpStepConfig = StaticDecode<typeof HttpStepSchema>;
export type WsRequestConfig = StaticDecode<typeof WsRequestSchema>;
export type TcpRequestConfig = StaticDecode<typeof TcpRequestSchema>;
export type DnsRequestConfig = StaticDecode<typeof DnsRequestSchema>;
export type TlsRequestConfig = StaticDecode<typeof TlsRequestSchema>;
export type AssertConfig = StaticDecode<typeof AssertSchema>;
export type JsonAssertionConfig = StaticDecode<typeof JsonAssertion>;

type Raw = Record<string, unknown>;

/**
 * Reads the shape before `type:` existed (a probe with exactly one `http:` or `ws:` block and no
 * `type`) by adding the `type` it implies, with a warning asking to write it. This is the only
 * place a kind is inferred from which block is present; everything downstream reads `type`.
 */
export function upgradeProbes(raw: Raw, warn: ReportWarning): void {
  if (!Array.isArray(raw.probes)) return;
  (raw.probes as unknown[]).forEach((p, i) => {
    if (typeof p !== 'object' || p === null || Array.isArray(p)) return;
    const probe = p as Raw;
    if (probe.type !== undefined) return;
    const blocks = PROBE_TYPES.filter((t) => probe[t] !== undefined);
    if (blocks.length !== 1 || (blocks[0] !== 'http' && blocks[0] !== 'ws')) return;
    probe.type = blocks[0];
    warn(['probes', i], `no "type": read as "type: ${blocks[0]}"; add the line (probes without "type" are deprecated)`);
  });
}

/** Semantic checks: unique names, one schedule, a kind block that can be resolved to an address. */
export function checkProbes(raw: { probes?: unknown; targets?: unknown }, report: ReportProblem): void {
  const probes = Array.isArray(raw.probes) ? (raw.probes as Raw[]) : [];
  const targetNames = new Set(Array.isArray(raw.targets) ? (raw.targets as { name?: unknown }[]).map((t) => t?.name) : []);
  const seen = new Set<unknown>();
  probes.forEach((p, i) => {
    if (typeof p !== 'object' || p === null) return;
    if (seen.has(p.name)) report(['probes', i, 'name'], `duplicate probe name "${String(p.name)}"`);
    seen.add(p.name);
    if ((p.every === undefined) === (p.cron === undefined)) report(['probes', i], 'expected exactly one of "every" or "cron"');
    if (p.target !== undefined && !targetNames.has(p.target)) {
      report(['probes', i, 'target'], `unknown target "${String(p.target)}" (declare it under targets)`);
    }
    const kind = p.type;
    if (typeof kind !== 'string') return;
    const block = p[kind] as Raw | undefined;
    if (typeof block !== 'object' || block === null) return;
    const at = ['probes', i, kind];
    if (kind === 'http' && block.steps !== undefined) checkHttpSteps(block, p.target !== undefined, at, report);
    else if (kind === 'http' || kind === 'ws') {
      checkRequestAddress(block, p.target !== undefined, at, report);
      if (kind === 'http' && block.measure !== undefined) report([...at, 'measure'], 'only used with "steps"');
    }
    if ((kind === 'tcp' || kind === 'tls') && block.host === undefined && p.target === undefined) {
      report(at, 'expected "host", or a probe "target" whose host is used');
    }
    if (kind === 'tcp' && block.port === undefined && p.target === undefined) report(at, 'expected "port", or a probe "target" whose port is used');
    if (kind === 'tls' && typeof block.expiryWarning === 'string' && typeof block.expiryCritical === 'string') {
      // compared decoded by the runner; here only the obvious mistake of a critical above the warning
      if (durationMs(block.expiryCritical) > durationMs(block.expiryWarning)) report([...at, 'expiryCritical'], 'expected at most "expiryWarning" (critical is the nearer deadline)');
    }
  });
}

/** One request's address and body: `url`, or `path` under the probe's target; `body` or `json`. */
function checkRequestAddress(block: Raw, hasTarget: boolean, at: readonly (string | number)[], report: ReportProblem): void {
  if (block.url === undefined && !hasTarget) report(at, 'expected "url", or "path" with a probe "target"');
  if (block.url !== undefined && block.path !== undefined) report(at, 'expected "url" or "path", not both');
  if (block.body !== undefined && block.json !== undefined) report(at, 'expected "body" or "json", not both');
}

/** The fields of the one-request form, which `steps` replaces. */
const SINGLE_REQUEST_KEYS = ['method', 'path', 'url', 'body', 'json'] as const;

/**
 * `http.steps`: each step addressable, `{{var}}` only after a step extracted it (the loads'
 * rule), the last step's checks written as the probe's `assert`, `measure` naming a step.
 */
function checkHttpSteps(block: Raw, hasTarget: boolean, at: readonly (string | number)[], report: ReportProblem): void {
  for (const key of SINGLE_REQUEST_KEYS) {
    if (block[key] !== undefined) report([...at, key], `with "steps", each step has its own "${key}" (move it into a step)`);
  }
  for (const name of templateNames(JSON.stringify(block.headers ?? {}))) {
    report([...at, 'headers'], `"{{${name}}}" is used before a step extracts it (these headers go with every step, the first included)`);
  }
  // Not a list: the schema says so.
  const steps = Array.isArray(block.steps) ? (block.steps as unknown[]) : [];
  const known = new Set<string>();
  const names = new Set<unknown>();
  steps.forEach((step, i) => {
    if (typeof step !== 'object' || step === null || Array.isArray(step)) return;
    const st = step as Raw;
    const sp = [...at, 'steps', i];
    checkRequestAddress(st, hasTarget, sp, report);
    if (st.name !== undefined) {
      if (st.name === 'last' || st.name === 'total') report([...sp, 'name'], `"${st.name}" is a "measure" keyword; name the step otherwise`);
      if (names.has(st.name)) report([...sp, 'name'], `duplicate step name "${String(st.name)}"`);
      names.add(st.name);
    }
    for (const name of templateNames(JSON.stringify([st.url, st.path, st.headers, st.body, st.json]))) {
      if (!known.has(name)) report(sp, `"{{${name}}}" is used before a step extracts it`);
    }
    if (typeof st.extract === 'object' && st.extract !== null) {
      for (const k of Object.keys(st.extract)) {
        // The schema's key pattern alone lets such a key through, unused forever.
        if (!VARIABLE_NAME.test(k)) report([...sp, 'extract', k], `"${k}" cannot be used as {{${k}}}: expected a name of letters, digits and "_"`);
        known.add(k);
      }
    }
    if (i === steps.length - 1 && st.assert !== undefined) {
      report([...sp, 'assert'], 'the last step\'s checks are the probe\'s "assert" (move them there)');
    }
  });
  const measure = block.measure;
  if (typeof measure === 'string' && measure !== 'last' && measure !== 'total' && !names.has(measure)) {
    report([...at, 'measure'], `expected "last", "total" or the name of a step, got "${measure}"`);
  }
}

function durationMs(text: string): number {
  return isDuration(text) ? parseDuration(text) : 0;
}
