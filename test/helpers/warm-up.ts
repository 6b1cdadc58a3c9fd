/** Alerts ignore a probe's first window: tests that want an alert at once give its probes an hour of past. */
import type { ProbeResult } from '../../src/probe/types.js';

/** Adds, for each probe, one result an hour before `now`, so their first window is behind them. */
export function warmUp(engine: { store: { addProbeResult(r: ProbeResult): void } }, probes: readonly string[], now: number, target = 'api'): void {
  for (const probe of probes) engine.store.addProbeResult({ probe, target, kind: 'http', url: 'x', ok: true, startedAt: now - 3_600_000, durationSeconds: 0.01, phases: {} });
}
