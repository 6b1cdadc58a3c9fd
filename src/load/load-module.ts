/**
 * The load module: runs configured loads inside the daemon, on their cron schedules or when
 * triggered (API), one run at a time, with live Prometheus metrics, daemon events and (when the
 * "tracing" service is on) run, stage and sampled request spans; keeps each
 * result in a run store (and in SQLite history, with regression comparison, when that service
 * is present). The engine measures real time, so runs use the system clock; only scheduling
 * follows the daemon's clock.
 */
import { randomUUID } from 'node:crypto';
import type { LoadConfig } from '../config/sections/loads.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { PwError, coerceError } from '../core/errors.js';
import type { DaemonContext, DaemonModule } from '../daemon/module.js';
import { createScheduler } from '../scheduler/scheduler.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { renderHtml, renderMarkdown } from '../report/index.js';
import { loadRunTracer } from '../telemetry/load-run-tracer.js';
import { traceLoadRun } from '../telemetry/trace-load.js';
import type { Tracing } from '../telemetry/tracing.js';
import { LOADS_SERVICE } from './load-service.js';
import type { LoadInfo, LoadService } from './load-service.js';
import { LoadMetrics } from './metrics.js';
import { startLoad } from './driver.js';
import type { LoadRunHandle } from './driver.js';
import { resolveLoadBase } from './plan/plan.js';
import type { Segment } from './plan/segment.js';
import { abortText } from './result/judge.js';
import { runHealthConfig } from './target/run-health-config.js';
import type { TargetResult } from './target/run-health.js';

type AlertDuringRun = TargetResult['alerts'][number];
import type { LoadResult } from './result/result.js';
import { LOAD_RUN_STORE_SERVICE, createMemoryRunStore } from './run-store.js';
import type { RunStore, StoredLoadRun } from './run-store.js';

/** Options of the load module. */
export interface LoadModuleOptions {
  /**
   * Where results are kept. Default: the service "load-run-store" if a module provides one,
   * else the newest runs in memory.
   */
  store?: RunStore;
  /** The clock of the engine (default: the system clock). */
  engineClock?: Clock;
  /** The share of every scheduled load this daemon runs (`perfwarden start --shard i/N`). */
  segment?: Segment;
}

interface HistoryLike {
  recordFinishedRun(run: { id: string; load: string; status: 'finished' | 'aborted' | 'error'; verdict: string | undefined; startedAt: number; finishedAt: number | undefined; result: unknown }, reports?: { html?: string; markdown?: string }): unknown;
}

interface CurrentRun {
  runId: string;
  load: string;
  handle: LoadRunHandle | undefined;
  done: Promise<LoadResult | undefined>;
}

interface TargetLike {
  baseUrl: string;
  headers?: Readonly<Record<string, string>>;
}

