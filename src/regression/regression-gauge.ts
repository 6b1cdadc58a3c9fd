/**
 * `perfwarden_load_regression{run}`: 1 when the latest compared run of a load regressed against
 * its baseline, 0 when not. `run` is the load's name, as on every other `perfwarden_load_*`
 * metric (so dashboards can filter by `$run`), which also bounds cardinality by the config.
 */
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { RegressionReport } from './types.js';

/** The gauge's handle. */
export interface RegressionGauge {
  /** Sets the load's value from its latest comparison (a run without a baseline changes nothing). */
  observe(load: string, report: RegressionReport): void;
}

/** Registers the gauge on `registry` (never the global one). */
export function createRegressionGauge(registry: Registry): RegressionGauge {
  const existing = registry.getSingleMetric('perfwarden_load_regression');
  const gauge = existing instanceof Gauge
    ? (existing as Gauge<'run'>)
    : new Gauge({ name: 'perfwarden_load_regression', help: 'Whether the latest compared run of a load regressed against its baseline (1) or not (0).', labelNames: ['run'], registers: [registry] });
  return {
    observe(load, report) {
      if (report.verdict === 'no-baseline') return;
      gauge.set({ run: load }, report.verdict === 'regression' ? 1 : 0);
    },
  };
}
