/**
 * Turns an HTTP probe's request (or one of its steps) and its target into what it sends on every
 * run, once: the absolute URL, merged headers (target defaults, then the probe's, names
 * case-insensitive) and the serialised body; a step's `{{var}}` are rendered per run.
 */
import type { HttpStepConfig } from '../config/sections/probes.js';
import { hasTemplate, renderTemplate } from '../core/template.js';
import { PwError } from '../core/errors.js';
import type { ResolvedTarget } from './types.js';

/**
 * Where a request goes, read from its URL. A URL without `{{var}}` is read once, when the probe
 * is built: parsing it on every run was ~2 % of a run's CPU at 100 runs a second.
 */
export interface RequestTarget {
  /** `http:` or `https:`. */
  protocol: string;
  /** The URL's hostname (brackets of an IPv6 literal removed). */
  hostname: string;
  port: number;
  /** The URL's host[:port], the default Host header. */
  host: string;
  /** Path and query. */
  path: string;
}

/** Reads `url` (absolute, http or https) into a {@link RequestTarget}. Throws a TypeError for an invalid URL. */
export function requestTarget(url: string): RequestTarget {
  const u = new URL(url);
  return {
    protocol: u.protocol,
    hostname: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port === '' ? (u.protocol === 'https:' ? 443 : 80) : Number(u.port),
    host: u.host,
    path: `${u.pathname}${u.search}`,
  };
}

/** The request an HTTP probe (or one of its steps) sends, minus the per-run `traceparent`. */
export interface HttpRequestPlan {
  /** Absolute; with `{{var}}` left in when `templated` (the form shown in results: never a value). */
  url: string;
  /** The URL read once, when it has no `{{var}}`. */
  target?: RequestTarget;
  /** The target's name, or the URL's origin when the probe has no target. */
  targetName: string;
  method: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body?: string;
  /** True when url, headers or body use `{{var}}`: rendered on every run with the values extracted so far. */
  templated: boolean;
}

/** The fields that describe one request: the `http` block of a one-request probe, or a step. */
export type RequestFields = Pick<HttpStepConfig, 'path' | 'url' | 'headers' | 'body' | 'json'> & { method?: string | undefined };

/** The default `user-agent`, unless the target or probe sets one. */
export const PROBE_USER_AGENT = 'perfwarden';

/** Merges header maps left to right; later names override earlier ones regardless of case. */
export function mergeHeaders(...maps: (Readonly<Record<string, string>> | undefined)[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const map of maps) {
    if (map === undefined) continue;
    for (const [name, value] of Object.entries(map)) out[name.toLowerCase()] = value;
  }
  return out;
}

/**
 * The absolute URL: `url`, or the target's base URL joined with `path`. A templated URL is
 * checked with its variables empty and kept as written (parsing would escape the braces).
 */
export function resolveProbeUrl(probeName: string, http: Pick<RequestFields, 'url' | 'path'>, target: ResolvedTarget | undefined, templated = false): string {
  let url: string;
  if (http.url !== undefined) url = http.url;
  else if (target !== undefined) url = `${target.baseUrl.replace(/\/+$/, '')}${http.path ?? '/'}`;
  else throw new PwError('PW_ERR_INVALID_ARGUMENT', `probe "${probeName}": expected "url", or "path" with a target`);
  let parsed: URL;
  try {
    parsed = new URL(templated ? renderTemplate(url, NO_VARS) : url);
  } catch (err) {
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `probe "${probeName}": invalid URL "${url}"`, { cause: err });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `probe "${probeName}": expected an http(s) URL, got "${url}"`);
  }
  return templated ? url : parsed.href;
}

const NO_VARS: ReadonlyMap<string, string> = new Map();

/** Options of `planHttpRequest`. */
export interface PlanRequestOptions {
  /** Headers between the target's and the request's own (a stepped probe's `http.headers`). */
  commonHeaders?: Readonly<Record<string, string>> | undefined;
  /** Render `{{var}}` on every run (steps); a one-request probe sends its text as written. */
  templates?: boolean;
}

/** Builds the request plan once, at probe build time. Throws PW_ERR_INVALID_ARGUMENT. */
export function planHttpRequest(probeName: string, http: RequestFields, target: ResolvedTarget | undefined, options: PlanRequestOptions = {}): HttpRequestPlan {
  const headers = mergeHeaders({ 'user-agent': PROBE_USER_AGENT }, target?.headers, options.commonHeaders, http.headers);
  let body: string | undefined;
  if (http.json !== undefined) {
    body = JSON.stringify(http.json);
    headers['content-type'] ??= 'application/json';
  } else if (http.body !== undefined) {
    body = http.body;
  }
  const templated = options.templates === true && hasTemplate(JSON.stringify([http.url ?? http.path ?? '', headers, body ?? '']));
  const url = resolveProbeUrl(probeName, http, target, templated);
  const plan: HttpRequestPlan = { url, targetName: target?.name ?? originOf(url), method: http.method ?? 'GET', headers, templated };
  if (!templated) plan.target = requestTarget(url);
  if (body !== undefined) plan.body = body;
  return plan;
}

/** The URL (and its target when read once), headers and body of one run: `{{var}}` replaced by the values extracted so far. */
export function renderHttpRequest(plan: HttpRequestPlan, vars: ReadonlyMap<string, string>): { url: string; target?: RequestTarget; headers: Record<string, string>; body?: string } {
  if (!plan.templated) {
    const req: { url: string; target?: RequestTarget; headers: Record<string, string>; body?: string } = { url: plan.url, headers: plan.headers };
    if (plan.target !== undefined) req.target = plan.target;
    if (plan.body !== undefined) req.body = plan.body;
    return req;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(plan.headers)) headers[name] = renderTemplate(value, vars);
  const url = renderTemplate(plan.url, vars);
  return plan.body === undefined ? { url, headers } : { url, headers, body: renderTemplate(plan.body, vars) };
}

function originOf(url: string): string {
  return new URL(renderTemplate(url, NO_VARS)).origin;
}
