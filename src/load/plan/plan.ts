/**
 * Turns a decoded `loads` entry into a run plan: requests prepared once (dispatch options built,
 * JSON paths compiled, endpoints numbered), scenario weights made cumulative, thresholds parsed,
 * and the run as a list of phases (warmup, the run, or a sweep's steps), each an executor spec.
 * Pure and deterministic: every worker thread plans the same config the same way and then runs
 * its own segment of it (`segment.ts`).
 */
import type { Dispatcher } from 'undici';
import type { LoadConfig, LoadRequestConfig } from '../../config/sections/loads.js';
import type { CompiledJsonPath } from '../../core/json-path.js';
import { compileJsonPath } from '../../core/json-path.js';
import { PwError } from '../../core/errors.js';
import { compileTemplate, hasTemplate, renderCompiled, templateNames } from '../../core/template.js';
import type { CompiledTemplate } from '../../core/template.js';
import { isNumericVar, loadDraws, prepareScenarioDraws, scenarioVars } from '../draws/draws.js';
import type { DrawPlan } from '../draws/draws.js';
import type { VarSpec } from '../draws/var-expr.js';
import type { StatusRanges } from '../../probe/status-spec.js';
import { parseThreshold } from '../thresholds.js';
import type { Threshold } from '../thresholds.js';
import { scenarioOrder } from './scenario-order.js';
import { peakLevel, stagesToRamps, totalMs } from './schedule.js';
import type { Ramp } from './schedule.js';

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
  /** Set when path, headers or body use `{{var}}` and must be rendered per request. */
  template: RequestTemplate | undefined;
  /** Pre-built options for the untemplated case (shared by every dispatch). */
  options: Dispatcher.DispatchOptions;
  /** Statuses that count as success; undefined means 200–399. */
  status: StatusRanges | undefined;
  jsonChecks: readonly PreparedJsonCheck[];
  maxLatencyMs: number | undefined;
  /** Value slot ← JSON path of the response body. */
  extract: readonly (readonly [number, CompiledJsonPath])[];
  /** True when the body must be kept (JSON checks or extraction). */
  needBody: boolean;
}

/** A templated request, compiled: literal parts and value slots (see `LoadPlan.slotCount`). */
export interface RequestTemplate {
  path: CompiledTemplate;
  /** Header name → its value, compiled when it is templated. */
  headers: readonly (readonly [string, string | CompiledTemplate])[];
  /** Undefined when the body has no template (or there is none). */
  body: CompiledTemplate | undefined;
  /** The body is JSON (`json:`): values are escaped as JSON string content. */
  json: boolean;
}

/** A weighted request list. */
export interface PreparedScenario {
  name: string;
  weight: number;
  requests: readonly PreparedRequest[];
  /** Slots its requests extract into, emptied when an iteration starts. */
  extracted: readonly number[];
}

/** Open-model connection bounds: opened before the first send, and the in-flight cap. */
export interface OpenBounds {
  preAllocatedVUs: number;
  maxVUs: number;
}

/** What one phase runs: an executor kind (k6's names and semantics) and its parameters. */
export type ExecutorSpec =
  | { kind: 'constant-vus'; vus: number; durationMs: number }
  | { kind: 'ramping-vus'; ramps: Ramp[] }
  | ({ kind: 'constant-arrival-rate'; ratePerMs: number; durationMs: number } & OpenBounds)
  | ({ kind: 'ramping-arrival-rate'; ramps: Ramp[] } & OpenBounds)
  | { kind: 'shared-iterations'; vus: number; iterations: number; maxDurationMs: number }
  | { kind: 'per-vu-iterations'; vus: number; iterations: number; maxDurationMs: number };

/** The executor kinds. */
export type ExecutorKind = ExecutorSpec['kind'];

/** A phase of a run: the warmup (measured nothing), the run, or one step of a sweep. */
export interface PlanPhase {
  kind: 'warmup' | 'run' | 'step';
  executor: ExecutorSpec;
  /** Sweep steps: the index and the level (VUs, or iterations per second). */
  step?: { index: number; mode: 'vus' | 'rate'; level: number };
}

