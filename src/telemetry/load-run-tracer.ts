/**
 * Adapts a `LoadRunTrace` to the engine's `LoadRunTracer` hook, so the load engine never imports
 * OpenTelemetry and pays nothing when tracing is off (the daemon then passes no tracer at all).
 *
 * Stages: the warmup, each configured stage of a ramp (`run 1/3` …, switched by a timer at the
 * planned boundaries) or the whole run when there is one stage, and each step of a sweep.
 * Requests: the worker threads sample them (deterministically, at the trace's ratio) and send
 * the samples with their windows; each becomes a span from its start to its end under the stage
 * open when it arrives. No `traceparent` goes to the target for load requests.
 */
import type { Attributes } from '@opentelemetry/api';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { LoadRunTracer } from '../load/driver.js';
import type { Ramp } from '../load/plan/schedule.js';
import { isOpen } from '../load/plan/plan.js';
import type { RequestSample } from '../load/window/snapshot.js';
import type { LoadRunTrace } from './trace-load.js';

/** The tracer hook plus `close`, which ends the open stage and cancels pending stage switches. */
export interface LoadRunTracerHandle extends LoadRunTracer {
  close(): void;
}

/** Builds the engine hook that records `trace`'s stage and sampled request spans. */
export function loadRunTracer(trace: LoadRunTrace, clock: Clock): LoadRunTracerHandle {
  let stage: { end(): void } | undefined;
  const timers: TimerHandle[] = [];
  const open = (name: string, attributes: Attributes) => {
    stage?.end();
    stage = trace.stage(name, attributes);
  };
  const cancelTimers = () => {
    for (const t of timers.splice(0)) t.cancel();
  };

  return {
    sampleRatio: trace.requestSampleRatio,
    phase(phase, plan) {
      cancelTimers();
      const spec = phase.executor;
      if (phase.kind === 'warmup') {
        open('warmup', { 'perfwarden.stage.duration_ms': 'durationMs' in spec ? spec.durationMs : 0 });
        return;
      }
      if (phase.kind === 'step' && phase.step !== undefined) {
        const steps = plan.phases.filter((p) => p.kind === 'step').length;
        open(`step ${phase.step.index + 1}/${steps}`, phase.step.mode === 'vus' ? { 'perfwarden.stage.vus': phase.step.level } : { 'perfwarden.stage.rate_per_s': phase.step.level });
        return;
      }
      const unit = isOpen(spec) ? 'rate_per_s' : 'vus';
      const scale = isOpen(spec) ? 1000 : 1;
      const ramps: Ramp[] = spec.kind === 'ramping-vus' || spec.kind === 'ramping-arrival-rate' ? spec.ramps : [];
      const attrs = (s: Ramp): Attributes => ({ [`perfwarden.stage.from_${unit}`]: s.from * scale, [`perfwarden.stage.to_${unit}`]: s.to * scale, 'perfwarden.stage.duration_ms': s.durationMs });
      const first = ramps[0];
      if (ramps.length <= 1 || first === undefined) {
        open('run', first === undefined ? {} : attrs(first));
        return;
      }
      open(`run 1/${ramps.length}`, attrs(first));
      let at = 0;
      ramps.forEach((s, i) => {
        if (i === 0) return;
        at += ramps[i - 1]?.durationMs ?? 0;
        timers.push(clock.setTimeout(() => open(`run ${i + 1}/${ramps.length}`, attrs(s)), at));
      });
    },
    requests(samples: readonly RequestSample[], endpoints: readonly string[]) {
      for (const s of samples) {
        const ok = s.cls === '2xx' || s.cls === '3xx';
        trace.recordSampledRequest(endpoints[s.endpoint] ?? String(s.endpoint), s.startMs, s.seconds, ok ? { ok } : { ok, reason: s.cls });
      }
    },
    close() {
      cancelTimers();
      stage?.end();
      stage = undefined;
    },
  };
}
