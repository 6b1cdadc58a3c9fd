/**
 * One perfwarden generator run in its own process (so the benchmark measures its CPU alone):
 * `tsx bench/perfwarden-worker.ts URL CONNECTIONS DURATION_MS closed|open [RATE]`, prints the
 * result's summary, latency and generator figures as one JSON line.
 */
import { planLoad } from '../src/load/plan.js';
import { startLoadRun } from '../src/load/run-load.js';
import type { LoadConfig } from '../src/config/sections/loads.js';

const [url = '', connectionsText = '50', durationText = '10000', mode = 'closed', rateText = '2000'] = process.argv.slice(2);
const connections = Number(connectionsText);
const duration = Number(durationText);
const load: LoadConfig = {
  name: 'bench',
  url,
  executor: mode === 'open' ? 'constant-arrival-rate' : 'constant-vus',
  vus: connections,
  rate: Number(rateText),
  timeUnit: 1000,
  maxVUs: Math.max(connections, 200),
  connections,
  duration,
  warmup: 0,
  timeout: 10_000,
  abortOnFail: false,
  abortDelay: 10_000,
  saturationLag: 50,
  scenarios: [{ name: 'get', weight: 1, requests: [{ method: 'GET', path: new URL(url).pathname }] }],
};
const result = await startLoadRun(planLoad(load, { url: new URL(url).origin })).done;
process.stdout.write(`${JSON.stringify({ summary: result.summary, latencyMs: result.latencyMs, generator: result.generator })}\n`);
