/**
 * How a worker makes VUs for a plan: HTTP VUs over lean HTTP/1.1 connections (plain or TLS), or
 * WebSocket VUs. The only place that knows which transport a plan uses.
 */
import type { LoadPlan } from '../plan/plan.js';
import { shareOf } from '../plan/segment.js';
import type { Segment } from '../plan/segment.js';
import { Http1Connection } from '../transport/http1-connection.js';
import { VuDraws, WorkerDraws } from '../draws/draws.js';
import { HttpVu } from './http-vu.js';
import type { VuHost } from './http-vu.js';
import type { Vu } from './vu.js';
import { WsVuGroup } from './ws-vu.js';

/** Makes VUs, and runs what a kind of load does besides iterations. */
export interface VuStrategy {
  /** The `index`-th VU of this worker. */
  create(index: number): Vu;
  /** A phase of `durationMs` starts (WebSocket: the publisher and the planned drop). */
  startPhase?(durationMs: number): void;
  /** The run ends: cancel whatever `startPhase` scheduled. */
  stop?(): void;
}

/** The strategy of `plan` for one worker's segment. */
export function createVuStrategy(plan: LoadPlan, host: VuHost, segment: Segment): VuStrategy {
  if (plan.ws !== undefined) return new WsVuGroup(plan.ws, host, segment);
  const origin = new URL(plan.origin);
  const hostname = origin.hostname.replace(/^\[|\]$/g, '');
  const tls = origin.protocol === 'https:' ? { rejectUnauthorized: plan.tlsVerify } : undefined;
  // Connections follow the VUs (one each) unless the plan caps them; then VUs share round robin.
  const count = Math.max(1, shareOf(segment, plan.connections));
  const connections: Http1Connection[] = [];
  const connectionFor = (index: number): Http1Connection => {
    const i = index % count;
    let c = connections[i];
    if (c === undefined) {
      c = new Http1Connection({ hostname, port: Number(origin.port || (tls === undefined ? 80 : 443)), authority: origin.host, ...(tls === undefined ? {} : { tls }), timeoutMs: plan.timeoutMs, now: host.now });
      connections[i] = c;
    }
    return c;
  };
  const draws = plan.draws === undefined ? undefined : new WorkerDraws(plan.draws, segment);
  return { create: (index) => new HttpVu(host, connectionFor(index), draws === undefined ? undefined : new VuDraws(draws, plan.slotCount)) };
}
