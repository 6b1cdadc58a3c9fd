/**
 * TypeBox schemas of the HTTP API: fastify validates params, query strings and bodies with them
 * (400 on bad input) and @fastify/swagger turns them into the OpenAPI document at /docs.
 * Result JSON from other domains (probe results, load results) is described loosely here and
 * precisely in their own types, so the API never silently drops a field they add.
 */
import { Type } from '@sinclair/typebox';
import type { TSchema } from '@sinclair/typebox';

const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$';

/** The JSON body of every error answer. */
export const ErrorBody = Type.Object({
  error: Type.String({ description: 'short machine-readable kind, e.g. "not_found"' }),
  code: Type.String({ description: 'stable PW_ERR_* code' }),
  message: Type.String({ description: 'what went wrong, for people' }),
}, { description: 'An error' });

/** `:name` of a probe or load. */
export const NameParams = Type.Object({
  name: Type.String({ pattern: NAME_PATTERN, description: 'probe or load name' }),
});

/** `:id` of a run. */
export const RunIdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_.:-]+$', description: 'run id' }),
});

/** `?since=&limit=` of probe results. */
export const ResultsQuery = Type.Object({
  since: Type.Optional(Type.String({
    description: 'epoch milliseconds, an ISO 8601 time, or a duration ago such as "15m" (default "1h")',
    examples: ['15m', '2026-01-01T12:00:00Z', '1767268800000'],
  })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 500, description: 'results per answer (oldest first); page on with since = the last startedAt + 1' })),
});

/** `?offset=&limit=&q=&status=&target=` of the probe list. */
export const ProbesQuery = Type.Object({
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'substring of the probe or target name, case-insensitive' })),
  status: Type.Optional(Type.Union([Type.Literal('failing'), Type.Literal('pending'), Type.Literal('passing')])),
  target: Type.Optional(Type.String({ maxLength: 300, description: 'the target name (or address) exactly' })),
});

/** `?load=&limit=` of runs. */
export const RunsQuery = Type.Object({
  load: Type.Optional(Type.String({ pattern: NAME_PATTERN })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
});

/** Optional body of an abort. */
export const AbortBody = Type.Union([
  Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
  Type.Null(),
]);

/** A probe result (see `src/probe/types.ts`). */
export const ProbeResultSchema = Type.Object({
  probe: Type.String(),
  target: Type.String(),
  kind: Type.String(),
  url: Type.String(),
  ok: Type.Boolean(),
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  startedAt: Type.Number({ description: 'epoch ms' }),
  durationSeconds: Type.Number(),
  status: Type.Optional(Type.Integer()),
  steps: Type.Optional(Type.Array(Type.Object({
    name: Type.String(),
    url: Type.String({ description: 'with {{var}} as written: extracted values are never shown' }),
    ok: Type.Boolean(),
    reason: Type.Optional(Type.String()),
    status: Type.Optional(Type.Integer()),
    durationSeconds: Type.Number(),
  }, { additionalProperties: true }), { description: 'HTTP probes with http.steps: each step that ran, in order' })),
}, { additionalProperties: true });

/** One point of a probe's last-hour sparkline or heartbeat. */
export const SparkPoint = Type.Object({
  t: Type.Number({ description: 'epoch ms' }),
  ms: Type.Number(),
  ok: Type.Boolean(),
});

/** One probe in `GET /api/probes`. */
export const ProbeEntry = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  target: Type.String(),
  status: Type.String({ description: 'failing (last run failed), passing, or pending (no run yet)' }),
  lastResult: Type.Union([ProbeResultSchema, Type.Null()]),
  lastHour: Type.Object({
    count: Type.Integer(),
    successRatio: Type.Union([Type.Number(), Type.Null()]),
    p95Ms: Type.Union([Type.Number(), Type.Null()], { description: 'exact (nearest rank) over the raw results of the hour' }),
  }),
  sparkline: Type.Array(SparkPoint, { description: 'one point per minute of the last hour: the slowest run, ok when all were' }),
  heartbeat: Type.Array(SparkPoint, { description: 'the last 30 results, oldest first' }),
});

/** `GET /api/probes`. */
export const ProbesResponse = Type.Object({
  probes: Type.Array(ProbeEntry),
  total: Type.Integer({ description: 'probes matching the filters' }),
  offset: Type.Integer(),
  limit: Type.Integer(),
  historyAvailable: Type.Boolean(),
});

/** `GET /api/probes/:name/results`. */
export const ResultsResponse = Type.Object({ probe: Type.String(), since: Type.Number(), results: Type.Array(ProbeResultSchema) });

