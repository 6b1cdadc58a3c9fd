/**
 * The `telemetry` config section: where OTLP traces go and how many load requests get a span.
 *
 * The standard `OTEL_*` variables are honoured as defaults (the config file wins over them, as
 * the OTel spec asks of programmatic configuration). They are read here, in `config/`, and
 * turned into plain settings by `resolveOtlpSettings`; the telemetry code never reads the
 * environment. With neither a config endpoint nor an `OTEL_EXPORTER_OTLP_*ENDPOINT`, tracing is
 * off and costs nothing.
 */
import { Type } from '@sinclair/typebox';
import type { StaticDecode } from '@sinclair/typebox';
import { Headers, Strict } from '../types.js';
import type { Env } from '../load-config.js';

/** `telemetry.otlp`: the OTLP/HTTP trace exporter. */
export const OtlpSection = Strict({
  /**
   * The collector's base URL ("http://jaeger:4318"); `/v1/traces` is appended unless the URL
   * already ends with it. Unset: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT`.
   */
  endpoint: Type.Optional(Type.String({ pattern: '^https?://', errorMessage: 'expected an http(s) URL like "http://127.0.0.1:4318"' })),
  /** Extra request headers (auth tokens: use `${ENV}`). Merged over `OTEL_EXPORTER_OTLP_HEADERS`. */
  headers: Type.Optional(Headers()),
  /** Share of probe runs (root spans) that are recorded, 0..1. Unset: `OTEL_TRACES_SAMPLER_ARG`, else 1. */
  samplingRatio: Type.Optional(Type.Number({ minimum: 0, maximum: 1, errorMessage: 'expected a number from 0 to 1' })),
  /** `service.name` of the spans. Unset: `OTEL_SERVICE_NAME`, else "perfwarden". */
  serviceName: Type.Optional(Type.String({ minLength: 1 })),
  /** Set false to switch tracing off even when `OTEL_*` variables are set. */
  enabled: Type.Boolean({ default: true }),
}, { default: {} });

/** `telemetry`. */
export const TelemetrySection = Strict({
  otlp: OtlpSection,
  /** Share of load-run requests that get their own span (the run and stage spans are always recorded). */
  loadRequestSampleRatio: Type.Number({ minimum: 0, maximum: 1, default: 0.001, errorMessage: 'expected a number from 0 to 1' }),
}, { default: {} });

/** Decoded `telemetry`. */
export type TelemetryConfig = StaticDecode<typeof TelemetrySection>;
/** Decoded `telemetry.otlp`. */
export type OtlpConfig = StaticDecode<typeof OtlpSection>;

/** Everything the trace exporter needs, after config and `OTEL_*` defaults are merged. */
export interface OtlpSettings {
  /** The full traces URL (ends with `/v1/traces` unless a `*_TRACES_ENDPOINT` said otherwise). */
  url: string;
  headers: Readonly<Record<string, string>>;
  samplingRatio: number;
  serviceName: string;
}

const TRACES_PATH = '/v1/traces';

/**
 * Merges `telemetry.otlp` with the standard `OTEL_*` variables. Returns `undefined` when tracing
 * is off: no endpoint anywhere, `enabled: false`, or `OTEL_SDK_DISABLED=true` / `OTEL_TRACES_EXPORTER=none`.
 */
export function resolveOtlpSettings(otlp: OtlpConfig, env: Env = process.env): OtlpSettings | undefined {
  if (!otlp.enabled) return undefined;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  if (otlp.endpoint === undefined && env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return undefined;

  let url: string | undefined;
  if (otlp.endpoint !== undefined) url = withTracesPath(otlp.endpoint);
  else if (nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)) url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.trim();
  else if (nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT)) url = withTracesPath(env.OTEL_EXPORTER_OTLP_ENDPOINT.trim());
  if (url === undefined) return undefined;

  const headers = {
    ...parseHeaderList(env.OTEL_EXPORTER_OTLP_HEADERS),
    ...parseHeaderList(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
    ...(otlp.headers ?? {}),
  };
  return {
    url,
    headers,
    samplingRatio: otlp.samplingRatio ?? samplerRatioFromEnv(env),
    serviceName: otlp.serviceName ?? (nonEmpty(env.OTEL_SERVICE_NAME) ? env.OTEL_SERVICE_NAME.trim() : 'perfwarden'),
  };
}

function nonEmpty(v: string | undefined): v is string {
  return v !== undefined && v.trim() !== '';
}

function withTracesPath(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return trimmed.endsWith(TRACES_PATH) ? trimmed : `${trimmed}${TRACES_PATH}`;
}

/** `OTEL_EXPORTER_OTLP_HEADERS` syntax: `k1=v1,k2=v2`, values URL-encoded. Bad entries are skipped. */
function parseHeaderList(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    try {
      out[key] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      out[key] = part.slice(eq + 1).trim();
    }
  }
  return out;
}

/** `OTEL_TRACES_SAMPLER` always_on/always_off/(parentbased_)traceidratio with `OTEL_TRACES_SAMPLER_ARG`. */
function samplerRatioFromEnv(env: Env): number {
  const sampler = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase();
  if (sampler === 'always_off' || sampler === 'parentbased_always_off') return 0;
  if (sampler === 'traceidratio' || sampler === 'parentbased_traceidratio') {
    const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG);
    if (Number.isFinite(ratio) && ratio >= 0 && ratio <= 1) return ratio;
  }
  return 1;
}
