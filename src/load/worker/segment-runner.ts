/**
 * What a load worker thread does with its segment of a plan: prepares and starts phases when the
 * driver says so, hands VUs to the phase's executor (keeping them, with their warm connections,
 * across phases), sweeps request deadlines, and closes a window on every wall-clock second and at
 * the end of a phase — encoding it is the only once-a-second work on this thread. Independent of
 * `worker_threads`: `post` is where messages go (the parent port, or a test).
 */
import { systemClock } from '../../core/clock.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { coerceError } from '../../core/errors.js';
import { startExecutor } from '../executors/registry.js';
import type { ExecutorHandle } from '../executors/types.js';
import { isOpen, planLoad, specDurationMs } from '../plan/plan.js';
import type { LoadPlan } from '../plan/plan.js';
import { shareOf } from '../plan/segment.js';
import type { VuHost } from '../vu/http-vu.js';
import { createVuStrategy } from '../vu/strategy.js';
import type { VuStrategy } from '../vu/strategy.js';
import type { Vu, VuSource } from '../vu/vu.js';
import { WindowRecorder } from '../window/recorder.js';
import type { DriverMessage, WorkerInit, WorkerMessage } from './protocol.js';
import { SelfWatch } from './self-watch.js';

/** Longest wait for in-flight iterations after a phase's schedule ran out. */
const MAX_DRAIN_MS = 30_000;

/** Runs one worker's segment. */
export class SegmentRunner {
  private readonly plan: LoadPlan;
  private readonly host: VuHost;
  private readonly strategy: VuStrategy;
  private readonly vus: Vu[] = [];
  /** VUs no executor owns now (free for the next phase's executor). */
  private parked: Vu[] = [];
  private readonly watch: SelfWatch;
  private executor: ExecutorHandle | undefined;
  private phase = -1;
  private windowTimer: TimerHandle | undefined;
  private sweepTimer: TimerHandle | undefined;
  private startTimer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly init: WorkerInit,
    private readonly post: (message: WorkerMessage) => void,
    private readonly clock: Clock = systemClock,
  ) {
    this.plan = planLoad(init.load, init.base);
    this.host = { plan: this.plan, now: () => clock.now(), random: Math.random, recorder: new WindowRecorder(this.plan.endpoints.length, clock.now(), init.sampleRatio), stopped: false };
    this.strategy = createVuStrategy(this.plan, this.host, init.segment);
    this.watch = new SelfWatch(this.plan.saturationLagMs);
    const sweepMs = Math.max(10, Math.min(250, this.plan.timeoutMs / 10));
    const sweep = () => {
      const now = clock.now();
      for (const vu of this.vus) vu.checkDeadline(now);
      this.sweepTimer = clock.setTimeout(sweep, sweepMs);
    };
    this.sweepTimer = clock.setTimeout(sweep, sweepMs);
  }

  /** Handles a driver message; never throws (a failure is reported as an `error` message). */
  handle(message: DriverMessage): void {
    try {
      if (message.type === 'prepare') void this.prepare(message.phase);
      else if (message.type === 'start') this.start(message.phase, message.startAt);
      else void this.stop();
    } catch (thrown) {
      this.post({ type: 'error', message: coerceError(thrown).message });
    }
  }

  private readonly source: VuSource = {
    acquire: (onDone) => {
      const i = this.parked.findIndex((vu) => !vu.busy);
      let vu: Vu;
      if (i >= 0) {
        vu = this.parked[i]!;
        this.parked.splice(i, 1);
      } else {
        vu = this.strategy.create(this.vus.length);
        this.vus.push(vu);
      }
      vu.retiring = false;
      vu.bind(onDone);
      return vu;
    },
  };

  /** Opens the connections an open-model phase starts with, so none is opened on the first sends. */
  private async prepare(phase: number): Promise<void> {
    const spec = this.plan.phases[phase]?.executor;
    let opened = 0;
    let failed = 0;
    if (spec !== undefined && isOpen(spec)) {
      const want = Math.min(shareOf(this.init.segment, spec.preAllocatedVUs), Math.max(1, shareOf(this.init.segment, spec.maxVUs)));
      while (this.vus.length < want) {
        const vu = this.strategy.create(this.vus.length);
        this.vus.push(vu);
        this.parked.push(vu);
      }
      const results = await Promise.all(this.vus.slice(0, want).map((vu) => vu.open()));
      opened = results.filter(Boolean).length;
      failed = results.length - opened;
    }
    this.post({ type: 'prepared', phase, opened, failed });
  }

  private start(phase: number, startAt: number): void {
    const spec = this.plan.phases[phase]?.executor;
    if (spec === undefined || this.stopped) return;
    this.startTimer = this.clock.setTimeout(() => {
      if (this.stopped) return;
      this.flush();
      // The worker's start-up (module loading, connecting) is not the run's: watch from here.
      if (this.phase < 0) this.watch.sample();
      this.phase = phase;
      this.parked = this.vus.slice();
      this.strategy.startPhase?.(specDurationMs(spec));
      this.scheduleWindow();
      const executor = startExecutor(spec, {
        clock: this.clock,
        segment: this.init.segment,
        vus: this.source,
        random: Math.random,
        thinkTime: this.plan.thinkTime,
        recordDropped: () => this.host.recorder.recordDropped(),
        immediate: (fn) => setImmediate(fn),
      });
      this.executor = executor;
      void executor.done.then(() => this.drain(executor, phase));
    }, startAt - this.clock.now());
  }

  /** Lets iterations started on schedule finish (bounded), then closes the phase's last window. */
  private async drain(executor: ExecutorHandle, phase: number): Promise<void> {
    const until = this.clock.now() + Math.min(this.plan.timeoutMs, MAX_DRAIN_MS);
    while (!this.stopped && executor.inFlight() > 0 && this.clock.now() < until) {
      await new Promise<void>((r) => this.clock.setTimeout(r, 5));
    }
    if (this.stopped || this.executor !== executor) return;
    this.windowTimer?.cancel();
    this.flush();
    this.post({ type: 'phase-done', phase });
  }

  private scheduleWindow(after?: number): void {
    this.windowTimer?.cancel();
    const now = this.clock.now();
    // Timers have millisecond granularity and may fire a hair before the boundary: the next
    // window ends on the boundary after the one just closed, never on the same one again.
    const boundary = Math.max((Math.floor(now / 1000) + 1) * 1000, (after ?? 0) + 1000);
    this.windowTimer = this.clock.setTimeout(() => {
      this.flush(boundary / 1000);
      this.scheduleWindow(boundary);
    }, boundary - now);
  }

  /** Closes the current window as part of `second` (default: the second now is in) and sends it. */
  private flush(second?: number): void {
    if (this.phase < 0) return;
    const now = this.clock.now();
    const window = this.host.recorder.snapshot(now, { worker: this.init.worker, phase: this.phase, second: second ?? Math.ceil(now / 1000), vus: this.executor?.activeVus() ?? 0, generator: this.watch.sample() });
    this.post({ type: 'window', window });
  }

  /** Ends the run: no new iterations, the last window sent, connections closed. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.startTimer?.cancel();
    this.windowTimer?.cancel();
    this.sweepTimer?.cancel();
    this.executor?.stop();
    this.strategy.stop?.();
    this.flush();
    this.host.stopped = true;
    this.watch.stop();
    await Promise.all(this.vus.map((vu) => vu.close().catch(() => undefined)));
    this.post({ type: 'stopped' });
  }
}