/** A comparison with the baseline (see `src/regression/types.ts`). */
export const RegressionSchema = Type.Object({
  verdict: Type.String({ description: 'regression, ok or no-baseline' }),
  baselineId: Type.Optional(Type.String()),
  summary: Type.String(),
  rows: Type.Array(Type.Object({}, { additionalProperties: true })),
}, { additionalProperties: true });

const RunFields = {
  id: Type.String(),
  load: Type.String(),
  status: Type.String({ description: 'running, finished, aborted, error, or interrupted (the daemon died during the run; set at its next start)' }),
  verdict: Type.Optional(Type.String({ description: 'pass or fail' })),
  startedAt: Type.Number(),
  finishedAt: Type.Optional(Type.Number()),
  baselineId: Type.Optional(Type.String()),
  regression: Type.Optional(RegressionSchema),
  progress: Type.Optional(Type.Object({
    elapsedSeconds: Type.Number(),
    totalSeconds: Type.Number(),
    requests: Type.Number(),
    errors: Type.Number(),
    rps: Type.Number(),
    p95Ms: Type.Union([Type.Number(), Type.Null()]),
    at: Type.Number({ description: 'epoch ms it was persisted' }),
  }, { description: 'what a running or interrupted run had measured at its last persisted progress (once a second)' })),
};

/** One run in `GET /api/runs`. */
export const RunSummarySchema = Type.Object({ ...RunFields, pinned: Type.Boolean(), reportUrl: Type.String() });

/** `GET /api/runs`. */
export const RunsResponse = Type.Object({ runs: Type.Array(RunSummarySchema) });

/** `GET /api/runs/:id`: the run with its full result JSON. */
export const RunResponse = Type.Object({
  ...RunFields,
  result: Type.Optional(Type.Unknown({ description: 'the load result JSON (the `--out` format)' })),
});

/** `GET /api/loads`. */
export const LoadsResponse = Type.Object({ loads: Type.Array(Type.Object({ name: Type.String() }, { additionalProperties: true })) });

/** `POST /api/loads/:name/run`. */
export const TriggerResponse = Type.Object({ runId: Type.String(), runUrl: Type.String(), reportUrl: Type.String() });

/** `POST /api/runs/:id/abort`. */
export const AbortResponse = Type.Object({ runId: Type.String(), aborted: Type.Boolean() });

/** `PUT /api/runs/:id/baseline`. */
export const BaselineResponse = Type.Object({ load: Type.String(), runId: Type.String() });

/** `GET /api/alerts`. */
export const AlertsResponse = Type.Object({
  alerts: Type.Array(Type.Object({
    alert: Type.String(),
    subject: Type.Optional(Type.String()),
    level: Type.Optional(Type.String({ description: 'none, warning or critical' })),
  }, { additionalProperties: true })),
});

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** The leak assessment of a target (see `src/health/leak-detector.ts`). */
export const LeakViewSchema = Type.Object({
  verdict: Type.Union([Type.Literal('leak'), Type.Literal('no_leak'), Type.Literal('insufficient_data')], { description: 'insufficient_data until the window is full and spans enough GC cycles' }),
  slopeBytesPerSecond: Type.Number({ description: 'Theil–Sen slope of the post-GC troughs (or of all samples without a GC sawtooth)' }),
  confidenceInterval: Type.Tuple([Type.Number(), Type.Number()], { description: '~95 % interval of the slope, bytes/s' }),
  confidence: Type.Number({ description: '1 − one-sided Mann–Kendall p; a leak needs >= 0.99' }),
  gcCycles: Type.Integer({ description: 'GC drops seen in the window' }),
  windowFull: Type.Boolean(),
  step: Type.Boolean({ description: 'the rise is confined to one half of the window (not a leak)' }),
  method: Type.Union([Type.Literal('troughs'), Type.Literal('all-samples')]),
  windowSeconds: Type.Number(),
  samples: Type.Integer(),
  secondsToLimit: nullable(Type.Number({ description: 'time to the memory limit at this slope, while leaking' })),
});

/** One target in `GET /api/targets`. */
export const TargetHealthSchema = Type.Object({
  target: Type.String(),
  watched: Type.Boolean({ description: 'false when the target has no resources configured' }),
  sampledAt: nullable(Type.Number({ description: 'epoch ms of the last successful read' })),
  memoryBytes: nullable(Type.Number()),
  memoryLimitBytes: nullable(Type.Number()),
  cpuRatio: nullable(Type.Number({ description: 'core-seconds per second' })),
  cacheHitRatio: nullable(Type.Number({ description: '0..1 between the last two counter readings, or over the last 200 probe responses' })),
  cacheSource: nullable(Type.String({ description: 'redis, prometheus, json or headers' })),
  leak: nullable(LeakViewSchema),
});

/** `GET /api/targets`. */
export const TargetsResponse = Type.Object({ targets: Type.Array(TargetHealthSchema) });
