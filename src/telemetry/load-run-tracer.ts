/**
 * Adapts a `LoadRunTrace` to the engine's `LoadRunTracer` hook, so the load engine never imports
 * OpenTelemetry and pays nothing when tracing is off (the daemon then passes no tracer at all).
 *
 * Stages: the warmup, each configured stage of a ramp (`run 1/3` …, switched by a timer at the
 * planned segment boundaries, since the executors walk segments internally) or the whole run when
 * there is one stage, and each step of a sweep. Requests: the engine reports completions only, so
 * a sampled request's span is laid from `now - latency` to now under the stage open at the time;
 * no `traceparent` goes to the target for load requests (the hot path stays untouched).
 */
import type { Attributes } from '@opentelemetry/api';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { LoadRunTracer } from '../load/run-load.js';
import type { Segment } from '../load/schedule.js';
import type { OutcomeClass } from '../load/stats.js';
import type { LoadRunTrace } from './trace-load.js';

/** The tracer hook plus `close`, which ends the open stage and cancels pending stage switches. */
export interface LoadRunTracerHandle extends LoadRunTracer {
  close(): void;
}

/** Builds the engine hook that records `trace`'s stage and sampled request spans. */
export function loadRunTracer(trace: LoadRunTrace, clock: Clock): LoadRunTracerHandle {
  let endpoints: readonly string[] = [];
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
    phase(phase, plan, step) {
      endpoints = plan.endpoints;
      cancelTimers();
      const shape = plan.shape;
      if (phase === 'warmup') {
        open('warmup', { 'perfwarden.stage.duration_ms': plan.warmupMs });
      } else if (phase === 'step' && shape.kind === 'sweep') {
        const i = step ?? 0;
        const level = shape.steps[i] ?? 0;
        open(`step ${i + 1}/${shape.steps.length}`, shape.mode === 'vus' ? { 'perfwarden.stage.vus': level } : { 'perfwarden.stage.rate_per_s': level * 1000 });
      } else if (phase === 'run' && shape.kind !== 'sweep') {
        const segments = shape.segments;
        const unit = shape.kind === 'closed' ? 'vus' : 'rate_per_s';
        const attrs = (s: Segment): Attributes => {
          const scale = shape.kind === 'closed' ? 1 : 1000;
          return { [`perfwarden.stage.from_${unit}`]: s.from * scale, [`perfwarden.stage.to_${unit}`]: s.to * scale, 'perfwarden.stage.duration_ms': s.durationMs };
        };
        const first = segments[0];
        if (segments.length <= 1 || first === undefined) {
          open('run', first === undefined ? {} : attrs(first));
          return;
        }
        open(`run 1/${segments.length}`, attrs(first));
        let at = 0;
        segments.forEach((s, i) => {
          if (i === 0) return;
          at += segments[i - 1]?.durationMs ?? 0;
          timers.push(clock.setTimeout(() => open(`run ${i + 1}/${segments.length}`, attrs(s)), at));
        });
      }
    },
    observer(endpoint: number, seconds: number, cls: OutcomeClass) {
      const ok = cls === '2xx' || cls === '3xx';
      trace.recordRequest(endpoints[endpoint] ?? String(endpoint), seconds, ok ? { ok } : { ok, reason: cls });
    },
    close() {
      cancelTimers();
      stage?.end();
      stage = undefined;
    },
  };
}
