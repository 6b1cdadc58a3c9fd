/**
 * Turns an HTTP probe's config and its target into the request it sends on every run, once:
 * the absolute URL, merged headers (target defaults, then the probe's, names case-insensitive)
 * and the serialised body.
 */
import type { HttpRequestConfig } from '../config/sections/probes.js';
import { PwError } from '../core/errors.js';
import type { ResolvedTarget } from './types.js';

/** The request an HTTP probe sends, minus the per-run `traceparent`. */
export interface HttpRequestPlan {
  url: string;
  /** The target's name, or the URL's origin when the probe has no target. */
  targetName: string;
  method: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body?: string;
}

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

/** The absolute URL: `http.url`, or the target's base URL joined with `http.path`. */
export function resolveProbeUrl(probeName: string, http: HttpRequestConfig, target: ResolvedTarget | undefined): string {
  let url: string;
  if (http.url !== undefined) url = http.url;
  else if (target !== undefined) url = `${target.baseUrl.replace(/\/+$/, '')}${http.path ?? '/'}`;
  else throw new PwError('PW_ERR_INVALID_ARGUMENT', `probe "${probeName}": expected "url", or "path" with a target`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `probe "${probeName}": invalid URL "${url}"`, { cause: err });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `probe "${probeName}": expected an http(s) URL, got "${url}"`);
  }
  return parsed.href;
}

/** Builds the request plan once, at probe build time. Throws PW_ERR_INVALID_ARGUMENT. */
export function planHttpRequest(probeName: string, http: HttpRequestConfig, target: ResolvedTarget | undefined): HttpRequestPlan {
  const url = resolveProbeUrl(probeName, http, target);
  const headers = mergeHeaders({ 'user-agent': PROBE_USER_AGENT }, target?.headers, http.headers);
  let body: string | undefined;
  if (http.json !== undefined) {
    body = JSON.stringify(http.json);
    headers['content-type'] ??= 'application/json';
  } else if (http.body !== undefined) {
    body = http.body;
  }
  const plan: HttpRequestPlan = { url, targetName: target?.name ?? new URL(url).origin, method: http.method, headers };
  if (body !== undefined) plan.body = body;
  return plan;
}
