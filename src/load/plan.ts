/**
 * Turns a decoded `loads` entry into a run plan: requests prepared once (dispatch options built,
 * JSON paths compiled, endpoints numbered), scenario weights made cumulative, thresholds parsed,
 * load shapes as schedule segments. Pure; the executors only read the plan.
 */
import type { Dispatcher } from 'undici';
import type { LoadConfig, LoadRequestConfig } from '../config/sections/loads.js';
import type { CompiledJsonPath } from '../core/json-path.js';
import { compileJsonPath } from '../core/json-path.js';
import { PwError } from '../core/errors.js';
import type { StatusRanges } from '../probe/status-spec.js';
import { parseThreshold } from './thresholds.js';
import type { Threshold } from './thresholds.js';
import { stagesToSegments } from './schedule.js';
import type { Segment } from './schedule.js';

/** A JSON check, compiled. */
export interface PreparedJsonCheck {
  path: CompiledJsonPath;
  equals?: unknown;
  exists?: boolean;
  matches?: RegExp;
}

/** One request, ready to dispatch. */
export interface PreparedRequest {
  /** Endpoint index into `LoadPlan.endpoints`. */
  endpoint: number;
  method: string;
  /** Full request path (base path + path), may hold `{{var}}`. */
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** True when path, headers or body use `{{var}}` and must be rendered per iteration. */
  templated: boolean;
  /** Pre-built options for the untemplated case (shared by every dispatch). */
  options: Dispatcher.DispatchOptions;
  /** Statuses that count as success; undefined means 200–399. */
  status: StatusRanges | undefined;
  jsonChecks: readonly PreparedJsonCheck[];
  maxLatencyMs: number | undefined;
  extract: readonly (readonly [string, CompiledJsonPath])[];
  /** True when the body must be kept (JSON checks or extraction). */
  needBody: boolean;
}

/** A weighted request list. */
export interface PreparedScenario {
  name: string;
  weight: number;
  requests: readonly PreparedRequest[];
}

/** The executor's shape. */
export type LoadShape =
  | { kind: 'closed'; segments: Segment[] }
  | { kind: 'open'; segments: Segment[]; maxVUs: number; preAllocatedVUs: number }
  | { kind: 'sweep'; mode: 'vus' | 'rate'; steps: number[]; stepMs: number; maxVUs: number };

/** Everything a run needs. */
export interface LoadPlan {
  name: string;
  executor: LoadConfig['executor'];
  /** Scheme, host and port, e.g. "http://127.0.0.1:8080". */
  origin: string;
  scenarios: readonly PreparedScenario[];
  cumulativeWeights: readonly number[];
  endpoints: readonly string[];
  shape: LoadShape;
  warmupMs: number;
  thinkTime: { minMs: number; maxMs: number } | undefined;
  timeoutMs: number;
  connections: number;
  thresholds: readonly Threshold[];
  abortOnFail: boolean;
  abortDelayMs: number;
  saturationLagMs: number;
  /** Things the user should know before the run, e.g. more VUs than connections. */
  warnings: readonly string[];
}

/** Where the load goes: a base URL and headers added to every request. */
export interface LoadBase {
  url: string;
  headers?: Readonly<Record<string, string>>;
}

/** Builds the plan. Throws PW_ERR_INVALID_ARGUMENT for shapes the schema let through but can't run. */
export function planLoad(load: LoadConfig, base: LoadBase): LoadPlan {
  const url = new URL(base.url);
  const basePath = url.pathname.replace(/\/+$/, '');
  const endpoints: string[] = [];
  const indexOf = (name: string) => {
    const i = endpoints.indexOf(name);
    if (i >= 0) return i;
    endpoints.push(name);
    return endpoints.length - 1;
  };
  const commonHeaders = { ...(base.headers ?? {}), ...(load.headers ?? {}) };
  const scenarios = (load.scenarios ?? []).map((s) => ({
    name: s.name,
    weight: s.weight,
    requests: s.requests.map((r) => prepareRequest(r, basePath, commonHeaders, indexOf)),
  }));
  const cumulativeWeights: number[] = [];
  let acc = 0;
  for (const s of scenarios) cumulativeWeights.push((acc += s.weight));

  const thresholds: Threshold[] = [];
  for (const [k, v] of Object.entries(load.thresholds ?? {})) thresholds.push(parseThreshold(k, v));
  for (const s of load.scenarios ?? []) {
    for (const r of s.requests) {
      for (const [k, v] of Object.entries(r.thresholds ?? {})) thresholds.push(parseThreshold(k, v, endpointName(r)));
    }
  }

  const shape = planShape(load);
  const inflight = peakInflight(shape);
  const connections = load.connections ?? defaultConnections(shape);
  const warnings = inflight > connections
    ? [`${inflight} ${shape.kind === 'closed' || (shape.kind === 'sweep' && shape.mode === 'vus') ? 'VUs' : 'iterations in flight (maxVUs)'} share ${connections} connections: the extra ones wait for a free connection inside the generator and that wait counts as latency`]
    : [];
  return {
    name: load.name,
    executor: load.executor,
    origin: url.origin,
    scenarios,
    cumulativeWeights,
    endpoints,
    shape,
    warmupMs: load.warmup,
    thinkTime: load.thinkTime,
    timeoutMs: load.timeout,
    connections,
    warnings,
    thresholds,
    abortOnFail: load.abortOnFail,
    abortDelayMs: load.abortDelay,
    saturationLagMs: load.saturationLag,
  };
}

function peak(segments: readonly Segment[]): number {
  return segments.reduce((a, s) => Math.max(a, s.from, s.to), 0);
}

