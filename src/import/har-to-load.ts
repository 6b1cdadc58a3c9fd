/**
 * A HAR recording → one entry of `loads:` (the `perfwarden import har` command), like k6's
 * har-to-k6 and Locust's har2locust. Pure: entries in, a plain config object and a summary out.
 *
 * - One origin: a load has one base URL, so requests to other hosts (analytics, CDNs, fonts)
 *   are third-party and left out; the origin is the page's own (the first document request, else
 *   the first request) unless one is asked for.
 * - Static assets (scripts, stylesheets, images, fonts, media — by the browser's resource type,
 *   else by content type or file extension) are left out unless asked for: a load test of a
 *   backend measures its API and pages, not a CDN's job.
 * - Bursts: a person clicks, the browser sends a burst of requests, the person reads. The
 *   recording is cut into bursts wherever no request was in flight for `splitGapMs`; each
 *   distinct burst (same methods and paths in the same order) is a scenario whose weight is how
 *   often it was recorded, and the quiet gaps between bursts become the load's `thinkTime` range.
 * - Headers are cleaned of what the client computes itself (host, content-length, sec-*,
 *   accept-encoding …), of conditional headers (a replay must get the body, not a 304) and of
 *   credentials (cookie, authorization, x-api-key …) unless `keepCredentials`.
 * - Each request checks the status it got when it was recorded.
 */
import { formatDuration } from '../core/units.js';
import type { HarEntry } from './har-schema.js';

/** What to keep. */
export interface HarImportOptions {
  /** The load's name. */
  name: string;
  /** The origin to keep, e.g. "https://api.example.com"; default the page's own. */
  origin?: string;
  includeStatic?: boolean;
  keepCredentials?: boolean;
  /** Idle time that separates two bursts (default 1000 ms). */
  splitGapMs?: number;
}

/** One request as written to the config. */
export interface ImportedRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  json?: unknown;
  checks: { status: number | string };
}

/** What the import did, for the summary the command prints and the header of the file. */
export interface HarImportSummary {
  origin: string;
  recorded: number;
  kept: number;
  thirdParty: number;
  staticAssets: number;
  /** Credential headers removed (by name, lower case). */
  strippedCredentials: string[];
  bursts: number;
}

/** The result: a `loads:` entry and what was left out. */
export interface HarImport {
  load: Record<string, unknown>;
  summary: HarImportSummary;
}

/** Pages and API calls: always what the backend serves, whatever their URL looks like. */
const API_TYPES = new Set(['document', 'xhr', 'fetch', 'eventsource']);
const STATIC_TYPES = new Set(['script', 'stylesheet', 'image', 'font', 'media', 'manifest', 'texttrack']);
const STATIC_MIME = /^(image\/|font\/|audio\/|video\/|text\/css|(text|application)\/(x-)?javascript)/i;
const STATIC_EXT = /\.(js|mjs|css|png|jpe?g|gif|webp|avif|svg|ico|woff2?|ttf|otf|eot|map|mp4|webm|mp3)$/i;
/** Set by the client or the connection, never copied. */
const CLIENT_HEADERS = new Set(['host', 'connection', 'content-length', 'accept-encoding', 'keep-alive', 'transfer-encoding', 'upgrade-insecure-requests', 'referer', 'origin', 'user-agent', 'accept-language', 'pragma', 'cache-control', 'priority', 'te', 'dnt', 'if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range', 'traceparent', 'tracestate']);
const CREDENTIAL_HEADERS = new Set(['cookie', 'authorization', 'proxy-authorization', 'x-api-key', 'x-auth-token', 'x-csrf-token', 'x-xsrf-token']);

