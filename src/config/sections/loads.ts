/**
 * The `loads` config section: load runs (closed model, open model, sweeps, WebSocket) with
 * weighted scenarios, checks, extraction, thresholds and an optional cron schedule. Durations
 * decode to milliseconds here, once; `src/load/plan/plan.ts` turns a decoded entry into a run plan.
 */
import { Type } from '@sinclair/typebox';
import type { StaticDecode } from '@sinclair/typebox';
import { Cron, Duration, DurationRangeT, Extract, Headers, Name, Size, Strict } from '../types.js';
import { ResourceSourceSchema } from './resources.js';
import type { ReportProblem } from '../problem.js';
import { StatusSpec, JsonAssertion } from './probes.js';
import { parseThreshold } from '../../load/thresholds.js';
import { coerceError } from '../../core/errors.js';
import { isDuration, parseDuration } from '../../core/units.js';
import { templateNames } from '../../core/template.js';
import { DataSourceSchema, SeedSchema, VarsSchema, checkLoadVars, checkVarExprs, declaredNames, templateProblem } from './load-vars.js';

/** `thresholds`: metric → comparison, e.g. `{ "p(95)": "<200ms", "error_rate": "<0.1%" }`. */
export const ThresholdsMap = Type.Record(Type.String(), Type.String(), {
  errorMessage: 'expected a map like { "p(95)": "<200ms", "error_rate": "<0.1%" }',
});

/** One stage of a ramp: reach `target` VUs (or iterations per time unit) over `duration`. */
export const StageSchema = Strict({
  duration: Duration(),
  target: Type.Number({ minimum: 0 }),
});

/** Per-request checks, counted as passed/failed (they never stop the iteration). */
export const LoadChecksSchema = Strict({
  status: Type.Optional(StatusSpec),
  json: Type.Optional(Type.Array(JsonAssertion)),
  maxLatency: Type.Optional(Duration()),
});

/** One request of a scenario. `{{var}}` in path, headers and body is replaced by drawn, data or extracted values. */
export const LoadRequestSchema = Strict({
  /** Endpoint name in results and metrics; default "METHOD path" (without the query). */
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  method: Type.String({ default: 'GET', pattern: '^[A-Z]+$', errorMessage: 'expected an HTTP method in capitals, like "GET"' }),
  path: Type.String({ pattern: '^/', errorMessage: 'expected a path starting with "/"' }),
  headers: Type.Optional(Headers()),
  body: Type.Optional(Type.String()),
  json: Type.Optional(Type.Unknown()),
  checks: Type.Optional(LoadChecksSchema),
  /** Variable name → JSON path into the response body. */
  extract: Type.Optional(Extract()),
  thresholds: Type.Optional(ThresholdsMap),
});

/** A weighted list of requests run in order as one iteration. */
export const ScenarioSchema = Strict({
  name: Name(),
  weight: Type.Number({ minimum: 0, default: 1 }),
  /** Variables drawn per iteration for this scenario (beside, or replacing, the load's). */
  vars: Type.Optional(VarsSchema),
  /** Fixed-count executors: run this scenario exactly this many times (in all, or per VU), instead of by weight. */
  iterations: Type.Optional(Type.Integer({ minimum: 1 })),
  requests: Type.Array(LoadRequestSchema, { minItems: 1 }),
});

/** `sweep`: step through VU counts (closed) or rates (open), a fixed time each. */
export const SweepSchema = Strict({
  mode: Type.Union([Type.Literal('vus'), Type.Literal('rate')], { default: 'vus', errorMessage: 'expected "vus" or "rate"' }),
  steps: Type.Array(Type.Number({ exclusiveMinimum: 0 }), { minItems: 1 }),
  stepDuration: Duration({ default: '30s' }),
});

/** The endpoints of a WebSocket load, each with its own latency distribution. */
export const WS_ENDPOINTS = ['ws connect', 'ws echo', 'ws fanout'] as const;

/** `ws.thresholds`: per-endpoint thresholds, e.g. `{ "ws echo": { "p(99)": "<250ms" } }`. */
export const WsThresholdsSchema = Strict({
  'ws connect': Type.Optional(ThresholdsMap),
  'ws echo': Type.Optional(ThresholdsMap),
  'ws fanout': Type.Optional(ThresholdsMap),
});

