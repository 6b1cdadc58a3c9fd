/**
 * Not a test: measures the event-loop lag while 10,000 probe results are recorded into a file
 * database (batched, as the daemon does), and for contrast with one transaction per result.
 * Run: `node --import tsx test/history/measure-write-lag.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { systemClock } from '../../src/core/clock.js';
import { createProbeHistory } from '../../src/history/probe-history.js';
import { historyDb, result } from './fixtures.js';

const N = 10_000;
const dir = mkdtempSync(join(tmpdir(), 'pw-lag-'));

async function measure(label: string, flushRows: number): Promise<void> {
  const db = historyDb(join(dir, `${label}.db`));
  const h = createProbeHistory(db, { clock: systemClock, flushIntervalMs: 1000, flushRows });
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const t0 = performance.now();
  let longestRecord = 0;
  // 100 results per macrotask, like a burst of probe completions
  for (let i = 0; i < N; i += 100) {
    for (let j = 0; j < 100; j++) {
      const r = result(`probe-${j % 20}`, Date.now(), 10 + ((i + j) % 90), (i + j) % 50 !== 0);
      const s = performance.now();
      h.record(r); // a flush, when due, runs inside record(): this is the store's own blocking time
      longestRecord = Math.max(longestRecord, performance.now() - s);
    }
    await new Promise<void>((r) => setImmediate(r));
  }
  h.close();
  const wall = performance.now() - t0;
  lag.disable();
  console.log(`${label}: ${N} results in ${wall.toFixed(0)} ms; event-loop lag p50 ${(lag.percentile(50) / 1e6).toFixed(2)} ms, p99 ${(lag.percentile(99) / 1e6).toFixed(2)} ms, max ${(lag.max / 1e6).toFixed(2)} ms; longest single record()/flush ${longestRecord.toFixed(2)} ms`);
  db.close();
}

await measure('batched (flushRows 200, the default)', 200);
await measure('batched (flushRows 1000)', 1000);
await measure('one transaction per result', 1);
rmSync(dir, { recursive: true, force: true });
