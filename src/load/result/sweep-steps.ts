/**
 * A sweep's steps, measured from the windows of their unsaturated seconds only. Whether a second
 * was generator-saturated is known once every worker's window for it has arrived (one saturated
 * worker taints the whole second), so a step's windows wait here, per second, until the driver
 * completes that second: then they are merged into the step — or, when the second was saturated,
 * only counted as saturated time. A stall's victims outlive it: the requests that were due or in
 * flight while the worker's loop was blocked complete after it, and when the stall ran over a
 * window boundary they land in the step's next window (timers run before I/O callbacks when the
 * loop wakes up) — so the step's next second after a saturated one is left out too. The windows
 * keep their histograms' bucket counts, so what is left out is left out exactly. The achieved rate counts what completed within the step's own time (not
 * the drain after it), so a target that caps throughput shows its cap. Pure data: no timers.
 */
import type { LoadPlan } from '../plan/plan.js';
import { specDurationMs } from '../plan/plan.js';
import { RunAggregate } from '../window/aggregate.js';
import type { WindowSnapshot } from '../window/snapshot.js';

/** What one step measured. */
export interface StepMeasure {
  /** Counters and histograms of the step's unsaturated seconds (drain included). */
  agg: RunAggregate;
  /** Time the step's windows spanned in saturated seconds and the seconds after them (left out). */
  saturatedSeconds: number;
  /** Within the step's own time (start to start + duration), unsaturated: seconds, requests and iterations completed. */
  scheduledSeconds: number;
  scheduledRequests: number;
  scheduledIterations: number;
}

type Pending = WindowSnapshot[];

/** Collects the windows of step phases and merges them per completed second. */
export class SweepSteps {
  private readonly pending = new Map<number, Pending>();
  private readonly measures = new Map<number, StepMeasure>();
  private readonly started = new Map<number, number>();
  /** Steps whose next second is left out (their previous one was saturated). */
  private readonly spill = new Set<number>();
  /**
   * Per step, per second: the part of the step's own time its windows covered. A second can be
   * completed more than once (a worker's window of a second it already reported, e.g. its
   * phase-end flush, arrives after the others completed it): its time counts once, as the union.
   */
  private readonly covered = new Map<number, Map<number, { from: number; to: number }>>();

  constructor(private readonly plan: Pick<LoadPlan, 'phases' | 'endpoints'>) {}

  /** The step phase `phase` started at `at` (epoch ms). */
  start(phase: number, at: number): void {
    this.started.set(phase, at);
  }

  /** A window arrived; kept until its second completes. Windows of other phases are ignored. */
  add(w: WindowSnapshot): void {
    if (this.plan.phases[w.phase]?.kind !== 'step') return;
    let p = this.pending.get(w.second);
    if (p === undefined) this.pending.set(w.second, (p = []));
    p.push(w);
  }

  /** Every worker has reported `second`: its windows count, or only their time when it was saturated. */
  complete(second: number, saturated: boolean): void {
    const p = this.pending.get(second);
    if (p === undefined) return;
    this.pending.delete(second);
    const byPhase = new Map<number, Pending>();
    for (const w of p) {
      let list = byPhase.get(w.phase);
      if (list === undefined) byPhase.set(w.phase, (list = []));
      list.push(w);
    }
    for (const [phase, list] of byPhase) {
      const m = this.measureOf(phase);
      const from = this.started.get(phase) ?? Math.min(...list.map((w) => w.start));
      const to = from + specDurationMs(this.plan.phases[phase]!.executor);
      // A worker's first window opens when the worker does, before the phase: that time is not the step's.
      const startOf = (w: WindowSnapshot) => Math.min(w.end, Math.max(w.start, from));
      const spanMs = Math.max(0, Math.max(...list.map((w) => w.end)) - Math.min(...list.map(startOf)));
      const spilled = this.spill.delete(phase);
      if (saturated) this.spill.add(phase);
      if (saturated || spilled) {
        m.saturatedSeconds += spanMs / 1000;
        continue;
      }
      let inStart = Number.POSITIVE_INFINITY;
      let inEnd = Number.NEGATIVE_INFINITY;
      for (const w of list) {
        m.agg.add(w);
        // The part of the window inside the step's own time; its completions are prorated.
        const a = startOf(w);
        const b = Math.min(w.end, to);
        if (b <= a) continue;
        const share = (b - a) / (w.end - a);
        m.scheduledRequests += w.overall.requests * share;
        m.scheduledIterations += w.iterations * share;
        inStart = Math.min(inStart, a);
        inEnd = Math.max(inEnd, b);
      }
      if (inEnd > inStart) {
        let bySecond = this.covered.get(phase);
        if (bySecond === undefined) this.covered.set(phase, (bySecond = new Map()));
        const before = bySecond.get(second);
        const after = before === undefined ? { from: inStart, to: inEnd } : { from: Math.min(before.from, inStart), to: Math.max(before.to, inEnd) };
        bySecond.set(second, after);
        m.scheduledSeconds += (after.to - after.from - (before === undefined ? 0 : before.to - before.from)) / 1000;
      }
    }
  }

  /** The steps measured so far, by phase index. */
  results(): ReadonlyMap<number, StepMeasure> {
    return this.measures;
  }

  private measureOf(phase: number): StepMeasure {
    let m = this.measures.get(phase);
    if (m === undefined) {
      m = { agg: new RunAggregate(this.plan.endpoints), saturatedSeconds: 0, scheduledSeconds: 0, scheduledRequests: 0, scheduledIterations: 0 };
      this.measures.set(phase, m);
    }
    return m;
  }
}
