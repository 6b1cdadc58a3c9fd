/** The `probes` config section: scheduled HTTP and WebSocket checks with assertions. */
import { Type } from '@sinclair/typebox';
import type { StaticDecode } from '@sinclair/typebox';
import { Cron, Duration, Headers, JsonPathT, Name, Regex, Size, Strict } from '../types.js';
import type { ReportProblem } from '../problem.js';
import { parseStatusSpec } from '../../probe/status-spec.js';

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

/** `http`: one request. `path` is joined to the target's URL; `url` stands alone. */
export const HttpRequestSchema = Strict({
  method: Type.String({ default: 'GET', pattern: '^[A-Z]+$', errorMessage: 'expected an HTTP method in capitals, like "GET"' }),
  path: Type.Optional(Type.String({ pattern: '^/', errorMessage: 'expected a path starting with "/"' })),
  url: Type.Optional(Type.String({ pattern: '^https?://', errorMessage: 'expected an absolute http(s) URL' })),
  headers: Type.Optional(Headers()),
  body: Type.Optional(Type.String()),
  json: Type.Optional(Type.Unknown()),
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

/** One probe. Exactly one of `every`/`cron`, exactly one of `http`/`ws`. */
export const ProbeSchema = Strict({
  name: Name(),
  target: Type.Optional(Name()),
  every: Type.Optional(Duration({ errorMessage: 'expected an interval like "15s"' })),
  cron: Type.Optional(Cron()),
  http: Type.Optional(HttpRequestSchema),
  ws: Type.Optional(WsRequestSchema),
  assert: Type.Optional(AssertSchema),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
});

/** `probes`. */
export const ProbesSection = Type.Array(ProbeSchema, { default: [] });

/** Decoded types. */
export type ProbeConfig = StaticDecode<typeof ProbeSchema>;
export type HttpRequestConfig = StaticDecode<typeof HttpRequestSchema>;
export type WsRequestConfig = StaticDecode<typeof WsRequestSchema>;
export type AssertConfig = StaticDecode<typeof AssertSchema>;
export type JsonAssertionConfig = StaticDecode<typeof JsonAssertion>;

/** Semantic checks: unique names, one schedule, one kind, a URL that can be resolved. */
export function checkProbes(raw: { probes?: unknown; targets?: unknown }, report: ReportProblem): void {
  const probes = Array.isArray(raw.probes) ? (raw.probes as Record<string, unknown>[]) : [];
  const targetNames = new Set(Array.isArray(raw.targets) ? (raw.targets as { name?: unknown }[]).map((t) => t?.name) : []);
  const seen = new Set<unknown>();
  probes.forEach((p, i) => {
    if (typeof p !== 'object' || p === null) return;
    if (seen.has(p.name)) report(['probes', i, 'name'], `duplicate probe name "${String(p.name)}"`);
    seen.add(p.name);
    if ((p.every === undefined) === (p.cron === undefined)) report(['probes', i], 'expected exactly one of "every" or "cron"');
    if ((p.http === undefined) === (p.ws === undefined)) report(['probes', i], 'expected exactly one of "http" or "ws"');
    if (p.target !== undefined && !targetNames.has(p.target)) {
      report(['probes', i, 'target'], `unknown target "${String(p.target)}" (declare it under targets)`);
    }
    for (const kind of ['http', 'ws'] as const) {
      const req = p[kind] as Record<string, unknown> | undefined;
      if (typeof req !== 'object' || req === null) continue;
      if (req.url === undefined && p.target === undefined) report(['probes', i, kind], 'expected "url", or "path" with a probe "target"');
      if (req.url !== undefined && req.path !== undefined) report(['probes', i, kind], 'expected "url" or "path", not both');
      if (kind === 'http' && req.body !== undefined && req.json !== undefined) report(['probes', i, kind], 'expected "body" or "json", not both');
    }
  });
}