/** `ws`: WebSocket load against an echo + publish/subscribe endpoint. */
export const WsLoadSchema = Strict({
  path: Type.Optional(Type.String({ pattern: '^/' })),
  url: Type.Optional(Type.String({ pattern: '^wss?://', errorMessage: 'expected an absolute ws(s) URL' })),
  connections: Type.Integer({ minimum: 1, default: 10 }),
  /** New connections per second while ramping up (and reconnecting). */
  connectRate: Type.Number({ exclusiveMinimum: 0, default: 50 }),
  /** Each connection sends an echo message this often. */
  echoInterval: Duration({ default: '1s' }),
  /** One publish this often; every subscribed connection should receive it. 0 disables. */
  publishInterval: Duration({ default: '0ms' }),
  /** Drop this many connections once, mid-run, and measure how long reconnection takes. */
  dropConnections: Type.Integer({ minimum: 0, default: 0 }),
  /** An echo unanswered after this long is lost (a `timeout` error). */
  timeout: Duration({ default: '10s' }),
  /** Thresholds per endpoint (`ws connect`, `ws echo`, `ws fanout`); `thresholds` of the load mix all three. */
  thresholds: Type.Optional(WsThresholdsSchema),
});

/** The executors (k6's names), and `sweep`, a sequence of steps of constant-vus or constant-arrival-rate. */
export const EXECUTOR_NAMES = ['constant-vus', 'ramping-vus', 'constant-arrival-rate', 'ramping-arrival-rate', 'shared-iterations', 'per-vu-iterations', 'sweep'] as const;

/** The executors. */
export const ExecutorSchema = Type.Union(
  EXECUTOR_NAMES.map((n) => Type.Literal(n)),
  { default: 'constant-vus', errorMessage: `expected ${EXECUTOR_NAMES.slice(0, -1).join(', ')} or sweep` },
);

/** `workers`: load worker threads, `auto` = the cores available to the process. */
export const WorkersSchema = Type.Union([Type.Literal('auto'), Type.Integer({ minimum: 1, maximum: 256 })], { default: 'auto', errorMessage: 'expected "auto" or a number of worker threads (1-256)' });

/** One load. Exactly one of `target`/`url`, exactly one of `scenarios`/`ws`. */
export const LoadSchema = Strict({
  name: Name(),
  target: Type.Optional(Name()),
  url: Type.Optional(Type.String({ pattern: '^(https?|wss?)://', errorMessage: 'expected an absolute URL like "http://127.0.0.1:8000"' })),
  executor: ExecutorSchema,
  vus: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Iterations in all (shared-iterations) or per VU (per-vu-iterations). */
  iterations: Type.Optional(Type.Integer({ minimum: 1 })),
  /** The longest a fixed-count run may take. */
  maxDuration: Duration({ default: '10m' }),
  /** Worker threads that run the load; `auto` = the cores available. */
  workers: WorkersSchema,
  stages: Type.Optional(Type.Array(StageSchema, { minItems: 1 })),
  /** Iterations per `timeUnit` (open model). */
  rate: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  timeUnit: Duration({ default: '1s' }),
  preAllocatedVUs: Type.Optional(Type.Integer({ minimum: 1 })),
  /** In-flight cap of the open model; an iteration due while at the cap is dropped and counted. */
  maxVUs: Type.Optional(Type.Integer({ minimum: 1 })),
  /** HTTP connections to the target; default one per VU (closed) or maxVUs (open), at most 1000. */
  connections: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  duration: Type.Optional(Duration()),
  warmup: Duration({ default: '0ms' }),
  thinkTime: Type.Optional(DurationRangeT()),
  timeout: Duration({ default: '10s' }),
  /** Verify the target's TLS certificate (https and wss targets). */
  tlsVerify: Type.Boolean({ default: true }),
  headers: Type.Optional(Headers()),
  /** Variables drawn once per iteration, usable as `{{name}}` by every scenario. */
  vars: Type.Optional(VarsSchema),
  /** Data files whose rows iterations use as `{{name.column}}`. */
  data: Type.Optional(Type.Array(DataSourceSchema)),
  /** Seeds the draws, data shuffles and scenario picks, so a run can be reproduced. */
  seed: Type.Optional(SeedSchema),
  scenarios: Type.Optional(Type.Array(ScenarioSchema, { minItems: 1 })),
  ws: Type.Optional(WsLoadSchema),
  sweep: Type.Optional(SweepSchema),
  thresholds: Type.Optional(ThresholdsMap),
  abortOnFail: Type.Boolean({ default: false }),
  /** Grace period before abort-on-fail may stop the run (the first seconds are noisy). */
  abortDelay: Duration({ default: '10s' }),
  /** Run inside the daemon on this schedule. */
  cron: Type.Optional(Cron()),
  /** The target's health during the run (default: the target's `resources.sources`). */
  health: Type.Optional(Strict({
    every: Duration({ default: '1s' }),
    sources: Type.Array(ResourceSourceSchema, { minItems: 1 }),
    memoryLimit: Type.Optional(Size()),
  })),
  /** Run once this long after the daemon has started (then on `cron`), so dashboards have a run to show. */
  runAfterStart: Type.Optional(Duration()),
  /** Event-loop lag above this marks a second as "generator saturated". */
  saturationLag: Duration({ default: '50ms' }),
});

