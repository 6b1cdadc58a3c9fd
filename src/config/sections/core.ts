/** Config sections of the daemon itself: server, log, storage, demo target, targets. */
import { Type } from '@sinclair/typebox';
import type { StaticDecode } from '@sinclair/typebox';
import { Duration, Headers, Name, Percent, Size, Strict } from '../types.js';
import type { ReportProblem } from '../problem.js';
import { ResourcesSchema } from './resources.js';

/** `server`: where /metrics, /healthz and the API listen. */
export const ServerSection = Strict({
  host: Type.String({ default: '127.0.0.1' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 9464, errorMessage: 'expected a port from 0 to 65535 (0 = any free port)' }),
  /** `validate` (and every command that loads the config, `start` included) warns when the probes would export more series than this on /metrics. */
  seriesBudget: Type.Integer({ minimum: 1, default: 50_000, errorMessage: 'expected a positive number of series' }),
}, { default: {} });

/** `log`: level and format. */
export const LogSection = Strict({
  level: Type.Union([Type.Literal('trace'), Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('fatal'), Type.Literal('silent')], { default: 'info', errorMessage: 'expected one of trace, debug, info, warn, error, fatal, silent' }),
  format: Type.Union([Type.Literal('auto'), Type.Literal('json'), Type.Literal('pretty')], { default: 'auto', errorMessage: 'expected auto, json or pretty' }),
}, { default: {} });

/** `storage`: the SQLite file for history, alert state and the notification outbox. */
export const StorageSection = Strict({
  path: Type.String({ default: './data/perfwarden.db', errorMessage: 'expected a file path (":memory:" for no file)' }),
}, { default: {} });

/** `demo`: the embedded demo target and its fault-injection knobs. */
export const DemoSection = Strict({
  enabled: Type.Boolean({ default: false }),
  host: Type.String({ default: '127.0.0.1' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 9465, errorMessage: 'expected a port from 0 to 65535 (0 = any free port)' }),
  latency: Duration({ default: '0ms' }),
  errorRate: Percent({ default: '0%' }),
  wsHandshakeDelay: Duration({ default: '0ms' }),
  leakPerSecond: Size({ default: '0' }),
  cacheSize: Type.Integer({ minimum: 1, default: 500 }),
  keySpace: Type.Integer({ minimum: 1, default: 2000 }),
}, { default: {} });

/** One entry of `targets`: a service under watch, declared once and referenced by name. */
export const TargetSchema = Strict({
  name: Name(),
  url: Type.Optional(Type.String({ pattern: '^(https?|wss?)://', errorMessage: 'expected an absolute URL like "http://127.0.0.1:8000"' })),
  demo: Type.Optional(Type.Boolean({ description: 'true: the base URL is the embedded demo target' })),
  headers: Type.Optional(Headers()),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  /** Memory, CPU and cache sources sampled on their own schedule. */
  resources: Type.Optional(ResourcesSchema),
});

/** `targets`. */
export const TargetsSection = Type.Array(TargetSchema, { default: [] });

/** Decoded types. */
export type ServerConfig = StaticDecode<typeof ServerSection>;
export type LogConfig = StaticDecode<typeof LogSection>;
export type StorageConfig = StaticDecode<typeof StorageSection>;
export type DemoConfig = StaticDecode<typeof DemoSection>;
export type TargetConfig = StaticDecode<typeof TargetSchema>;

/** Checks what a schema can't: unique names, url xor demo, demo enabled when referenced. */
export function checkTargets(raw: { targets?: unknown; demo?: { enabled?: unknown } }, report: ReportProblem): void {
  const targets = Array.isArray(raw.targets) ? (raw.targets as Record<string, unknown>[]) : [];
  const seen = new Set<unknown>();
  targets.forEach((t, i) => {
    if (typeof t !== 'object' || t === null) return;
    if (seen.has(t.name)) report(['targets', i, 'name'], `duplicate target name "${String(t.name)}"`);
    seen.add(t.name);
    if ((t.url === undefined) === (t.demo !== true)) {
      report(['targets', i], 'expected exactly one of "url" or "demo: true"');
    }
    if (t.demo === true && raw.demo?.enabled !== true) {
      report(['targets', i, 'demo'], 'refers to the demo target, but demo.enabled is not true');
    }
  });
}