/** A WebSocket load's parameters (the echo + publish/subscribe protocol of the demo target). */
export interface WsPlan {
  url: string;
  headers: Record<string, string>;
  connections: number;
  connectRatePerMs: number;
  echoIntervalMs: number;
  publishIntervalMs: number;
  dropConnections: number;
  timeoutMs: number;
}

/** Everything a run needs. */
export interface LoadPlan {
  name: string;
  /** The configured executor (`sweep` included), for results. */
  executor: string;
  /** Scheme, host and port, e.g. "http://127.0.0.1:8080" (the ws(s) URL for WebSocket loads). */
  origin: string;
  /** What a VU is: an HTTP scenario runner or a WebSocket connection. */
  vu: 'http' | 'ws';
  scenarios: readonly PreparedScenario[];
  cumulativeWeights: readonly number[];
  /** Value slots of the templates: one per `{{name}}` the load uses (drawn, data or extracted). */
  slotCount: number;
  /** Variables, data files and seed (undefined when the load declares none: scenarios are picked with Math.random). */
  draws: DrawPlan | undefined;
  /** Scenarios with fixed `iterations`: the scenario of iteration k, by `scenarioAt` (else picked by weight). */
  scenarioOrder: Uint32Array | undefined;
  endpoints: readonly string[];
  phases: readonly PlanPhase[];
  thinkTime: { minMs: number; maxMs: number } | undefined;
  timeoutMs: number;
  /** Verify the target's TLS certificate (https / wss). */
  tlsVerify: boolean;
  /** HTTP connections (shared round robin by the VUs when fewer than VUs). */
  connections: number;
  thresholds: readonly Threshold[];
  abortOnFail: boolean;
  abortDelayMs: number;
  saturationLagMs: number;
  ws: WsPlan | undefined;
  /** Things the user should know before the run, e.g. more VUs than connections. */
  warnings: readonly string[];
}

/** Where the load goes: a base URL and headers added to every request. */
export interface LoadBase {
  url: string;
  headers?: Readonly<Record<string, string>>;
}

/** The endpoints of a WebSocket load. */
export const WS_LOAD_ENDPOINTS = ['ws connect', 'ws echo', 'ws fanout'] as const;

/** A target's resolved base URL and headers, by name. */
export type TargetResolver = (name: string) => LoadBase | undefined;