/** `loads`. */
export const LoadsSection = Type.Array(LoadSchema, { default: [] });

/** Decoded types. */
export type LoadConfig = StaticDecode<typeof LoadSchema>;
export type LoadRequestConfig = StaticDecode<typeof LoadRequestSchema>;
export type ScenarioConfig = StaticDecode<typeof ScenarioSchema>;
export type StageConfig = StaticDecode<typeof StageSchema>;
export type WsLoadConfig = StaticDecode<typeof WsLoadSchema>;
export type SweepConfig = StaticDecode<typeof SweepSchema>;
export type LoadChecksConfig = StaticDecode<typeof LoadChecksSchema>;

type Raw = Record<string, unknown>;

/** Checks one raw load entry; `at` prefixes paths (used by the config loader and the CLI). */
export function checkLoadEntry(l: Raw, at: readonly (string | number)[], targetNames: ReadonlySet<unknown>, report: ReportProblem): void {
  if ((l.target === undefined) === (l.url === undefined)) report(at, 'expected exactly one of "target" or "url"');
  if (l.target !== undefined && !targetNames.has(l.target)) report([...at, 'target'], `unknown target "${String(l.target)}" (declare it under targets)`);
  if ((l.scenarios === undefined) === (l.ws === undefined)) report(at, 'expected exactly one of "scenarios" or "ws"');
  const executor = l.executor ?? 'constant-vus';
  const need = (key: string, why: string) => {
    if (l[key] === undefined) report(at, `executor ${String(executor)} needs "${key}" (${why})`);
  };
  if (executor === 'constant-vus' && l.ws === undefined) { need('vus', 'how many virtual users'); need('duration', 'how long'); }
  if (executor === 'ramping-vus' || executor === 'ramping-arrival-rate') need('stages', 'the ramp');
  if (executor === 'constant-arrival-rate') { need('rate', 'iterations per timeUnit'); need('duration', 'how long'); }
  if (executor === 'sweep') need('sweep', '{ steps, stepDuration }');
  const fixedCount = executor === 'shared-iterations' || executor === 'per-vu-iterations';
  const counted = Array.isArray(l.scenarios) ? (l.scenarios as Raw[]).map((s) => (typeof s === 'object' && s !== null ? s.iterations : undefined)) : [];
  if (counted.some((c) => c !== undefined)) {
    checkScenarioCounts(l, at, fixedCount, counted, report);
  } else if (fixedCount) {
    need('iterations', executor === 'shared-iterations' ? 'how many iterations in all, or "iterations" on each scenario' : 'how many iterations per VU, or "iterations" on each scenario');
  }
  if (l.iterations !== undefined && executor !== 'shared-iterations' && executor !== 'per-vu-iterations') report([...at, 'iterations'], 'only used with executor: shared-iterations or per-vu-iterations');
  if (executor !== 'sweep' && l.sweep !== undefined) report([...at, 'sweep'], 'only used with executor: sweep');
  if (l.ws !== undefined && executor !== 'constant-vus') report([...at, 'executor'], 'ws loads use their own model (connections, connectRate); leave executor at constant-vus');
  if (l.ws !== undefined && l.duration === undefined) need('duration', 'how long to hold the connections');
  checkThresholdMap(l.thresholds, [...at, 'thresholds'], report);
  const wsThresholds = (l.ws as Raw | undefined)?.thresholds;
  if (typeof wsThresholds === 'object' && wsThresholds !== null) {
    for (const [endpoint, map] of Object.entries(wsThresholds)) checkThresholdMap(map, [...at, 'ws', 'thresholds', endpoint], report);
  }
  if (typeof l.duration === 'string' && isDuration(l.duration) && parseDuration(l.duration) <= 0) report([...at, 'duration'], `expected a duration above 0, got "${l.duration}"`);
  checkLoadVars(l, at, report);
  if (Array.isArray(l.scenarios)) {
    const names = new Set<unknown>();
    let weight = 0;
    /** Problems of the load-level headers' `{{…}}`, once each: they go with every request of every scenario. */
    const headerProblems = new Map<string, string>();
    (l.scenarios as Raw[]).forEach((s, si) => {
      if (typeof s !== 'object' || s === null) return;
      if (names.has(s.name)) report([...at, 'scenarios', si, 'name'], `duplicate scenario name "${String(s.name)}"`);
      names.add(s.name);
      weight += typeof s.weight === 'number' ? s.weight : 1;
      checkVarExprs(s.vars, [...at, 'scenarios', si, 'vars'], report);
      if (!Array.isArray(s.requests)) return;
      const declared = declaredNames(l, s);
      const known = new Set<string>();
      (s.requests as Raw[]).forEach((r, ri) => {
        if (typeof r !== 'object' || r === null) return;
        const rp = [...at, 'scenarios', si, 'requests', ri];
        if (r.body !== undefined && r.json !== undefined) report(rp, 'expected "body" or "json", not both');
        checkThresholdMap(r.thresholds, [...rp, 'thresholds'], report);
        const text = JSON.stringify([r.path, r.headers, r.body, r.json]);
        for (const name of templateNames(text)) {
          const problem = templateProblem(name, declared, known);
          if (problem !== undefined) report(rp, problem);
        }
        if (typeof r.extract === 'object' && r.extract !== null) {
          for (const k of Object.keys(r.extract)) {
            if (declared.vars.has(k)) report([...rp, 'extract', k], `"${k}" is a variable under vars: extract into another name`);
            known.add(k);
          }
        }
      });
      // A load-level header may use what some request of the scenario extracts (a login's token):
      // the requests before that send it empty, as a request's own template would not allow.
      if (typeof l.headers === 'object' && l.headers !== null) {
        for (const [header, value] of Object.entries(l.headers)) {
          for (const name of templateNames(JSON.stringify(value))) {
            const problem = templateProblem(name, declared, known);
            if (problem !== undefined && !headerProblems.has(header)) headerProblems.set(header, `${problem} (a load-level header goes with every request of every scenario; scenario "${String(s.name)}")`);
          }
        }
      }
    });
    for (const [header, problem] of headerProblems) report([...at, 'headers', header], problem);
    if (weight <= 0) report([...at, 'scenarios'], 'at least one scenario needs a weight above 0');
  }
}

