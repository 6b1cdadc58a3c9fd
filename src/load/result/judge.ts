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
  let knee: StepResult | null = null;
  for (const s of steps) {
    if (!s.ok) return knee;
    knee = s;
  }
  return null;
}

/** How a sweep ended: a knee, every step passing, or none passing; undefined when not a sweep. */
export type SweepOutcome = 'knee' | 'all-passed' | 'none-passed';

/** The sweep outcome of a result. */
export function sweepOutcome(r: Pick<LoadResult, 'steps' | 'knee'>): SweepOutcome | undefined {
  if (r.steps.length === 0) return undefined;
  if (r.knee !== null) return 'knee';
  return r.steps.every((s) => s.ok) ? 'all-passed' : 'none-passed';
}

/** One line about the knee, for people (summary and reports). */
export function kneeText(r: Pick<LoadResult, 'steps' | 'knee'>): string | undefined {
  const level = (s: StepResult) => (s.vus !== undefined ? `${s.vus} VUs` : `${s.rate ?? 0}/s`);
  switch (sweepOutcome(r)) {
    case 'knee':
      return r.knee === null ? undefined : `knee: step ${r.knee.index + 1} (${level(r.knee)}), the highest load still meeting the thresholds`;
    case 'all-passed':
      return 'no knee within the tested steps: every step met the thresholds (add higher steps to find it)';
    case 'none-passed':
      return 'no knee: not even the first step met the thresholds';
    case undefined:
      return undefined;
  }
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