/** The base a load runs against: its own `url`, or its target's. Throws PW_ERR_NOT_FOUND. */
export function resolveLoadBase(load: LoadConfig, targets: TargetResolver): LoadBase {
  if (load.url !== undefined) return { url: load.url };
  const t = load.target === undefined ? undefined : targets(load.target);
  if (t === undefined) throw new PwError('PW_ERR_NOT_FOUND', `load "${load.name}": target "${load.target ?? ''}" is not known`);
  return t;
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
  const slots = new Map<string, number>();
  const slotOf = (name: string): number => {
    let slot = slots.get(name);
    if (slot === undefined) slots.set(name, (slot = slots.size));
    return slot;
  };
  const scenarioDraws: DrawPlan['scenarios'][number][] = [];
  const scenarios = (load.scenarios ?? []).map((s) => {
    const vars = scenarioVars(load.vars, s.vars);
    const requests = s.requests.map((r) => prepareRequest(r, basePath, commonHeaders, indexOf, slotOf, vars));
    const used = new Map<string, number>();
    for (const r of requests) for (const name of templateNames(JSON.stringify([r.path, r.headers, r.body ?? '']))) used.set(name, slotOf(name));
    scenarioDraws.push(prepareScenarioDraws(used, vars, load.data ?? []));
    return { name: s.name, weight: s.weight, requests, extracted: [...new Set(requests.flatMap((r) => r.extract.map(([slot]) => slot)))] };
  });
  const draws: DrawPlan | undefined = !loadDraws(load)
    ? undefined
    : { seed: load.seed ?? 0, sources: (load.data ?? []).map((d) => ({ name: d.name, mode: d.mode, order: d.order, table: d.table })), scenarios: scenarioDraws };
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
  const ws = load.ws === undefined ? undefined : planWs(load, base, commonHeaders);
  if (load.ws?.thresholds !== undefined) {
    for (const [endpoint, map] of Object.entries(load.ws.thresholds)) {
      for (const [k, v] of Object.entries(map ?? {})) thresholds.push(parseThreshold(k, v, endpoint));
    }
  }

  const counts = fixedCounts(load);
  const phases = planPhases(load);
  const inflight = Math.max(...phases.map((p) => peakVus(p.executor)));
  const connections = load.connections ?? Math.min(inflight, phases.some((p) => isOpen(p.executor)) ? inflight : 1000);
  const warnings = ws === undefined && inflight > connections
    ? [`${inflight} ${phases.some((p) => isOpen(p.executor)) ? 'iterations in flight (maxVUs)' : 'VUs'} share ${connections} connections: the extra ones wait for a free connection inside the generator and that wait counts as latency`]
    : [];
  return {
    name: load.name,
    executor: ws === undefined ? load.executor : 'websocket',
    origin: ws === undefined ? url.origin : ws.url,
    vu: ws === undefined ? 'http' : 'ws',
    scenarios,
    cumulativeWeights,
    slotCount: slots.size,
    draws,
    scenarioOrder: counts === undefined ? undefined : scenarioOrder(counts),
    endpoints: ws === undefined ? endpoints : [...WS_LOAD_ENDPOINTS],
    phases,
    // A WebSocket VU's iteration is one echo; the echo interval paces it like think time.
    thinkTime: ws === undefined ? load.thinkTime : { minMs: ws.echoIntervalMs, maxMs: ws.echoIntervalMs },
    timeoutMs: load.timeout,
    tlsVerify: load.tlsVerify,
    connections,
    warnings,
    thresholds,
    abortOnFail: load.abortOnFail,
    abortDelayMs: load.abortDelay,
    saturationLagMs: load.saturationLag,
    ws,
  };
}

/** True for the open-model kinds (iterations start on a schedule, whatever the target does). */
export function isOpen(spec: ExecutorSpec): spec is Extract<ExecutorSpec, OpenBounds> {
  return spec.kind === 'constant-arrival-rate' || spec.kind === 'ramping-arrival-rate';
}

/** The most iterations a spec can have in flight at once: its peak VUs, or maxVUs. */
export function peakVus(spec: ExecutorSpec): number {
  switch (spec.kind) {
    case 'constant-vus':
    case 'shared-iterations':
    case 'per-vu-iterations':
      return spec.vus;
    case 'ramping-vus':
      return Math.max(1, Math.ceil(peakLevel(spec.ramps)));
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
      return spec.maxVUs;
  }
}

/** How long a spec runs at most, ms. */
export function specDurationMs(spec: ExecutorSpec): number {
  switch (spec.kind) {
    case 'constant-vus':
    case 'constant-arrival-rate':
      return spec.durationMs;
    case 'ramping-vus':
    case 'ramping-arrival-rate':
      return totalMs(spec.ramps);
    case 'shared-iterations':
    case 'per-vu-iterations':
      return spec.maxDurationMs;
  }
}

/** How long a plan runs at most (warmup included), ms. */
export function planDurationMs(plan: Pick<LoadPlan, 'phases'>): number {
  return plan.phases.reduce((a, p) => a + specDurationMs(p.executor), 0);
}

/**
 * The most workers a plan can use: each worker needs at least one VU (and, for
 * shared-iterations, one iteration) of every phase that has any.
 */
export function maxParallelism(plan: Pick<LoadPlan, 'phases'>): number {
  let most = Number.POSITIVE_INFINITY;
  for (const p of plan.phases) {
    const spec = p.executor;
    most = Math.min(most, spec.kind === 'shared-iterations' ? Math.min(spec.vus, spec.iterations) : peakVus(spec));
  }
  return Math.max(1, Number.isFinite(most) ? most : 1);
}

