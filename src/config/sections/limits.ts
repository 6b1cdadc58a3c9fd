/**
 * `limits:` — safety limits on load runs, with defaults a production user would accept. A load
 * above them is a configuration error (`validate` and `start` reject it, with file:line); on the
 * command line `perfwarden load --max-rate/--max-vus/--max-duration` raise them for one run.
 * `allowedHosts`, when set, is the only hosts scheduled loads may target. (`minInterval`, the floor
 * of every interval, is checked by `src/config/limits.ts` with the other input limits.)
 */
import { Type } from '@sinclair/typebox';
import type { StaticDecode } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Duration, Strict } from '../types.js';
import type { ReportProblem } from '../problem.js';
import { LoadSchema } from './loads.js';
import type { LoadConfig } from './loads.js';
import { isOpen, peakVus, planDurationMs, planLoad } from '../../load/plan/plan.js';
import { peakLevel } from '../../load/plan/schedule.js';
import { fmtSeconds } from '../../report/format.js';
import { DEFAULT_MIN_INTERVAL } from '../limits.js';

/** `limits`: the loads' safety limits, and the interval floor of `src/config/limits.ts`. */
export const LimitsSection = Strict({
  /** Shortest probe `every`, resource `every` and `evaluationInterval`. At least 10ms. */
  minInterval: Duration({ default: DEFAULT_MIN_INTERVAL }),
  /** Highest arrival rate of an open-model load, iterations per second. */
  maxRate: Type.Number({ exclusiveMinimum: 0, default: 50_000 }),
  /** Most VUs (closed model), maxVUs (open model) or WebSocket connections of a load. */
  maxVUs: Type.Integer({ minimum: 1, default: 10_000 }),
  /** Longest a load may run (warmup, stages and sweep steps included). */
  maxDuration: Duration({ default: '24h' }),
  /** When not empty, scheduled loads may only target these hosts (names or addresses, as in the URL). */
  allowedHosts: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
}, { default: {} });

/** Decoded limits. */
export type LoadLimits = StaticDecode<typeof LimitsSection>;

/** What a load asks for at its peak: rate (per second), VUs and duration (ms). */
export function loadDemands(load: LoadConfig): { rate: number; vus: number; durationMs: number } {
  const plan = planLoad(load, { url: load.url ?? 'http://localhost' });
  let rate = 0;
  for (const p of plan.phases) {
    const spec = p.executor;
    if (!isOpen(spec)) continue;
    rate = Math.max(rate, (spec.kind === 'constant-arrival-rate' ? spec.ratePerMs : peakLevel(spec.ramps)) * 1000);
  }
  return { rate, vus: Math.max(...plan.phases.map((p) => peakVus(p.executor))), durationMs: planDurationMs(plan) };
}

/** Every way `load` exceeds `limits`, as [config key, message]; `host` is the host it targets. */
export function loadLimitProblems(load: LoadConfig, limits: LoadLimits, host: string | undefined): [string, string][] {
  const d = loadDemands(load);
  const out: [string, string][] = [];
  if (d.rate > limits.maxRate) out.push(['rate', `${round(d.rate)}/s is above limits.maxRate (${limits.maxRate}/s)`]);
  if (d.vus > limits.maxVUs) {
    // An open model without maxVUs gets one from its rate (plan.ts, defaultMaxVus): say so, where the rate is.
    const byDefault = load.ws === undefined && load.maxVUs === undefined && d.rate > 0;
    if (byDefault) out.push(['rate', `${d.vus} connections (the default maxVUs: what ${round(d.rate)}/s sends in 100 ms) is above limits.maxVUs (${limits.maxVUs}): set maxVUs to at most ${limits.maxVUs}`]);
    else out.push([load.ws !== undefined ? 'ws' : load.maxVUs !== undefined ? 'maxVUs' : 'vus', `${d.vus} VUs/connections is above limits.maxVUs (${limits.maxVUs})`]);
  }
  if (d.durationMs > limits.maxDuration) out.push(['duration', `${fmtSeconds(d.durationMs / 1000)} is above limits.maxDuration (${fmtSeconds(limits.maxDuration / 1000)})`]);
  if (load.cron !== undefined && limits.allowedHosts.length > 0 && host !== undefined && !limits.allowedHosts.includes(host)) {
    out.push([load.url !== undefined ? 'url' : 'target', `host "${host}" is not in limits.allowedHosts (${limits.allowedHosts.join(', ')}); scheduled loads may only target those`]);
  }
  return out;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Checks every load of a raw config against its limits (raw: loads that do not decode are reported elsewhere). */
export function checkLoadLimits(raw: { loads?: unknown; limits?: unknown; targets?: unknown }, report: ReportProblem): void {
  if (!Value.Check(LimitsSection, raw.limits ?? {})) return;
  const limits = Value.Decode(LimitsSection, Value.Default(LimitsSection, raw.limits ?? {}));
  const targets = Array.isArray(raw.targets) ? (raw.targets as { name?: unknown; url?: unknown }[]) : [];
  const loads = Array.isArray(raw.loads) ? (raw.loads as unknown[]) : [];
  loads.forEach((entry, i) => {
    if (!Value.Check(LoadSchema, entry)) return;
    let load: LoadConfig;
    try {
      load = Value.Decode(LoadSchema, entry);
    } catch {
      return;
    }
    const url = load.url ?? targets.find((t) => t?.name === load.target)?.url;
    const host = typeof url === 'string' ? hostOf(url) : undefined;
    try {
      for (const [key, message] of loadLimitProblems(load, limits, host)) report(['loads', i, key], message);
    } catch {
      // A load the planner cannot plan is reported by the loads section's own checks.
    }
  });
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}
