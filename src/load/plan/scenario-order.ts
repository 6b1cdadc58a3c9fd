/**
 * Fixed per-scenario counts (seed 000 sent exactly 50/10/50/10 requests per endpoint): which
 * scenario iteration k runs is a pure function of k, so every worker thread and every shard —
 * each owning the striped iterations k ≡ offset (mod stride), `segment.ts` — runs exactly its
 * part of each count, whoever finishes first. The scenarios are interleaved, not run one after
 * another: scenario i's j-th iteration is placed at its ideal time (j + ½) / countᵢ of the run,
 * and iterations are taken in that order (ties: the earlier scenario first), so 50/10/50/10 runs
 * as a, c, a, c, a, b, … with b and d spread evenly. The order repeats every total / gcd(counts)
 * iterations, and only that period is kept.
 */
import { PwError } from '../../core/errors.js';

/**
 * The scenario index of each iteration of one period (`length` = total / gcd of the counts).
 * Throws PW_ERR_INVALID_ARGUMENT for counts that are not positive integers.
 */
export function scenarioOrder(counts: readonly number[]): Uint32Array {
  if (counts.length === 0 || counts.some((c) => !Number.isInteger(c) || c < 1)) {
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `per-scenario iterations must be whole numbers above 0, got ${counts.join(', ')}`);
  }
  const g = counts.reduce((a, c) => gcd(a, c));
  const per = counts.map((c) => c / g);
  const slots: { key: number; scenario: number }[] = [];
  per.forEach((c, scenario) => {
    for (let j = 0; j < c; j++) slots.push({ key: (j + 0.5) / c, scenario });
  });
  slots.sort((a, b) => a.key - b.key || a.scenario - b.scenario);
  return Uint32Array.from(slots, (s) => s.scenario);
}

/** The scenario of global iteration `k` (0-based) in an order from `scenarioOrder`. */
export function scenarioAt(order: Uint32Array, k: number): number {
  return order[k % order.length] ?? 0;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