/** The latency the default `preAllocatedVUs` is sized for (a fast target answers well within it). */
const EXPECTED_LATENCY_MS = 10;

/**
 * How long the default `maxVUs` lets the generator fall behind the peak rate before it drops:
 * a worker that stalls (a GC pause, descheduled, a cold start's compiles) finds the sends due
 * meanwhile all at once. At 40,000/s with 1,000 (25 ms) a cold run dropped 3-5 % of 4 s; with
 * 4,000 it dropped none, the late sends timed from their intended starts.
 */
const STALL_HEADROOM_MS = 100;

/** Default `maxVUs`: the peak rate's `STALL_HEADROOM_MS`, at least 1,000, at most 10,000 (`limits.maxVUs`' default). */
export function defaultMaxVus(peakPerMs: number): number {
  return Math.min(10_000, Math.max(1000, Math.ceil(peakPerMs * STALL_HEADROOM_MS)));
}

function planPhases(load: LoadConfig): PlanPhase[] {
  const perMs = (rate: number) => rate / load.timeUnit;
  // Connections opened before the first send, by default: what the peak rate keeps busy at
  // EXPECTED_LATENCY_MS (Little's law), at least 100, at most maxVUs.
  const open = (peakPerMs: number): OpenBounds => {
    const maxVUs = load.maxVUs ?? Math.max(load.preAllocatedVUs ?? 0, defaultMaxVus(peakPerMs));
    return { maxVUs, preAllocatedVUs: Math.min(maxVUs, load.preAllocatedVUs ?? Math.max(100, Math.ceil(peakPerMs * EXPECTED_LATENCY_MS))) };
  };
  if (load.ws !== undefined) return [{ kind: 'run', executor: { kind: 'constant-vus', vus: load.ws.connections, durationMs: need(load.duration, 'duration') } }];
  const phases: PlanPhase[] = [];
  let run: ExecutorSpec | undefined;
  switch (load.executor) {
    case 'constant-vus':
      run = { kind: 'constant-vus', vus: load.vus ?? 1, durationMs: need(load.duration, 'duration') };
      break;
    case 'ramping-vus':
      run = { kind: 'ramping-vus', ramps: stagesToRamps(load.vus ?? 0, need(load.stages, 'stages')) };
      break;
    case 'constant-arrival-rate':
      run = { kind: 'constant-arrival-rate', ratePerMs: perMs(need(load.rate, 'rate')), durationMs: need(load.duration, 'duration'), ...open(perMs(need(load.rate, 'rate'))) };
      break;
    case 'ramping-arrival-rate': {
      const ramps = stagesToRamps(load.rate ?? 0, need(load.stages, 'stages')).map((s) => ({ ...s, from: perMs(s.from), to: perMs(s.to) }));
      run = { kind: 'ramping-arrival-rate', ramps, ...open(peakLevel(ramps)) };
      break;
    }
    case 'shared-iterations':
    case 'per-vu-iterations':
      run = { kind: load.executor, vus: load.vus ?? 1, iterations: need(load.iterations ?? fixedCounts(load)?.reduce((a, c) => a + c, 0), 'iterations'), maxDurationMs: load.maxDuration };
      break;
    case 'sweep':
      break;
  }
  const warm = (spec: ExecutorSpec): ExecutorSpec | undefined => {
    if (load.warmup <= 0) return undefined;
    if (isOpen(spec)) {
      const first = spec.kind === 'constant-arrival-rate' ? spec.ratePerMs : firstLevel(spec.ramps);
      return { kind: 'constant-arrival-rate', ratePerMs: first, durationMs: load.warmup, maxVUs: spec.maxVUs, preAllocatedVUs: spec.preAllocatedVUs };
    }
    const vus = spec.kind === 'ramping-vus' ? Math.max(1, firstLevel(spec.ramps)) : spec.vus;
    return { kind: 'constant-vus', vus, durationMs: load.warmup };
  };
  if (run !== undefined) {
    const w = warm(run);
    if (w !== undefined) phases.push({ kind: 'warmup', executor: w });
    phases.push({ kind: 'run', executor: run });
    return phases;
  }
  const sw = need(load.sweep, 'sweep');
  const steps: PlanPhase[] = sw.steps.map((level, index) => ({
    kind: 'step',
    step: { index, mode: sw.mode, level },
    executor: sw.mode === 'rate'
      ? { kind: 'constant-arrival-rate', ratePerMs: perMs(level), durationMs: sw.stepDuration, ...open(perMs(level)) }
      : { kind: 'constant-vus', vus: level, durationMs: sw.stepDuration },
  }));
  const w = steps[0] === undefined ? undefined : warm(steps[0].executor);
  return [...(w === undefined ? [] : [{ kind: 'warmup' as const, executor: w }]), ...steps];
}

