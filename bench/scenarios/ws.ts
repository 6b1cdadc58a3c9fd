/**
 * WebSocket echo round trips per CPU-second: perfwarden's WS load at full speed (a config with
 * `ws.echoInterval: 0ms`, since a URL-mode WS load paces echoes every second) vs a bare `ws`
 * client loop (bench/ws-echo-client.mjs), same connections, against perfwarden's demo target's
 * /ws echo (its own pinned process). Rounds interleaved.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../context.js';
import { genOn, loadAverage, pinning } from '../context.js';
import { perfwarden, wsClient } from '../generators.js';
import type { Section } from '../report.js';
import { median, ratio } from '../report.js';
import { interleave, medianRow, perRoundRatios, strip } from '../rounds.js';
import { startDemo } from '../targets.js';


/** Scenario `ws`. */
export async function ws(ctx: BenchContext): Promise<Section> {
  const loadBefore = loadAverage();
  const target = await startDemo(ctx.targetCores, ctx.root, []);
  const c = ctx.connections;
  const d = ctx.durationS;
  const wsOrigin = target.origin.replace(/^http/, 'ws');
  const file = join(ctx.outDir, 'ws-load.yaml');
  writeFileSync(file, `loads:
  - name: ws-echo
    url: ${wsOrigin}
    duration: ${d}s
    workers: 1
    ws: { path: /ws, connections: ${c}, connectRate: 1000, echoInterval: 0ms }
`);
  const gen = genOn(ctx);
  let runs;
  try {
    runs = await interleave(ctx, {
      perfwarden: async () => {
        const r = await perfwarden(gen, 'perfwarden ws', [file]);
        const echo = r.result?.ws;
        // A WS load's "requests" are its echoes; take round trips per second from the echo counts.
        const rps = (echo?.echo.received ?? 0) / (r.result?.summary.durationSeconds ?? d);
        return { ...r, requests: echo?.echo.received ?? 0, rps, perCpuSecond: rps / r.cpuCores, p50Ms: echo?.echoRttMs.p50 ?? null, p99Ms: echo?.echoRttMs.p99 ?? null };
      },
      'bare ws': () => wsClient(gen, `${wsOrigin}/ws`, c, d),
    });
  } finally {
    await target.stop();
  }
  const r = median(runs.perfwarden.map((x) => x.perCpuSecond)) / median(runs['bare ws'].map((x) => x.perCpuSecond));
  return {
    name: 'ws', title: 'WebSocket echo round trips per CPU-second', at: new Date().toISOString(), loadBefore, loadAfter: loadAverage(),
    setup: `${pinning(ctx)} Target: \`perfwarden demo\` (built) /ws echo. perfwarden \`load FILE\` with \`ws: { connections: ${c}, echoInterval: 0ms }\`, \`workers: 1\`, ${d} s, vs \`node bench/ws-echo-client.mjs\` (${c} connections, closed loop); ${ctx.rounds} interleaved rounds, medians.`,
    head: ['generator', 'round trips/s', 'CPU (cores)', 'round trips per CPU-s', 'per round', 'p50 ms', 'p99 ms', 'max RSS MiB', 'errors'],
    rows: [medianRow('perfwarden ws load', runs.perfwarden), medianRow('bare ws client', runs['bare ws'])],
    checks: [{ goal: 'round trips per CPU-second >= 0.8× the bare ws loop', measured: `${ratio(r)} (rounds ${perRoundRatios(runs.perfwarden, runs['bare ws']).map(ratio).join(', ')})`, ok: r >= 0.8 }],
    notes: [],
    raw: strip(runs),
  };
}
