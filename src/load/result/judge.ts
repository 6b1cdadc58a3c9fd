/**
 * Judging a measured run: the sweep's knee, the verdict and the words for why a run stopped.
 * Pure functions of result data, apart from measuring (`measure.ts`).
 */
import { fmtThresholdValue } from '../../report/format.js';
import type { ThresholdOutcome } from '../thresholds.js';
import type { AbortCause, LoadResult, LoadVerdict, StepResult } from './result.js';

/**
 * The knee: the last passing step before the first failing one. Null when the first step fails,
 * and null when every step passes — then the knee lies beyond the tested steps (see `sweepOutcome`).
 */
export function findKnee(steps: readonly StepResult[]): StepResult | null {
  return lastBefore(steps, (s) => s.ok);
}

/** How far an achieved rate may fall behind the offered one before the target is at capacity. */
export const CAPACITY_TOLERANCE = 0.05;

/** True when `achieved` is within `CAPACITY_TOLERANCE` of `offered` (iterations per second). */
export function keepsUp(achieved: number, offered: number): boolean {
  return achieved >= offered * (1 - CAPACITY_TOLERANCE);
}

/**
 * The capacity knee of a rate sweep: the last step that kept up before the first whose achieved
 * iteration rate fell more than 5 % behind the offered rate. Null like `findKnee`, and for VU sweeps.
 */
export function findCapacityKnee(steps: readonly StepResult[]): StepResult | null {
  const rated = steps.filter((s) => s.keptUp !== undefined);
  return rated.length === 0 ? null : lastBefore(rated, (s) => s.keptUp === true);
}

/** The last step meeting `good` before the first that does not; unmeasurable steps are skipped. */
function lastBefore(steps: readonly StepResult[], good: (s: StepResult) => boolean): StepResult | null {
  let last: StepResult | null = null;
  for (const s of steps) {
    if (s.unmeasurable) continue;
    if (!good(s)) return last;
    last = s;
  }
  return null;
}

/** How a sweep ended: a knee, every step passing, or none passing; undefined when not a sweep. */
export type SweepOutcome = 'knee' | 'all-passed' | 'none-passed';

/** The sweep outcome of a result (unmeasurable steps are left out). */
export function sweepOutcome(r: Pick<LoadResult, 'steps' | 'knee'>): SweepOutcome | undefined {
  if (r.steps.length === 0) return undefined;
  if (r.knee !== null) return 'knee';
  const measured = r.steps.filter((s) => !s.unmeasurable);
  return measured.length > 0 && measured.every((s) => s.ok) ? 'all-passed' : 'none-passed';
}

/** A step's level for people: "10 VUs", "200/s". */
export function stepLevel(s: StepResult): string {
  return s.vus !== undefined ? `${s.vus} VUs` : `${s.rate ?? 0}/s`;
}

/** One line about the knee, for people (summary and reports). */
export function kneeText(r: Pick<LoadResult, 'steps' | 'knee'>): string | undefined {
  switch (sweepOutcome(r)) {
    case 'knee':
      return r.knee === null ? undefined : `knee: step ${r.knee.index + 1} (${stepLevel(r.knee)}), the highest load still meeting the thresholds`;
    case 'all-passed':
      return 'no knee within the tested steps: every step met the thresholds (add higher steps to find it)';
    case 'none-passed':
      return 'no knee: not even the first step met the thresholds';
    case undefined:
      return undefined;
  }
}

/** One line about the capacity knee of a rate sweep, for people; undefined for VU sweeps and runs that are not sweeps. */
export function capacityText(r: Pick<LoadResult, 'steps' | 'capacityKnee'>): string | undefined {
  const rated = r.steps.filter((s) => s.keptUp !== undefined);
  if (rated.length === 0) return undefined;
  const behind = rated.find((s) => s.keptUp === false);
  if (r.capacityKnee !== null && behind !== undefined) {
    return `capacity knee: step ${r.capacityKnee.index + 1} (${stepLevel(r.capacityKnee)}); at step ${behind.index + 1} the target completed ${behind.iterationRate}/s of ${behind.offeredRate ?? 0}/s offered (more than ${CAPACITY_TOLERANCE * 100} % behind)`;
  }
  if (behind === undefined) return 'no capacity knee within the tested steps: every step kept up with its offered rate';
  return `no capacity knee: already the first step fell more than ${CAPACITY_TOLERANCE * 100} % behind its offered rate (${behind.iterationRate}/s of ${behind.offeredRate ?? 0}/s)`;
}

/** The unmeasurable steps in words, or undefined when every step had unsaturated seconds. */
export function unmeasurableText(steps: readonly StepResult[]): string | undefined {
  const lost = steps.filter((s) => s.unmeasurable);
  if (lost.length === 0) return undefined;
  return `unmeasurable: step${lost.length > 1 ? 's' : ''} ${lost.map((s) => `${s.index + 1} (${stepLevel(s)})`).join(', ')} — the generator was saturated in every second, so ${lost.length > 1 ? 'they are' : 'it is'} not used for either knee`;
}

/** The threshold outcome in words, with units: "p(95)<200ms failed (measured 235 ms)". */
export function outcomeText(o: ThresholdOutcome): string {
  return `${o.endpoint === undefined ? '' : `${o.endpoint}: `}${o.expression} failed (measured ${fmtThresholdValue(o.name, o.value)})`;
}

/** Why a run stopped early, for people. */
export function abortText(a: AbortCause): string {
  switch (a.cause) {
    case 'threshold':
      return `abortOnFail: threshold ${outcomeText(a.outcome)}`;
    case 'stopped':
      return a.reason;
    case 'internal':
      return `internal error: ${a.error}`;
  }
}

/**
 * The verdict and, when the thresholds alone do not explain it, why: `aborted` when the run was
 * stopped for any reason but abortOnFail; a sweep passes when at least one step met the SLO (it
 * is meant to go past it); a run whose every request failed fails even without thresholds;
 * otherwise the thresholds decide.
 */
export function judge(r: Pick<LoadResult, 'aborted' | 'steps' | 'thresholds' | 'summary'>): { verdict: LoadVerdict; reason?: string } {
  if (r.aborted !== null && r.aborted.cause !== 'threshold') return { verdict: 'aborted' };
  if (r.summary.requests > 0 && r.summary.errors === r.summary.requests) return { verdict: 'fail', reason: 'every request failed' };
  if (r.steps.length > 0) return r.steps.some((s) => s.ok) ? { verdict: 'pass' } : { verdict: 'fail' };
  if (r.aborted !== null) return { verdict: 'fail' };
  return { verdict: r.thresholds.every((t) => t.ok) ? 'pass' : 'fail' };
}
