/** The health daemon module: samples `targets[].resources` and publishes 'health:sample' events and gauges. */
import type { DaemonContext, DaemonModule } from '../daemon/module.js';
import type { ResolvedTarget } from '../probe/types.js';
import { HealthMonitor } from './health-monitor.js';

/** Creates the module (service "health": the monitor, for leak assessments). */
export function createHealthModule(): DaemonModule & { monitor(): HealthMonitor | undefined } {
  let monitor: HealthMonitor | undefined;
  let unsubscribe: (() => void) | undefined;
  return {
    name: 'health',
    monitor: () => monitor,
    register(ctx: DaemonContext) {
      // createDaemon registers the resolved targets (the demo's URL is only known once it listens).
      const resolved = ctx.services.get('targets') as ReadonlyMap<string, ResolvedTarget> | undefined;
      const baseUrl = (name: string) => resolved?.get(name)?.baseUrl;
      const targets = ctx.config.targets.flatMap((t) => {
        if (t.resources === undefined) return [];
        const url = baseUrl(t.name) ?? t.url;
        return [{ name: t.name, resources: t.resources, ...(url === undefined ? {} : { baseUrl: url.replace(/\/+$/, '') }) }];
      });
      const m = new HealthMonitor({ targets, clock: ctx.clock, registry: ctx.registry, onSample: (s) => ctx.events.emit('health:sample', s) });
      monitor = m;
      unsubscribe = ctx.events.on('probe:result', (r) => m.observeProbe(r));
      ctx.services.set('health', m);
    },
    start() {
      monitor?.start();
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = undefined;
      await monitor?.stop();
    },
  };
}
