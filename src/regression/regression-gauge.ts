/** `perfwarden_load_regression{run}`: 1 when the run regressed against its baseline, 0 when not. */
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { RegressionReport } from './types.js';

/** The gauge's handle. */
export interface RegressionGauge {
  /** Sets the run's value (a run without a baseline is not exported). */
  observe(report: RegressionReport): void;
  /** Removes a run's series (bounded cardinality: only recent runs stay). */
  forget(runId: string): void;
}

/** Registers the gauge on `registry` (never the global one); keeps at most `maxRuns` series. */
export function createRegressionGauge(registry: Registry, maxRuns = 20): RegressionGauge {
  const existing = registry.getSingleMetric('perfwarden_load_regression');
  const gauge = existing instanceof Gauge
    ? (existing as Gauge<'run'>)
    : new Gauge({ name: 'perfwarden_load_regression', help: 'Whether a load run regressed against its baseline (1) or not (0).', labelNames: ['run'], registers: [registry] });
  const order: string[] = [];
  return {
    observe(report) {
      if (report.verdict === 'no-baseline') return;
      gauge.set({ run: report.runId }, report.verdict === 'regression' ? 1 : 0);
      if (!order.includes(report.runId)) order.push(report.runId);
      while (order.length > maxRuns) {
        const old = order.shift();
        if (old !== undefined) gauge.remove({ run: old });
      }
    },
    forget(runId) {
      gauge.remove({ run: runId });
      const i = order.indexOf(runId);
      if (i >= 0) order.splice(i, 1);
    },
  };
}