/** Per-scenario `iterations`: only with a fixed-count executor, on every scenario, summing to the load's `iterations` if it is given. */
function checkScenarioCounts(l: Raw, at: readonly (string | number)[], fixedCount: boolean, counted: readonly unknown[], report: ReportProblem): void {
  if (!fixedCount) {
    counted.forEach((c, i) => {
      if (c !== undefined) report([...at, 'scenarios', i, 'iterations'], 'per-scenario iterations need executor: shared-iterations or per-vu-iterations (other executors pick scenarios by weight)');
    });
    return;
  }
  counted.forEach((c, i) => {
    if (c === undefined) report([...at, 'scenarios', i], 'expected "iterations" here too: when one scenario has a fixed count, every scenario needs one');
  });
  const counts = counted.filter((c): c is number => typeof c === 'number');
  if (counts.length !== counted.length || l.iterations === undefined) return;
  const sum = counts.reduce((a, c) => a + c, 0);
  if (l.iterations !== sum) report([...at, 'iterations'], `expected the sum of the scenarios' iterations (${sum}) or no "iterations" at all, got ${String(l.iterations)}`);
}

function checkThresholdMap(map: unknown, at: readonly (string | number)[], report: ReportProblem): void {
  if (typeof map !== 'object' || map === null) return;
  for (const [k, v] of Object.entries(map)) {
    if (typeof v !== 'string') continue;
    try {
      parseThreshold(k, v);
    } catch (thrown) {
      report([...at, k], coerceError(thrown).message);
    }
  }
}

/** Semantic checks for `loads`: unique names, target/url, executor needs, thresholds, variables. */
export function checkLoads(raw: { loads?: unknown; targets?: unknown }, report: ReportProblem): void {
  const loads = Array.isArray(raw.loads) ? (raw.loads as Raw[]) : [];
  const targetNames = new Set(Array.isArray(raw.targets) ? (raw.targets as { name?: unknown }[]).map((t) => t?.name) : []);
  const seen = new Set<unknown>();
  loads.forEach((l, i) => {
    if (typeof l !== 'object' || l === null) return;
    if (seen.has(l.name)) report(['loads', i, 'name'], `duplicate load name "${String(l.name)}"`);
    seen.add(l.name);
    checkLoadEntry(l, ['loads', i], targetNames, report);
  });
}
