/**
 * The probe module: schedules every configured probe, records each result in the probe
 * metrics and publishes it as a 'probe:result' event for alerts, history and the status page.
 */
import { setMaxListeners } from 'node:events';
import type { DaemonContext, DaemonModule } from '../daemon/module.js';
import { createScheduler } from '../scheduler/scheduler.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { ProbeMetrics } from '../metrics/probe-metrics.js';
import { newTraceContext } from './trace-context.js';
import type { ProbeResult, ProbeRunner, ProbeType } from './types.js';

/** What other modules can ask of the probes (service "probes"). */
export interface ProbeService {
  /** The configured probes. */
  list(): { name: string; kind: ProbeType; target: string }[];
  /** The last result of each probe that has run. */
  last(): ReadonlyMap<string, ProbeResult>;
  /** Runs a probe now, outside its schedule (the result is published like any other). */
  runNow(name: string): Promise<ProbeResult | undefined>;
}

/** Options for the probe module. */
export interface ProbeModuleOptions {
  runners: readonly ProbeRunner[];
  /** Where results are counted (built by `createDaemon`, which also serves it on `/metrics`). */
  metrics: ProbeMetrics;
  /** Wraps each runner (tracing); identity by default. */
  wrap?: (runner: ProbeRunner) => ProbeRunner;
  /** Deterministic spread in tests. */
  random?: () => number;
}

/** Creates the probe module. */
export function createProbeModule(options: ProbeModuleOptions): DaemonModule & { scheduler(): Scheduler | undefined } {
  const wrap = options.wrap ?? ((r: ProbeRunner) => r);
  const runners = options.runners.map(wrap);
  const abort = new AbortController();
  // Every run in flight listens to this one signal (daemon shutdown): as many listeners as probes
  // running at once, bounded by the config, not a leak.
  setMaxListeners(0, abort.signal);
  const last = new Map<string, ProbeResult>();
  let scheduler: Scheduler | undefined;
  let ctxRef: DaemonContext | undefined;
  let runOne: ((r: ProbeRunner) => Promise<ProbeResult>) | undefined;

  return {
    name: 'probes',
    scheduler: () => scheduler,
    register(ctx) {
      ctxRef = ctx;
      const { metrics } = options;
      const phaseHistogram = new Map(ctx.config.probes.map((p) => [p.name, p.phaseHistogram]));
      for (const r of runners) metrics.declare({ name: r.name, target: r.target, kind: r.kind, phaseHistogram: phaseHistogram.get(r.name) ?? false });
      const log = ctx.logger.child({ component: 'probes' });
      runOne = async (runner) => {
        const result = await runner.run({ traceContext: newTraceContext(), signal: abort.signal });
        metrics.observe(result);
        last.set(runner.name, result);
        if (!result.ok) log.debug({ probe: result.probe, reason: result.reason, message: result.message }, 'probe failed');
        ctx.events.emit('probe:result', result);
        return result;
      };
      scheduler = createScheduler({
        clock: ctx.clock,
        ...(options.random === undefined ? {} : { random: options.random }),
        onSkipped: (job, at) => {
          metrics.skipped(job);
          ctx.events.emit('probe:skipped', { probe: job, at });
          log.warn({ probe: job }, 'probe still running when due again; run skipped');
        },
        onStarted: (job, _due, lateMs) => metrics.started(job, lateMs / 1000),
        onError: (job, err) => log.error({ probe: job, err }, 'probe run threw (a bug: failures should be data)'),
      });
      const byName = new Map(ctx.config.probes.map((p) => [p.name, p]));
      for (const runner of runners) {
        const p = byName.get(runner.name);
        if (p === undefined) continue;
        const schedule = p.cron !== undefined ? { cron: p.cron } : { everyMs: p.every ?? 60_000 };
        scheduler.add({ name: runner.name, schedule, run: async () => { await runOne?.(runner); } });
      }
      const service: ProbeService = {
        list: () => runners.map((r) => ({ name: r.name, kind: r.kind, target: r.target })),
        last: () => last,
        runNow: async (name) => {
          const r = runners.find((x) => x.name === name);
          return r === undefined || runOne === undefined ? undefined : runOne(r);
        },
      };
      ctx.services.set('probes', service);
    },
    start() {
      scheduler?.start();
      ctxRef?.logger.info({ probes: runners.length }, 'probes scheduled');
    },
    async stop() {
      await scheduler?.stop(3000);
      abort.abort();
      await Promise.allSettled(runners.map((r) => r.close?.()));
    },
  };
}