/** The scenarios' fixed `iterations` when every scenario has one (shared- and per-vu-iterations), else undefined. */
export function fixedCounts(load: Pick<LoadConfig, 'scenarios'>): number[] | undefined {
  const counts = (load.scenarios ?? []).map((s) => s.iterations);
  return counts.length > 0 && counts.every((c): c is number => c !== undefined) ? counts : undefined;
}

function firstLevel(ramps: readonly Ramp[]): number {
  const first = ramps[0];
  return first === undefined ? 1 : first.from > 0 ? first.from : Math.max(first.to, peakLevel(ramps) / 10);
}

function planWs(load: LoadConfig, base: LoadBase, headers: Record<string, string>): WsPlan {
  const cfg = need(load.ws, 'ws');
  let url = cfg.url;
  if (url === undefined) {
    const u = new URL(base.url);
    u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
    u.pathname = u.pathname.replace(/\/+$/, '') + (cfg.path ?? '/ws');
    url = u.toString();
  }
  return {
    url,
    headers,
    connections: cfg.connections,
    connectRatePerMs: cfg.connectRate / 1000,
    echoIntervalMs: cfg.echoInterval,
    publishIntervalMs: cfg.publishInterval,
    dropConnections: cfg.dropConnections,
    timeoutMs: cfg.timeout,
  };
}

function need<T>(v: T | undefined, key: string): T {
  if (v === undefined) throw new PwError('PW_ERR_INVALID_ARGUMENT', `this executor needs "${key}"`);
  return v;
}

/** The endpoint name of a request: its `name`, or "METHOD /path" without the query. */
export function endpointName(r: Pick<LoadRequestConfig, 'name' | 'method' | 'path'>): string {
  return r.name ?? `${r.method} ${r.path.split('?')[0] ?? r.path}`;
}