/** Converts recorded entries to a load config entry. */
export function harToLoad(entries: readonly HarEntry[], options: HarImportOptions): HarImport {
  const http = entries
    .filter((e) => /^https?:$/.test(safeUrl(e.request.url)?.protocol ?? ''))
    .sort((a, b) => Date.parse(a.startedDateTime) - Date.parse(b.startedDateTime));
  const origin = options.origin ?? pageOrigin(http);
  const summary: HarImportSummary = { origin, recorded: entries.length, kept: 0, thirdParty: 0, staticAssets: 0, strippedCredentials: [], bursts: 0 };
  const stripped = new Set<string>();
  const kept: { entry: HarEntry; request: ImportedRequest }[] = [];
  for (const entry of http) {
    const url = new URL(entry.request.url);
    if (url.origin !== origin) { summary.thirdParty += 1; continue; }
    if (options.includeStatic !== true && isStatic(entry, url)) { summary.staticAssets += 1; continue; }
    kept.push({ entry, request: toRequest(entry, url, options.keepCredentials === true, stripped) });
  }
  summary.kept = kept.length;
  summary.strippedCredentials = [...stripped].sort();

  const bursts = splitBursts(kept, options.splitGapMs ?? 1000);
  summary.bursts = bursts.length;
  const scenarios = new Map<string, { requests: ImportedRequest[]; weight: number }>();
  for (const burst of bursts) {
    const key = burst.requests.map((r) => `${r.method} ${r.path}`).join('\n');
    const seen = scenarios.get(key);
    if (seen === undefined) scenarios.set(key, { requests: burst.requests, weight: 1 });
    else seen.weight += 1;
  }
  const load: Record<string, unknown> = {
    name: options.name,
    url: origin,
    executor: 'constant-vus',
    vus: 10,
    duration: '1m',
  };
  const think = thinkTime(bursts);
  if (think !== undefined) load.thinkTime = think;
  load.scenarios = [...scenarios.values()].map((s, i) => ({ name: scenarioName(s.requests, i), weight: s.weight, requests: s.requests }));
  return { load, summary };
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function pageOrigin(entries: readonly HarEntry[]): string {
  const page = entries.find((e) => e._resourceType === 'document') ?? entries[0];
  if (page === undefined) return 'http://127.0.0.1';
  return new URL(page.request.url).origin;
}

function isStatic(entry: HarEntry, url: URL): boolean {
  const type = entry._resourceType;
  if (type !== undefined && API_TYPES.has(type)) return false;
  return (type !== undefined && STATIC_TYPES.has(type)) || STATIC_MIME.test(entry.response.content?.mimeType ?? '') || STATIC_EXT.test(url.pathname);
}

function toRequest(entry: HarEntry, url: URL, keepCredentials: boolean, stripped: Set<string>): ImportedRequest {
  const headers: Record<string, string> = {};
  for (const { name, value } of entry.request.headers) {
    const lower = name.toLowerCase();
    if (lower.startsWith(':') || lower.startsWith('sec-') || CLIENT_HEADERS.has(lower)) continue;
    if (!keepCredentials && CREDENTIAL_HEADERS.has(lower)) { stripped.add(lower); continue; }
    headers[lower] = value;
  }
  const text = entry.request.postData?.text;
  const json = text !== undefined && /json/i.test(entry.request.postData?.mimeType ?? headers['content-type'] ?? '') ? tryJson(text) : undefined;
  // `json:` sets its own content type.
  if (json !== undefined) delete headers['content-type'];
  return {
    method: entry.request.method.toUpperCase(),
    path: `${url.pathname}${url.search}`,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(json !== undefined ? { json } : text !== undefined && text !== '' ? { body: text } : {}),
    checks: { status: expectedStatus(entry.response.status) },
  };
}

/** A recorded 304 came from the browser's cache validation; the replay sends no validator. */
function expectedStatus(status: number): number | string {
  return status === 304 ? '200-399' : status;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

interface Burst {
  requests: ImportedRequest[];
  startMs: number;
  endMs: number;
}

function splitBursts(kept: readonly { entry: HarEntry; request: ImportedRequest }[], gapMs: number): Burst[] {
  const bursts: Burst[] = [];
  for (const { entry, request } of kept) {
    const start = Date.parse(entry.startedDateTime);
    const end = start + Math.max(0, entry.time ?? 0);
    const last = bursts.at(-1);
    if (last !== undefined && start - last.endMs < gapMs) {
      last.requests.push(request);
      last.endMs = Math.max(last.endMs, end);
    } else {
      bursts.push({ requests: [request], startMs: start, endMs: end });
    }
  }
  return bursts;
}

/** The quiet time between bursts as "min..max", rounded to 100 ms; undefined for one burst. */
function thinkTime(bursts: readonly Burst[]): string | undefined {
  const gaps: number[] = [];
  for (let i = 1; i < bursts.length; i++) gaps.push(bursts[i]!.startMs - bursts[i - 1]!.endMs);
  if (gaps.length === 0) return undefined;
  const round = (ms: number) => Math.max(100, Math.round(ms / 100) * 100);
  const min = round(Math.min(...gaps));
  const max = round(Math.max(...gaps));
  return min === max ? formatDuration(min) : `${formatDuration(min)}..${formatDuration(max)}`;
}

/** "get-api-items" from the burst's first request, numbered when two bursts start alike. */
function scenarioName(requests: readonly ImportedRequest[], index: number): string {
  const first = requests[0]!;
  const path = first.path.split('?')[0] ?? '/';
  const slug = `${first.method} ${path === '/' ? 'root' : path}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
  return `${index + 1}-${slug}`;
}
