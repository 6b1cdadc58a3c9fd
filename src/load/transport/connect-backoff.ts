/**
 * How long a connection that failed to connect waits before the next attempt. Without it a
 * refused target was hit at 19k connections per second by a handful of VUs (issue 9): the
 * generator measured nothing but its own retries and hammered a target that was already down.
 */

/** The first wait, doubled after every further consecutive failure. */
const BASE_MS = 100;
/** The longest wait: a target that comes back is noticed within this. */
const CAP_MS = 5_000;

/**
 * The wait after `failures` consecutive connect failures (0 before the first): capped
 * exponential back-off with "equal jitter" — half of the capped step, plus a random share of the
 * other half — so VUs that failed together do not retry together, and no wait is shorter than
 * half its step. `random` returns [0, 1) like `Math.random`.
 */
export function connectBackoffMs(failures: number, random: () => number): number {
  if (failures <= 0) return 0;
  const step = Math.min(CAP_MS, BASE_MS * 2 ** Math.min(failures - 1, 16));
  return step / 2 + (random() * step) / 2;
}