function prepareRequest(r: LoadRequestConfig, basePath: string, common: Record<string, string>, indexOf: (n: string) => number, slotOf: (name: string) => number, vars: ReadonlyMap<string, VarSpec>): PreparedRequest {
  const headers: Record<string, string> = { ...common, ...(r.headers ?? {}) };
  let body = r.body;
  if (r.json !== undefined) {
    body = JSON.stringify(r.json);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  const path = basePath + r.path;
  const templated = hasTemplate(JSON.stringify([path, headers, body ?? '']));
  const jsonChecks = (r.checks?.json ?? []).map((c) => ({
    path: compileJsonPath(c.path),
    ...(c.equals === undefined ? {} : { equals: c.equals }),
    ...(c.exists === undefined ? {} : { exists: c.exists }),
    ...(c.matches === undefined ? {} : { matches: c.matches }),
  }));
  const extract = Object.entries(r.extract ?? {}).map(([k, p]) => [slotOf(k), compileJsonPath(p)] as const);
  return {
    endpoint: indexOf(endpointName(r)),
    method: r.method,
    path,
    headers,
    body,
    template: templated ? compileRequest(path, headers, body, r.json !== undefined, slotOf, vars) : undefined,
    options: buildOptions(r.method, path, headers, body),
    status: r.checks?.status,
    jsonChecks,
    maxLatencyMs: r.checks?.maxLatency,
    extract,
    needBody: jsonChecks.length > 0 || extract.length > 0,
  };
}

function compileRequest(path: string, headers: Record<string, string>, body: string | undefined, json: boolean, slotOf: (name: string) => number, vars: ReadonlyMap<string, VarSpec>): RequestTemplate {
  let bodyTemplate = body === undefined || !hasTemplate(body) ? undefined : compileTemplate(body, slotOf);
  if (bodyTemplate !== undefined && json) bodyTemplate = unquoteNumbers(bodyTemplate, templateNames(body ?? ''), vars);
  return {
    path: compileTemplate(path, slotOf),
    headers: Object.entries(headers).map(([k, v]) => [k, hasTemplate(v) ? compileTemplate(v, slotOf) : v] as const),
    body: bodyTemplate,
    json,
  };
}

/**
 * In a JSON body, a string that is exactly `"{{n}}"` of a numeric variable (randomInt, zipf,
 * sequence) becomes a JSON number: `{ qty: "{{n}}" }` sends `{"qty":42}`.
 */
function unquoteNumbers(t: CompiledTemplate, names: readonly string[], vars: ReadonlyMap<string, VarSpec>): CompiledTemplate {
  const literals = t.literals.slice();
  t.slots.forEach((_, i) => {
    const before = literals[i]!;
    const after = literals[i + 1]!;
    // An opening quote (not an escaped one: JSON.stringify escapes quotes and backslashes) and a closing one.
    const opens = before.endsWith('"') && (before.length - before.replace(/\\*"$/, '').length) % 2 === 1;
    // Not a key: `{"{{n}}":1}` stays a string.
    if (isNumericVar(vars.get(names[i] ?? '')) && opens && after.startsWith('"') && after[1] !== ':') {
      literals[i] = before.slice(0, -1);
      literals[i + 1] = after.slice(1);
    }
  });
  return { literals, slots: t.slots };
}

/** Dispatch options for one request. */
export function buildOptions(method: string, path: string, headers: Record<string, string>, body: string | undefined): Dispatcher.DispatchOptions {
  // No headers object at all when there are none: the request bytes are built without walking one.
  return { method: method as Dispatcher.HttpMethod, path, ...(Object.keys(headers).length === 0 ? {} : { headers }), ...(body === undefined ? {} : { body }) };
}

/** Dispatch options of a templated request for the current values (by slot). */
export function renderOptions(req: PreparedRequest, t: RequestTemplate, values: readonly string[]): Dispatcher.DispatchOptions {
  const headers: Record<string, string> = {};
  for (const [k, v] of t.headers) headers[k] = typeof v === 'string' ? v : renderCompiled(v, values);
  const body = t.body === undefined ? req.body : renderCompiled(t.body, values, t.json ? jsonContent : undefined);
  return buildOptions(req.method, renderCompiled(t.path, values, pathSafe), headers, body);
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON must escape
const JSON_UNSAFE = /["\\\u0000-\u001f]/;

/** A value inside a JSON string: escaped, without the quotes. */
function jsonContent(value: string): string {
  return JSON_UNSAFE.test(value) ? JSON.stringify(value).slice(1, -1) : value;
}

const PATH_UNSAFE = /[^\x21-\x7e]|["<>\\^`{|}]/;
const PATH_UNSAFE_ALL = /[^\x21-\x7e]|["<>\\^`{|}]/gu;

/** A value in a request path: characters a request line cannot carry (spaces, controls, non-ASCII …) percent-encoded; `/?&=%` kept. */
function pathSafe(value: string): string {
  return PATH_UNSAFE.test(value) ? value.replace(PATH_UNSAFE_ALL, percentEncode) : value;
}

function percentEncode(ch: string): string {
  try {
    return encodeURIComponent(ch);
  } catch {
    return '%EF%BF%BD'; // a lone surrogate: U+FFFD, as a UTF-8 decoder would read it
  }
}
