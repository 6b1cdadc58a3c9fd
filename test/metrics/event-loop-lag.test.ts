/**
 * The daemon's event-loop lag gauges read a timer's lateness: an idle loop near 0 (prom-client's
 * raw time between ticks would never read below the 10 ms resolution), and a stall of S ms
 * between S − 10 and S ms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LAG_RESOLUTION_MS } from '../../src/metrics/event-loop-lag.js';
import { createRegistry } from '../../src/metrics/registry.js';

const ticks = (n: number) => new Promise((resolve) => setTimeout(resolve, n * LAG_RESOLUTION_MS));

async function lagSeconds(registry: ReturnType<typeof createRegistry>): Promise<Record<string, number>> {
  const text = await registry.metrics();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^nodejs_eventloop_lag_(\w+)_seconds (\S+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // a stalled event loop
  }
}

test('the lag gauges read a timer lateness: ~0 idle, a stall within one resolution', async () => {
  const registry = createRegistry();
  await lagSeconds(registry); // starts the window
  await ticks(12);
  const idle = await lagSeconds(registry);
  assert.deepEqual(Object.keys(idle).sort(), ['max', 'mean', 'min', 'p50', 'p90', 'p99', 'stddev']);
  assert.ok(idle.p50! < 0.003, `idle p50 ${idle.p50} s`);
  assert.ok(idle.min! < 0.002, `idle min ${idle.min} s`);

  await ticks(2);
  block(60);
  await ticks(2);
  const stalled = await lagSeconds(registry);
  assert.ok(stalled.max! >= 0.05 && stalled.max! < 0.075, `a 60 ms stall reads max ${stalled.max} s`);

  // Reset on collect: the stall is not in the next scrape's window.
  await ticks(3);
  const after = await lagSeconds(registry);
  assert.ok(after.max! < 0.02, `after the stall's scrape, max ${after.max} s`);
  // prom-client's setImmediate measure stays, under its name, measured by this module.
  const text = await registry.metrics();
  assert.equal(text.match(/^# TYPE nodejs_eventloop_lag_seconds gauge$/gm)?.length, 1);
  const immediate = Number(/^nodejs_eventloop_lag_seconds (\S+)$/m.exec(text)?.[1]);
  assert.ok(immediate > 0 && immediate < 0.05, `one setImmediate's delay reads ${immediate} s`);
});