/** The most requests the shape can have in flight at once: peak VUs, the largest VU step, or maxVUs. */
function peakInflight(shape: LoadShape): number {
  if (shape.kind === 'closed') return Math.max(1, Math.ceil(peak(shape.segments)));
  if (shape.kind === 'sweep' && shape.mode === 'vus') return Math.max(1, Math.ceil(Math.max(...shape.steps)));
  return shape.maxVUs;
}

/**
 * One connection per request that can be in flight, so nothing queues inside the generator (a
 * queued request's wait would count as latency, and in the open model an iteration must be
 * dropped at the cap, never delayed): peak VUs (closed, at most 1000), the largest step (VU
 * sweep), maxVUs (open model and rate sweep; connections open lazily).
 */
function defaultConnections(shape: LoadShape): number {
  const inflight = peakInflight(shape);
  return shape.kind === 'closed' ? Math.min(inflight, 1000) : inflight;
}

function planShape(load: LoadConfig): LoadShape {
  const perMs = (rate: number) => rate / load.timeUnit;
  switch (load.executor) {
    case 'constant-vus':
      return { kind: 'closed', segments: [{ durationMs: need(load.duration, 'duration'), from: load.vus ?? 1, to: load.vus ?? 1 }] };
    case 'ramping-vus':
      return { kind: 'closed', segments: stagesToSegments(load.vus ?? 0, need(load.stages, 'stages')) };
    case 'constant-arrival-rate': {
      const r = perMs(need(load.rate, 'rate'));
      return { kind: 'open', segments: [{ durationMs: need(load.duration, 'duration'), from: r, to: r }], ...openVus(load) };
    }
    case 'ramping-arrival-rate': {
      const segs = stagesToSegments(load.rate ?? 0, need(load.stages, 'stages')).map((s) => ({ ...s, from: perMs(s.from), to: perMs(s.to) }));
      return { kind: 'open', segments: segs, ...openVus(load) };
    }
    case 'sweep': {
      const sw = need(load.sweep, 'sweep');
      const steps = sw.mode === 'rate' ? sw.steps.map(perMs) : sw.steps;
      return { kind: 'sweep', mode: sw.mode, steps, stepMs: sw.stepDuration, maxVUs: load.maxVUs ?? (sw.mode === 'vus' ? Math.max(...sw.steps) : 1000) };
    }
  }
}

function openVus(load: LoadConfig): { maxVUs: number; preAllocatedVUs: number } {
  const maxVUs = load.maxVUs ?? Math.max(load.preAllocatedVUs ?? 0, 1000);
  return { maxVUs, preAllocatedVUs: Math.min(maxVUs, load.preAllocatedVUs ?? Math.min(maxVUs, 100)) };
}

function need<T>(v: T | undefined, key: string): T {
  if (v === undefined) throw new PwError('PW_ERR_INVALID_ARGUMENT', `this executor needs "${key}"`);
  return v;
}

/** The endpoint name of a request: its `name`, or "METHOD /path" without the query. */
export function endpointName(r: Pick<LoadRequestConfig, 'name' | 'method' | 'path'>): string {
  return r.name ?? `${r.method} ${r.path.split('?')[0] ?? r.path}`;
}

const TEMPLATE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

function prepareRequest(r: LoadRequestConfig, basePath: string, common: Record<string, string>, indexOf: (n: string) => number): PreparedRequest {
  const headers: Record<string, string> = { ...common, ...(r.headers ?? {}) };
  let body = r.body;
  if (r.json !== undefined) {
    body = JSON.stringify(r.json);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  const path = basePath + r.path;
  const templated = TEMPLATE.test(JSON.stringify([path, headers, body ?? '']));
  TEMPLATE.lastIndex = 0;
  const jsonChecks = (r.checks?.json ?? []).map((c) => ({
    path: compileJsonPath(c.path),
    ...(c.equals === undefined ? {} : { equals: c.equals }),
    ...(c.exists === undefined ? {} : { exists: c.exists }),
    ...(c.matches === undefined ? {} : { matches: c.matches }),
  }));
  const extract = Object.entries(r.extract ?? {}).map(([k, p]) => [k, compileJsonPath(p)] as const);
  return {
    endpoint: indexOf(endpointName(r)),
    method: r.method,
    path,
    headers,
    body,
    templated,
    options: buildOptions(r.method, path, headers, body),
    status: r.checks?.status,
    jsonChecks,
    maxLatencyMs: r.checks?.maxLatency,
    extract,
    needBody: jsonChecks.length > 0 || extract.length > 0,
  };
}

/** Dispatch options for one request. */
export function buildOptions(method: string, path: string, headers: Record<string, string>, body: string | undefined): Dispatcher.DispatchOptions {
  // No headers object at all when there are none: undici then skips walking it per request.
  return { method: method as Dispatcher.HttpMethod, path, ...(Object.keys(headers).length === 0 ? {} : { headers }), ...(body === undefined ? {} : { body }) };
}

/** Renders `{{var}}` with extracted values (missing ones become empty strings). */
export function renderTemplate(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(TEMPLATE, (_m, name: string) => vars.get(name) ?? '');
}

/** Dispatch options of a templated request for the current iteration's variables. */
export function renderOptions(req: PreparedRequest, vars: ReadonlyMap<string, string>): Dispatcher.DispatchOptions {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = renderTemplate(v, vars);
  return buildOptions(req.method, renderTemplate(req.path, vars), headers, req.body === undefined ? undefined : renderTemplate(req.body, vars));
}
