/**
 * The concurrency-scaling table of a sweep, as the sigma team wrote it by hand (seed 003: users,
 * req/s, p50/p95/p99, errors per level), with what a person needs to trust it: the rate offered
 * and achieved (rate sweeps), the saturated seconds left out, and where both knees are. One
 * table for every renderer (Markdown, HTML, the CLI summary). Pure.
 */
import type { LoadResult, StepResult } from '../load/result/result.js';
import { capacityText, kneeText, unmeasurableText } from '../load/result/judge.js';
import { fmtMs, fmtNum, fmtPct, fmtSeconds } from './format.js';

/** The table: a header and one row of cells per step; `ok` says whether each step met the SLO. */
export interface ScalingTable {
  header: string[];
  rows: { cells: string[]; ok: boolean; step: StepResult }[];
}

/** The scaling table of a sweep (no rows when the run is not one). */
export function scalingTable(r: Pick<LoadResult, 'steps' | 'knee' | 'capacityKnee'>): ScalingTable {
  const rated = r.steps.some((s) => s.offeredRate !== undefined);
  const header = [
    'Step', r.steps[0]?.vus !== undefined ? 'Users' : 'Rate',
    ...(rated ? ['Achieved it/s'] : []),
    'Req/s', 'p50', 'p95', 'p99', 'Errors', 'Saturated', 'Meets SLO',
  ];
  const rows = r.steps.map((s) => {
    const marks = [r.knee?.index === s.index ? '← knee' : '', r.capacityKnee?.index === s.index ? '← capacity' : ''].filter((m) => m !== '').join(' ');
    if (s.unmeasurable) {
      return { step: s, ok: false, cells: [String(s.index + 1), level(s), ...(rated ? ['–'] : []), '–', '–', '–', '–', '–', fmtSeconds(s.saturatedSeconds), 'unmeasurable'] };
    }
    const achieved = s.offeredRate === undefined ? '–' : `${fmtNum(s.iterationRate, 1)}${s.keptUp === false ? ' (behind)' : ''}`;
    return {
      step: s,
      ok: s.ok,
      cells: [
        String(s.index + 1), level(s),
        ...(rated ? [achieved] : []),
        fmtNum(s.rps, 1), fmtMs(s.latencyMs.p50), fmtMs(s.latencyMs.p95), fmtMs(s.latencyMs.p99),
        fmtPct(s.errorRate), s.saturatedSeconds > 0 ? fmtSeconds(s.saturatedSeconds) : '0',
        `${s.ok ? 'yes' : 'no'}${marks === '' ? '' : ` ${marks}`}`,
      ],
    };
  });
  return { header, rows };
}

/** The sentences under the table: the threshold knee, the capacity knee, unmeasurable and saturated steps. */
export function scalingNotes(r: Pick<LoadResult, 'steps' | 'knee' | 'capacityKnee'>): string[] {
  const notes = [kneeText(r), capacityText(r), unmeasurableText(r.steps)].filter((n): n is string => n !== undefined);
  if (r.steps.some((s) => s.saturatedSeconds > 0 && !s.unmeasurable)) {
    notes.push('saturated seconds (a load worker\'s event loop lagged) are left out of their step\'s numbers: there the generator, not the target, was measured');
  }
  return notes.map((n) => `${n.charAt(0).toUpperCase()}${n.slice(1)}.`);
}

function level(s: StepResult): string {
  return s.vus !== undefined ? String(s.vus) : `${fmtNum(s.rate ?? 0)}/s`;
}
