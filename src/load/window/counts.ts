/**
 * Per-endpoint counters of a window or a whole run: plain numbers that merge by addition, next to
 * an HDR latency histogram (encoded when it crosses a thread or process boundary).
 */
import { OUTCOME_CLASSES } from './outcome.js';
import type { OutcomeClass } from './outcome.js';

/** Counters of one endpoint (or of all). */
export interface Counts {
  requests: number;
  errors: number;
  checksPassed: number;
  checksFailed: number;
  /** Responses and failures by class; a fixed-key object keeps the hot path monomorphic. */
  classes: Record<OutcomeClass, number>;
}

/** Zeroed counters. */
export function emptyCounts(): Counts {
  return { requests: 0, errors: 0, checksPassed: 0, checksFailed: 0, classes: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, timeout: 0, reset: 0, refused: 0, dns: 0, tls: 0, error: 0 } };
}

/** Adds `b` into `a`. */
export function addCounts(a: Counts, b: Counts): void {
  a.requests += b.requests;
  a.errors += b.errors;
  a.checksPassed += b.checksPassed;
  a.checksFailed += b.checksFailed;
  for (const cls of OUTCOME_CLASSES) a.classes[cls] += b.classes[cls] ?? 0;
}

/** Zeroes counters in place. */
export function resetCounts(c: Counts): void {
  c.requests = 0;
  c.errors = 0;
  c.checksPassed = 0;
  c.checksFailed = 0;
  for (const cls of OUTCOME_CLASSES) c.classes[cls] = 0;
}

/** Failed requests by class (response classes 1xx–3xx left out, zeros left out). */
export function errorsByClass(c: Counts): Partial<Record<OutcomeClass, number>> {
  const out: Partial<Record<OutcomeClass, number>> = {};
  for (const cls of OUTCOME_CLASSES) {
    if (cls === '1xx' || cls === '2xx' || cls === '3xx') continue;
    const n = c.classes[cls];
    if (n > 0) out[cls] = n;
  }
  return out;
}
