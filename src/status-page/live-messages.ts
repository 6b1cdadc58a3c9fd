/**
 * What the status page is told, as plain JSON: a snapshot on connect (and in the HTML for the
 * first paint), then small deltas. Built from the services and events, never from the DOM's
 * point of view, so the same messages could feed another client.
 */
import type { RouteDeps } from '../api/route-deps.js';
import { listProbes } from '../api/probe-routes.js';
import { createProbeBoard } from '../api/probe-board.js';
import type { ProbeBoard } from '../api/probe-board.js';
import { reportUrl } from '../api/run-routes.js';
import type { AlertStateLike } from '../api/service-contracts.js';
import type { ProbeResult } from '../probe/types.js';
import type { RunSummary } from '../history/sqlite-run-store.js';
import type { BoardEntry, ProbeStatus } from '../api/probe-board.js';

/** An alert that is firing, as the page shows it. */
export interface FiringAlert {
  key: string;
  alert: string;
  subject: string;
  severity: string;
  since: number | null;
  value: string | null;
  /** Change alerts: when the level moved (epoch ms), marked on the probe's sparkline. */
  changeAt?: number;
}

/** A run as the page lists it. */
export interface PageRun {
  id: string;
  load: string;
  status: string;
  verdict: string | null;
  regression: string | null;
  startedAt: number;
  reportUrl: string;
}

/** A probe result, trimmed to what the page draws. */
export interface PageProbeResult {
  probe: string;
  ok: boolean;
  t: number;
  ms: number;
  status: number | null;
  reason: string | null;
  message: string | null;
}

/**
 * A probe as the page draws it, compact because a thousand of them are inlined in the page:
 * the sparkline as `[minutes ago, slowest ms, 1 ok | 0 failed]` per minute, the heartbeat as a
 * string of `1` (ok) and `0` (failed), oldest first.
 */
export interface PageProbe {
  name: string;
  target: string;
  kind: string;
  status: ProbeStatus;
  last: PageProbeResult | null;
  p95Ms: number | null;
  successRatio: number | null;
  count: number;
  spark: [number, number, 0 | 1][];
  heartbeat: string;
}

/** The last-hour figures of a probe, sent once a second for the probes that ran. */
export interface PageFigures {
  name: string;
  status: ProbeStatus;
  p95Ms: number | null;
  successRatio: number | null;
  count: number;
}

/** Messages on `/api/live`. */
export type LiveMessage =
  | { type: 'snapshot'; now: number; probes: PageProbe[]; alerts: FiringAlert[] | null; runs: PageRun[] | null; load: unknown }
  | { type: 'probe'; result: PageProbeResult }
  | { type: 'figures'; probes: PageFigures[] }
  | { type: 'alert'; transition: { kind: string; alert: FiringAlert } }
  | { type: 'load'; progress: unknown }
  | { type: 'run'; run: PageRun };

const round1 = (n: number) => Math.round(n * 10) / 10;

/** A board entry as the page draws it. */
export function pageProbe(e: BoardEntry, now: number): PageProbe {
  return {
    name: e.name, target: e.target, kind: e.kind, status: e.status,
    last: e.lastResult === null ? null : pageProbeResult(e.lastResult),
    p95Ms: e.lastHour.p95Ms === null ? null : round1(e.lastHour.p95Ms),
    successRatio: e.lastHour.successRatio,
    count: e.lastHour.count,
    spark: e.sparkline.map((p) => [Math.round((now - p.t) / 60_000), round1(p.ms), p.ok ? 1 : 0]),
    heartbeat: e.heartbeat.map((p) => (p.ok ? '1' : '0')).join(''),
  };
}

/** The figures of a board entry. */
export function pageFigures(e: BoardEntry): PageFigures {
  return { name: e.name, status: e.status, p95Ms: e.lastHour.p95Ms === null ? null : round1(e.lastHour.p95Ms), successRatio: e.lastHour.successRatio, count: e.lastHour.count };
}

/** Trims a probe result. */
export function pageProbeResult(r: ProbeResult): PageProbeResult {
  return { probe: r.probe, ok: r.ok, t: r.startedAt, ms: r.durationSeconds * 1000, status: r.status ?? null, reason: r.reason ?? null, message: r.message ?? null };
}

/** A run summary for the page. */
export function pageRun(r: Omit<RunSummary, 'pinned'>): PageRun {
  return { id: r.id, load: r.load, status: r.status, verdict: r.verdict ?? null, regression: r.regression?.verdict ?? null, startedAt: r.startedAt, reportUrl: reportUrl(r.id) };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * Normalises an alert instance or transition to a firing alert, or undefined when it is not
 * firing. Accepts the alerts module's `InstanceState` (`level`) and `AlertTransition` (`to`),
 * and the simpler `state` + `severity` shape.
 */
export function firingAlert(input: AlertStateLike | Record<string, unknown>): FiringAlert | undefined {
  const a = input as Record<string, unknown>;
  const level = str(a.level) ?? str(a.to) ?? (str(a.state) === 'firing' ? str(a.severity) : undefined);
  if (level === undefined || level === 'none') return undefined;
  const alert = str(a.alert) ?? 'alert';
  const subject = str(a.subject) ?? '';
  return {
    key: str(a.key) ?? `${alert}/${subject}`,
    alert,
    subject,
    severity: level,
    since: num(a.firingSince) ?? num(a.since),
    value: str(a.valueText) ?? (num(a.lastValue) === null ? null : String(a.lastValue)),
    ...changeAt(a.change),
  };
}

function changeAt(change: unknown): { changeAt?: number } {
  const at = typeof change === 'object' && change !== null ? num((change as Record<string, unknown>).at) : null;
  return at === null ? {} : { changeAt: at };
}

/** The API module's board; without it (a page on its own), an empty one: probes listed without figures. */
export function pageBoard(deps: RouteDeps): ProbeBoard {
  return deps.board() ?? createProbeBoard();
}

/** The snapshot: probes, firing alerts (null without alerting), recent runs (null without storage), the running load. */
export async function buildSnapshot(deps: RouteDeps, currentLoad: unknown): Promise<LiveMessage> {
  const alertsSvc = deps.alerts();
  const alerts = alertsSvc === undefined
    ? null
    : (await alertsSvc.list()).map((a) => firingAlert(a)).filter((a): a is FiringAlert => a !== undefined);
  const history = deps.history();
  const runs = history === undefined ? null : history.runs.list({ limit: 10 }).map(pageRun);
  const now = deps.ctx.clock.now();
  const probes = pageBoard(deps).page(listProbes(deps), { offset: 0, limit: Number.MAX_SAFE_INTEGER }, now).entries.map((e) => pageProbe(e, now));
  return { type: 'snapshot', now, probes, alerts, runs, load: currentLoad ?? null };
}
