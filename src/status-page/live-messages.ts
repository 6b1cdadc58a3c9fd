/**
 * What the status page is told, as plain JSON: a snapshot on connect (and in the HTML for the
 * first paint), then small deltas. Built from the services and events, never from the DOM's
 * point of view, so the same messages could feed another client.
 */
import type { RouteDeps } from '../api/route-deps.js';
import { probesPage } from '../api/probe-routes.js';
import { reportUrl } from '../api/run-routes.js';
import type { AlertStateLike } from '../api/service-contracts.js';
import type { ProbeResult } from '../probe/types.js';
import type { RunSummary } from '../history/sqlite-run-store.js';

/** An alert that is firing, as the page shows it. */
export interface FiringAlert {
  key: string;
  alert: string;
  subject: string;
  severity: string;
  since: number | null;
  value: string | null;
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

/** Messages on `/api/live`. */
export type LiveMessage =
  | { type: 'snapshot'; now: number; probes: ReturnType<typeof probesPage>['probes']; alerts: FiringAlert[] | null; runs: PageRun[] | null; load: unknown }
  | { type: 'probe'; result: PageProbeResult }
  | { type: 'alert'; transition: { kind: string; alert: FiringAlert } }
  | { type: 'load'; progress: unknown }
  | { type: 'run'; run: PageRun };

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
  };
}

/** The snapshot: probes, firing alerts (null without alerting), recent runs (null without storage), the running load. */
export async function buildSnapshot(deps: RouteDeps, currentLoad: unknown): Promise<LiveMessage> {
  const alertsSvc = deps.alerts();
  const alerts = alertsSvc === undefined
    ? null
    : (await alertsSvc.list()).map((a) => firingAlert(a)).filter((a): a is FiringAlert => a !== undefined);
  const history = deps.history();
  const runs = history === undefined ? null : history.runs.list({ limit: 10 }).map(pageRun);
  return { type: 'snapshot', now: deps.ctx.clock.now(), probes: probesPage(deps, { limit: Number.MAX_SAFE_INTEGER }).probes, alerts, runs, load: currentLoad ?? null };
}
