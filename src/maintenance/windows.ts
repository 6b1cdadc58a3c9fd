/**
 * Maintenance windows as data, and the pure questions asked of them: is one active at `now`
 * (and which occurrence), when does the next one start, which alert labels does it silence,
 * does it cover a probe. Config windows and windows created through the API share this shape.
 */
import { compileCron } from '../scheduler/cron-schedule.js';
import type { Matcher } from '../notify/silences.js';

/** Which probes, targets and loads a window covers; empty: everything. */
export interface MaintenanceSelect {
  probes?: readonly string[];
  targets?: readonly string[];
  loads?: readonly string[];
}

/** When a window happens: once, or at every cron start for `durationMs`. */
export type MaintenanceSchedule =
  | { kind: 'once'; startsAt: number; endsAt: number }
  | { kind: 'recurring'; cron: string; durationMs: number };

/** A maintenance window. */
export interface MaintenanceWindow {
  /** The config name, or a generated id for API windows. */
  id: string;
  name: string;
  source: 'config' | 'api';
  schedule: MaintenanceSchedule;
  select: MaintenanceSelect;
  comment?: string;
}

/** One occurrence: [startsAt, endsAt). */
export interface Occurrence {
  startsAt: number;
  endsAt: number;
}

/** The occurrence of `w` that contains `now`, if any. */
export function activeOccurrence(w: MaintenanceWindow, now: number): Occurrence | undefined {
  if (w.schedule.kind === 'once') return w.schedule.startsAt <= now && now < w.schedule.endsAt ? { startsAt: w.schedule.startsAt, endsAt: w.schedule.endsAt } : undefined;
  // The first start after (now - duration) is the only one whose window can still contain now.
  const start = compileCron(w.schedule.cron).next(now - w.schedule.durationMs);
  return start !== undefined && start <= now ? { startsAt: start, endsAt: start + w.schedule.durationMs } : undefined;
}

/** The next occurrence of `w` that starts after `now`, if any. */
export function nextOccurrence(w: MaintenanceWindow, now: number): Occurrence | undefined {
  if (w.schedule.kind === 'once') return w.schedule.startsAt > now ? { startsAt: w.schedule.startsAt, endsAt: w.schedule.endsAt } : undefined;
  const start = compileCron(w.schedule.cron).next(now);
  return start === undefined ? undefined : { startsAt: start, endsAt: start + w.schedule.durationMs };
}

/**
 * The silences a window stands for, as matcher lists over the alert labels (`probe`, `target`,
 * `load`): one per selected kind, since a silence's matchers must all match. No selection
 * silences every alert.
 */
export function windowMatchers(select: MaintenanceSelect): Matcher[][] {
  const out: Matcher[][] = [];
  for (const [kind, label] of [['probes', 'probe'], ['targets', 'target'], ['loads', 'load']] as const) {
    const names = select[kind];
    if (names !== undefined && names.length > 0) out.push([{ name: label, value: names.map(escapeRegex).join('|'), isRegex: true }]);
  }
  return out.length > 0 ? out : [[{ name: 'alert', value: '.+', isRegex: true }]];
}

/**
 * A selection with the probes and loads of its selected targets added: alerts on a probe carry
 * the label `probe`, not its target's, so maintenance of a target must name its probes too.
 */
export function expandTargets(select: MaintenanceSelect, probeTargets: ReadonlyMap<string, string>, loadTargets: ReadonlyMap<string, string>): MaintenanceSelect {
  const targets = select.targets ?? [];
  if (targets.length === 0) return select;
  const of = (map: ReadonlyMap<string, string>, own: readonly string[] | undefined) => {
    const names = new Set(own ?? []);
    for (const [name, target] of map) if (targets.includes(target)) names.add(name);
    return [...names];
  };
  const probes = of(probeTargets, select.probes);
  const loads = of(loadTargets, select.loads);
  return { targets, ...(probes.length === 0 ? {} : { probes }), ...(loads.length === 0 ? {} : { loads }) };
}

/** True when the window covers the probe (by name, or by its target). */
export function coversProbe(select: MaintenanceSelect, probe: string, target: string): boolean {
  const empty = (select.probes?.length ?? 0) + (select.targets?.length ?? 0) + (select.loads?.length ?? 0) === 0;
  return empty || (select.probes?.includes(probe) ?? false) || (select.targets?.includes(target) ?? false);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
