/** Feeds live load metrics the way the run driver does: observations recorded into a window, then merged. */
import type { BoundLoadMetrics } from '../../src/load/metrics.js';
import type { OutcomeClass } from '../../src/load/window/outcome.js';
import { WindowRecorder } from '../../src/load/window/recorder.js';

/** Collects observations and hands them to `bound` as one worker window on `flush`. */
export class WindowFeed {
  private recorder: WindowRecorder;
  private second = 0;

  constructor(private readonly bound: BoundLoadMetrics, private readonly endpoints: number) {
    this.recorder = new WindowRecorder(endpoints, 0);
  }

  /** One request of `endpoint` that took `seconds`. */
  observe(endpoint: number, seconds: number, cls: OutcomeClass): void {
    this.recorder.record(endpoint, seconds * 1e6, cls, !/^[23]xx$/.test(cls), 0);
  }

  /** One dropped iteration. */
  dropped(): void {
    this.recorder.recordDropped();
  }

  /** Closes the window and adds it to the metrics. */
  flush(): void {
    const w = this.recorder.snapshot(++this.second, { worker: 0, phase: 0, second: this.second, vus: 1, generator: { lagMs: 0, cpuMs: 0, saturated: false } });
    this.bound.addWindow(w);
  }
}
