/**
 * Load shapes as pure functions of time: how many VUs should be running at t (closed model) and
 * how many iterations should have started by t / when the k-th one is due (open model). The
 * executors ask these; nothing here touches a timer, so ramps are tested exactly.
 */

/** A linear ramp piece: from `from` to `to` over `durationMs`. */
export interface Ramp {
  durationMs: number;
  from: number;
  to: number;
}

/** Builds ramps from stages, starting at `start`. */
export function stagesToRamps(start: number, stages: readonly { duration: number; target: number }[]): Ramp[] {
  const out: Ramp[] = [];
  let from = start;
  for (const s of stages) {
    out.push({ durationMs: s.duration, from, to: s.target });
    from = s.target;
  }
  return out;
}

/** Total length of ramps in ms. */
export function totalMs(ramps: readonly Ramp[]): number {
  return ramps.reduce((a, s) => a + s.durationMs, 0);
}

/** The (rounded) level at `tMs`: VUs for closed ramps. 0 after the end. */
export function levelAt(ramps: readonly Ramp[], tMs: number): number {
  let t = tMs;
  for (const s of ramps) {
    if (t < s.durationMs) return Math.round(s.from + ((s.to - s.from) * t) / Math.max(1, s.durationMs));
    t -= s.durationMs;
  }
  return 0;
}

/** The highest level reached. */
export function peakLevel(ramps: readonly Ramp[]): number {
  return ramps.reduce((a, s) => Math.max(a, s.from, s.to), 0);
}

/**
 * An open-model arrival schedule over rate ramps (rates in iterations per ms). `countAt(t)` is
 * the integral of the rate (iterations due by t); `timeOf(k)` inverts it, giving the intended
 * start time of iteration k, which is what latency is measured from.
 */
export interface ArrivalSchedule {
  readonly totalMs: number;
  countAt(tMs: number): number;
  timeOf(k: number): number;
}

/** Builds an arrival schedule from per-ms rate ramps. */
export function arrivalSchedule(ramps: readonly Ramp[]): ArrivalSchedule {
  const starts: number[] = [];
  const counts: number[] = [];
  let t = 0;
  let c = 0;
  for (const s of ramps) {
    starts.push(t);
    counts.push(c);
    t += s.durationMs;
    c += ((s.from + s.to) / 2) * s.durationMs;
  }
  const total = t;
  const totalCount = c;
  return {
    totalMs: total,
    countAt(tMs) {
      if (tMs <= 0) return 0;
      if (tMs >= total) return totalCount;
      for (let i = ramps.length - 1; i >= 0; i--) {
        const s = ramps[i]!;
        const a = starts[i]!;
        if (tMs >= a) {
          const x = tMs - a;
          const slope = (s.to - s.from) / Math.max(1e-9, s.durationMs);
          return counts[i]! + s.from * x + (slope * x * x) / 2;
        }
      }
      return 0;
    },
    timeOf(k) {
      if (k <= 0) return 0;
      for (let i = 0; i < ramps.length; i++) {
        const s = ramps[i]!;
        const endCount = (counts[i + 1] ?? totalCount);
        if (k <= endCount || i === ramps.length - 1) {
          const need = k - counts[i]!;
          const c2 = (s.to - s.from) / Math.max(1e-9, s.durationMs) / 2;
          let x: number;
          if (Math.abs(c2) < 1e-15) x = s.from > 0 ? need / s.from : s.durationMs;
          else x = (-s.from + Math.sqrt(Math.max(0, s.from * s.from + 4 * c2 * need))) / (2 * c2);
          return starts[i]! + Math.min(Math.max(0, x), s.durationMs);
        }
      }
      return total;
    },
  };
}

/** Deterministic weighted choice: `r` in [0, 1) against cumulative weights. */
export function pickWeighted(cumulative: readonly number[], r: number): number {
  const total = cumulative[cumulative.length - 1] ?? 0;
  const x = r * total;
  for (let i = 0; i < cumulative.length; i++) if (x < cumulative[i]!) return i;
  return Math.max(0, cumulative.length - 1);
}
