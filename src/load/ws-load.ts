/**
 * WebSocket load against an echo + publish/subscribe endpoint (the demo target's `/ws`
 * protocol): hold N connections opened at a limited connect rate, measure connect time, echo
 * round trips matched by message id, broadcast fan-out delivery (one publish, every subscriber
 * receives it) and, optionally, how long dropped connections take to come back. Send times are
 * taken from this process's clock, so fan-out latency needs no clock agreement with the server.
 * An echo unanswered after `timeout` is expired as a `timeout` error when it expires (so pending
 * echoes stay bounded), and a connection the server closes is reconnected and counted as a drop.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { RawData } from 'ws';
import type { LoadConfig, WsLoadConfig } from '../config/sections/loads.js';
import { systemClock } from '../core/clock.js';
import type { TimerHandle } from '../core/clock.js';
import { createLatencyHistogram, recordMicros, summarize } from './histogram.js';
import { planLoad } from './plan.js';
import type { LoadBase } from './plan.js';
import type { LoadProgress, LoadResult, WsResult } from './result.js';
import { buildResult } from './run-load.js';
import type { LoadRunHandle, LoadRunOptions } from './run-load.js';
import { SelfWatch } from './self-watch.js';
import { LoadStats, errorClass } from './stats.js';
import { evaluateThresholds, parseThreshold } from './thresholds.js';
import { ABORT_ON_FAIL_PREFIX } from './result.js';

const CONNECT = 0;
const ECHO = 1;
const FANOUT = 2;

interface Conn {
  index: number;
  ws: WebSocket | undefined;
  open: boolean;
  seq: number;
  pending: Map<string, number>;
  echoTimer: TimerHandle | undefined;
}

/** Starts a WebSocket load run. */
export function startWsLoadRun(load: LoadConfig, cfg: WsLoadConfig, base: LoadBase, options: LoadRunOptions = {}): LoadRunHandle {
  const clock = options.clock ?? systemClock;
  const runId = options.runId ?? randomUUID();
  const planned = planLoad(load, base);
  const perEndpoint = Object.entries(cfg.thresholds ?? {}).flatMap(([endpoint, map]) => Object.entries(map ?? {}).map(([k, v]) => parseThreshold(k, v, endpoint)));
  const plan = { ...planned, endpoints: ['ws connect', 'ws echo', 'ws fanout'], thresholds: [...planned.thresholds, ...perEndpoint] };
  const random = options.random ?? Math.random;
  const url = wsUrl(cfg, base);
  plan.origin = url;
  const durationMs = load.duration ?? 10_000;
  const stats = new LoadStats(plan.endpoints);
  const bound = options.metrics?.bind(plan.name, plan.endpoints);
  const watch = new SelfWatch(plan.saturationLagMs);
  const connectHist = createLatencyHistogram();
  const echoHist = createLatencyHistogram();
  const fanoutHist = createLatencyHistogram();
  const conns: Conn[] = [];
  const ws: WsResult = {
    connections: { target: cfg.connections, opened: 0, failed: 0, peak: 0 },
    connectMs: summarize(connectHist), echoRttMs: summarize(echoHist), fanoutMs: summarize(fanoutHist),
    echo: { sent: 0, received: 0, lost: 0 },
    fanout: { published: 0, expectedDeliveries: 0, delivered: 0 },
    reconnect: { dropped: 0, recovered: 0, recoveryMs: null },
  };
  const startedAt = clock.now();
  const timers = new Set<TimerHandle>();
  const later = (fn: () => void, ms: number) => {
    const t = clock.setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };
  let stopping = false;
  let aborted: LoadResult['aborted'] = null;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  let openCount = 0;
  let publishSeq = 0;
  /** Dropped connections (planned drop or closed by the server) → when they dropped. */
  const dropped = new Map<number, number>();
  const connectQueue: Conn[] = [];
  let last: LoadProgress = progress(0, null);

  function progress(rps: number, p95: number | null): LoadProgress {
    const o = stats.overall(clock.now());
    return { runId, name: plan.name, phase: stopping ? 'done' : 'run', elapsedSeconds: Math.round((clock.now() - startedAt) / 100) / 10, totalSeconds: durationMs / 1000, requests: o.requests, errors: o.errors, rps, p95Ms: p95, vus: openCount, droppedIterations: 0 };
  }

  const record = (endpoint: number, ms: number, ok: boolean, cls: ReturnType<typeof errorClass> | '2xx' = ok ? '2xx' : 'error') => {
    stats.record(endpoint, ms * 1000, cls, !ok);
    bound?.observer(endpoint, ms / 1000, cls);
  };

  /** Sends only on an open socket: a reconnecting slot may hold one that is still connecting. */
  const sendIfOpen = (sock: WebSocket | undefined, data: string): boolean => {
    if (sock === undefined || sock.readyState !== WebSocket.OPEN) return false;
    sock.send(data);
    return true;
  };

  /** Detaches a slot from its socket: the socket's late events then no longer touch the slot. */
  const detach = (c: Conn): WebSocket | undefined => {
    const sock = c.ws;
    if (c.open) openCount--;
    c.open = false;
    c.ws = undefined;
    c.echoTimer?.cancel();
    c.echoTimer = undefined;
    return sock;
  };

  /** Counts a drop (planned or not) and queues the slot for reconnection. */
  const dropAndReconnect = (c: Conn) => {
    if (!dropped.has(c.index)) {
      dropped.set(c.index, clock.now());
      ws.reconnect.dropped++;
    }
    enqueue(c);
  };

  const connect = (c: Conn) => {
    if (stopping || ended) return;
    const t0 = clock.now();
    // A reconnect replaces the slot's socket; the old one's late 'close' must not touch the new.
    detach(c);
    const sock = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: cfg.timeout, headers: { ...(base.headers ?? {}), ...(load.headers ?? {}) } });
    c.ws = sock;
    sock.on('open', () => {
      if (c.ws !== sock) return;
      const ms = clock.now() - t0;
      recordMicros(connectHist, ms * 1000);
      record(CONNECT, ms, true);
      c.open = true;
      openCount++;
      ws.connections.opened++;
      ws.connections.peak = Math.max(ws.connections.peak, openCount);
      if (cfg.publishInterval > 0) sendIfOpen(sock, JSON.stringify({ type: 'subscribe', id: `s-${c.index}` }));
      scheduleEcho(c);
      const droppedAt = dropped.get(c.index);
      if (droppedAt !== undefined) {
        dropped.delete(c.index);
        ws.reconnect.recovered++;
        // The longest any dropped connection took to come back (for the planned drop: until all were back).
        const took = Math.round((clock.now() - droppedAt) * 1000) / 1000;
        ws.reconnect.recoveryMs = Math.max(ws.reconnect.recoveryMs ?? 0, took);
      }
    });
    sock.on('message', (data: RawData) => onMessage(c, data));
    sock.on('error', (err: Error & { code?: unknown }) => {
      if (c.ws === sock && !c.open && !stopping) {
        ws.connections.failed++;
        record(CONNECT, clock.now() - t0, false, errorClass(err));
      }
    });
    sock.on('close', () => {
      if (c.ws !== sock) return;
      const wasOpen = c.open;
      detach(c);
      if (stopping || ended) return;
      // Closed by the server (or the network): a drop; a failed reconnection tries again.
      if (wasOpen || dropped.has(c.index)) dropAndReconnect(c);
    });
  };

  const scheduleEcho = (c: Conn) => {
    // Spread the first echo over the interval so connections do not send in lock-step.
    const first = random() * cfg.echoInterval;
    const send = () => {
      if (stopping || !c.open) return;
      const id = `${c.index}-${c.seq}`;
      if (sendIfOpen(c.ws, JSON.stringify({ type: 'echo', id }))) {
        c.seq++;
        c.pending.set(id, clock.now());
        ws.echo.sent++;
      }
      c.echoTimer = later(send, cfg.echoInterval);
    };
    c.echoTimer = later(send, first);
  };

  const onMessage = (c: Conn, data: RawData) => {
    const now = clock.now();
    let msg: { type?: unknown; id?: unknown; payload?: unknown; receivers?: unknown };
    try {
      msg = JSON.parse(data.toString()) as typeof msg;
    } catch {
      return;
    }
    if (msg.type === 'echo' && typeof msg.id === 'string') {
      const sentAt = c.pending.get(msg.id);
      if (sentAt === undefined) return;
      c.pending.delete(msg.id);
      ws.echo.received++;
      recordMicros(echoHist, (now - sentAt) * 1000);
      record(ECHO, now - sentAt, true);
    } else if (msg.type === 'broadcast') {
      const sentAt = (msg.payload as { sentAt?: unknown } | null)?.sentAt;
      if (typeof sentAt !== 'number') return;
      ws.fanout.delivered++;
      recordMicros(fanoutHist, (now - sentAt) * 1000);
      record(FANOUT, now - sentAt, true);
    } else if (msg.type === 'published' && typeof msg.receivers === 'number') {
      ws.fanout.expectedDeliveries += msg.receivers;
    }
  };

  const publish = () => {
    if (stopping) return;
    const pub = conns.find((c) => c.open && c.ws?.readyState === WebSocket.OPEN);
    if (sendIfOpen(pub?.ws, JSON.stringify({ type: 'publish', id: `p-${publishSeq}`, payload: { sentAt: clock.now() } }))) {
      publishSeq++;
      ws.fanout.published++;
    }
    later(publish, cfg.publishInterval);
  };

  // Connections open at `connectRate`; reconnections go through the same queue.
  const connectEvery = 1000 / cfg.connectRate;
  let pumping = false;
  const pump = () => {
    const c = connectQueue.shift();
    if (c === undefined || stopping) {
      pumping = false;
      return;
    }
    connect(c);
    later(pump, connectEvery);
  };
  const enqueue = (c: Conn) => {
    connectQueue.push(c);
    if (!pumping) {
      pumping = true;
      pump();
    }
  };

  /** Expires echoes unanswered after the timeout: counted as lost `timeout` errors now, not at the end. */
  const expireEchoes = () => {
    const now = clock.now();
    for (const c of conns) {
      for (const [id, sentAt] of c.pending) {
        // Insertion order is send order: the first young one ends the scan.
        if (now - sentAt < cfg.timeout) break;
        c.pending.delete(id);
        ws.echo.lost++;
        record(ECHO, cfg.timeout, false, 'timeout');
      }
    }
  };
  const expireEvery = Math.max(20, Math.min(1000, cfg.timeout / 4));
  const expiry = () => {
    if (stopping || ended) return;
    expireEchoes();
    later(expiry, expireEvery);
  };

  const tick = () => {
    if (stopping) return;
    const gen = watch.sample();
    bound?.setActiveVus(openCount);
    bound?.setGeneratorLag(gen.lagMs / 1000);
    const p = stats.tick(clock.now(), { vus: openCount, ...gen });
    last = progress(p?.rps ?? 0, p?.p95 ?? null);
    options.onProgress?.(last);
    if (plan.abortOnFail && clock.now() - startedAt >= plan.abortDelayMs && plan.thresholds.length > 0) {
      const failed = evaluateThresholds(plan.thresholds, (e) => stats.thresholdInput(e, clock.now())).find((o) => !o.ok);
      if (failed !== undefined) stop(`${ABORT_ON_FAIL_PREFIX}threshold ${failed.expression} failed (measured ${String(failed.value)})`);
    }
    later(tick, 1000);
  };

  let ended = false;
  function stop(reason: string): void {
    if (ended) return;
    ended = true;
    aborted = { reason, atSeconds: Math.round(stats.elapsedSeconds(clock.now()) * 10) / 10 };
    finish();
  }

  watch.start();
  stats.begin(startedAt);
  for (let i = 0; i < cfg.connections; i++) {
    const c: Conn = { index: i, ws: undefined, open: false, seq: 0, pending: new Map(), echoTimer: undefined };
    conns.push(c);
    enqueue(c);
  }
  if (cfg.publishInterval > 0) later(publish, cfg.publishInterval);
  if (cfg.dropConnections > 0) {
    later(() => {
      const victims = conns.filter((c) => c.open).slice(0, cfg.dropConnections);
      for (const c of victims) {
        detach(c)?.terminate();
        dropAndReconnect(c);
      }
    }, durationMs / 2);
  }
  later(tick, 1000);
  later(expiry, expireEvery);
  const endTimer = clock.setTimeout(() => {
    ended = true;
    finish();
  }, durationMs);

  const done = (async (): Promise<LoadResult> => {
    await finished;
    endTimer.cancel();
    const end = clock.now();
    if (stats.openWindowSeconds(end) >= 0.2) stats.tick(end, { vus: openCount, ...watch.sample() });
    // Echoes past the timeout are lost (normally expired already); younger ones are simply cut off.
    expireEchoes();
    stopping = true;
    stats.end(end);
    for (const t of timers) t.cancel();
    timers.clear();
    watch.stop();
    bound?.setActiveVus(0);
    await Promise.all(conns.map((c) => closeSocket(c.ws)));
    ws.connectMs = summarize(connectHist);
    ws.echoRttMs = summarize(echoHist);
    ws.fanoutMs = summarize(fanoutHist);
    const result = { ...buildResult(plan, runId, stats, [], watch, startedAt, end, aborted), executor: 'websocket', ws };
    last = { ...progress(0, null), phase: 'done' };
    options.onProgress?.(last);
    return result;
  })();

  return { runId, done, stop, progress: () => last };
}

function wsUrl(cfg: WsLoadConfig, base: LoadBase): string {
  if (cfg.url !== undefined) return cfg.url;
  const u = new URL(base.url);
  u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  u.pathname = u.pathname.replace(/\/+$/, '') + (cfg.path ?? '/ws');
  return u.toString();
}

function closeSocket(sock: WebSocket | undefined): Promise<void> {
  if (sock === undefined || sock.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      sock.terminate();
      resolve();
    }, 1000);
    sock.once('close', () => {
      clearTimeout(t);
      resolve();
    });
    if (sock.readyState === WebSocket.CONNECTING) sock.terminate();
    else sock.close();
  });
}