/** Creates the load module. */
export function createLoadModule(options: LoadModuleOptions = {}): DaemonModule & { service(): LoadService | undefined } {
  let service: LoadService | undefined;
  let scheduler: Scheduler | undefined;
  let current: CurrentRun | undefined;
  const waiting = new Map<string, Promise<LoadResult | undefined>>();

  return {
    name: 'loads',
    service: () => service,
    register(ctx: DaemonContext) {
      const log = ctx.logger.child({ component: 'loads' });
      const loads = ctx.config.loads;
      const metrics = new LoadMetrics(ctx.registry);
      // The store is chosen at first use: another module (SQLite history) may register one as
      // the service "load-run-store" after this module registered.
      let fallback: RunStore | undefined;
      const storeOf = (): RunStore => {
        if (options.store !== undefined) return options.store;
        const provided = ctx.services.get(LOAD_RUN_STORE_SERVICE) as Partial<RunStore> | undefined;
        if (typeof provided?.save === 'function' && typeof provided.get === 'function' && typeof provided.list === 'function') return provided as RunStore;
        return (fallback ??= createMemoryRunStore());
      };
      const store: RunStore = {
        save: (run) => storeOf().save(run),
        get: (runId) => storeOf().get(runId),
        list: (o) => storeOf().list(o),
      };
      const targets = () => ctx.services.get('targets') as ReadonlyMap<string, TargetLike> | undefined;
      const tracing = () => {
        const t = ctx.services.get('tracing') as Tracing | undefined;
        return t?.enabled === true ? t : undefined;
      };
      const history = () => {
        const h = ctx.services.get('history') as Partial<HistoryLike> | undefined;
        return typeof h?.recordFinishedRun === 'function' ? (h as HistoryLike) : undefined;
      };

      const healthOf = (load: LoadConfig, baseUrl: string) => {
        const h = runHealthConfig(load.health, ctx.config.targets.find((t) => t.name === load.target)?.resources, baseUrl);
        return h === undefined ? {} : { health: h };
      };

      const execute = (load: LoadConfig, trigger: 'schedule' | 'manual'): { runId: string } => {
        if (current !== undefined) throw new PwError('PW_ERR_CONFLICT', `load run ${current.runId} (${current.load}) is in progress; one run at a time`);
        const runId = randomUUID();
        const startedAt = Date.now();
        const entry: CurrentRun = { runId, load: load.name, handle: undefined, done: Promise.resolve(undefined) };
        current = entry;
        // A span per run and per stage, and sampled request spans (telemetry.loadRequestSampleRatio).
        const t = tracing();
        const trace = t === undefined ? undefined : traceLoadRun(t, { run: load.name, attributes: { 'perfwarden.run_id': runId, 'perfwarden.trigger': trigger } }, ctx.config.telemetry.loadRequestSampleRatio);
        const tracer = trace === undefined || t === undefined ? undefined : loadRunTracer(trace, options.engineClock ?? systemClock);
        let stopListening: (() => void) | undefined;
        entry.done = (async (): Promise<LoadResult | undefined> => {
          const save = (run: StoredLoadRun) => store.save(run).catch((thrown: unknown) => log.error({ err: coerceError(thrown), runId }, 'cannot store load run'));
          try {
            const base = resolveLoadBase(load, (name) => {
              const t = targets()?.get(name);
              return t === undefined ? undefined : { url: t.baseUrl, ...(t.headers === undefined ? {} : { headers: t.headers }) };
            });
            await save({ runId, load: load.name, status: 'running', startedAt });
            ctx.events.emit('load:started', { runId, load: load.name, startedAt, trigger });
            log.info({ runId, load: load.name, trigger }, 'load run started');
            // The alerts that fired, escalated or resolved while the run went belong in its report.
            const alertsDuring: AlertDuringRun[] = [];
            stopListening = ctx.events.on('alert:transition', (t) => {
              if (t.kind === 'repeat') return;
              alertsDuring.push({ alert: t.alert, severity: t.severity, state: t.kind, at: new Date(t.at).toISOString(), summary: `${t.subject}: ${t.measure} ${t.valueText} (${t.threshold})` });
            });
            entry.handle = startLoad(load, base, {
              runId,
              metrics,
              workers: load.workers,
              ...healthOf(load, base.url),
              // A shard of a scheduled load starts on the second boundary two seconds after the tick,
              // the same instant on every replica whatever its worker start-up took.
              ...(options.segment === undefined ? {} : { segment: options.segment, ...(trigger === 'schedule' ? { startAt: (Math.floor(Date.now() / 1000) + 2) * 1000 } : {}) }),
              ...(options.engineClock === undefined ? {} : { clock: options.engineClock }),
              onProgress: (p) => ctx.events.emit('load:progress', p),
              ...(tracer === undefined ? {} : { tracer }),
            });
            const measured = await entry.handle.done;
            stopListening?.();
            const result = measured.health === undefined ? measured : { ...measured, health: { ...measured.health, alerts: alertsDuring } };
            tracer?.close();
            trace?.end({ verdict: result.verdict, ...(result.aborted === null ? {} : { error: `aborted: ${abortText(result.aborted)}` }) });
            const status = result.aborted === null || result.aborted.cause === 'threshold' ? 'finished' : 'aborted';
            const finishedAt = Date.now();
            await save({ runId, load: load.name, status, startedAt, finishedAt, verdict: result.verdict, result });
            try {
              history()?.recordFinishedRun({ id: runId, load: load.name, status, verdict: result.verdict, startedAt, finishedAt, result }, { html: renderHtml(result), markdown: renderMarkdown(result) });
            } catch (thrown) {
              log.error({ err: coerceError(thrown), runId }, 'cannot record load run in history');
            }
            ctx.events.emit('load:finished', { runId, load: load.name, status, result });
            log.info({ runId, load: load.name, verdict: result.verdict, requests: result.summary.requests, p95: result.latencyMs.p95 }, 'load run finished');
            return result;
          } catch (thrown) {
            const err = coerceError(thrown);
            tracer?.close();
            trace?.end({ error: err.message });
            await save({ runId, load: load.name, status: 'error', startedAt, finishedAt: Date.now(), message: err.message });
            ctx.events.emit('load:finished', { runId, load: load.name, status: 'error', message: err.message });
            log.error({ runId, load: load.name, err }, 'load run could not run');
            return undefined;
          } finally {
            stopListening?.();
            if (current === entry) current = undefined;
            waiting.delete(runId);
          }
        })();
        waiting.set(runId, entry.done);
        return { runId };
      };

      scheduler = createScheduler({
        clock: ctx.clock,
        // Loads start at their cron time exactly (no spread): the shards of a load, each on its
        // own replica, must fire at the same tick.
        spread: false,
        onSkipped: (job) => log.warn({ load: job }, 'load still running when due again; run skipped'),
        onError: (job, err) => log.error({ load: job, err }, 'scheduled load threw'),
      });
      for (const load of loads) {
        if (load.cron === undefined) continue;
        scheduler.add({
          name: load.name,
          schedule: { cron: load.cron },
          run: async () => {
            if (current !== undefined) {
              log.warn({ load: load.name, running: current.load }, 'another load run is in progress; scheduled run skipped');
              return;
            }
            const { runId } = execute(load, 'schedule');
            await waiting.get(runId);
          },
        });
      }

      service = {
        list: () => {
          const next = scheduler?.nextRuns() ?? {};
          return loads.map((l): LoadInfo => {
            const nextRunAt = next[l.name];
            return {
              name: l.name,
              executor: l.ws === undefined ? l.executor : 'websocket',
              kind: l.ws === undefined ? 'http' : 'ws',
              target: l.target ?? l.url ?? '',
              ...(l.cron === undefined ? {} : { cron: l.cron }),
              ...(nextRunAt === undefined ? {} : { nextRunAt }),
              running: current?.load === l.name,
            };
          });
        },
        runs: (o) => store.list(o),
        result: async (runId) => (await store.get(runId))?.result,
        current: () => current?.handle?.progress(),
        trigger: (name) => {
          const load = loads.find((l) => l.name === name);
          if (load === undefined) throw new PwError('PW_ERR_NOT_FOUND', `no load named "${name}"`);
          return execute(load, 'manual');
        },
        abort: (runId, reason) => {
          if (current?.runId !== runId || current.handle === undefined) return false;
          current.handle.stop(reason);
          return true;
        },
        waitFor: async (runId) => {
          const w = waiting.get(runId);
          if (w !== undefined) return w;
          return (await store.get(runId))?.result;
        },
      };
      ctx.services.set(LOADS_SERVICE, service);
    },
    start(ctx) {
      scheduler?.start();
      const scheduled = ctx.config.loads.filter((l) => l.cron !== undefined).length;
      if (ctx.config.loads.length > 0) ctx.logger.info({ loads: ctx.config.loads.length, scheduled }, 'loads ready');
    },
    async stop(reason) {
      const running = current;
      running?.handle?.stop(`daemon stopping: ${reason}`);
      if (running !== undefined) await Promise.race([running.done, new Promise((r) => systemClock.setTimeout(() => r(undefined), 3000))]);
      await scheduler?.stop(1000);
    },
  };
}
