/**
 * WebSocket VUs against an echo + publish/subscribe endpoint (the demo target's `/ws` protocol):
 * a VU holds one connection; an iteration is one echo round trip (connecting first when needed),
 * and the closed executor's think time (the echo interval) paces it. Connections open at the
 * connect rate (this worker's share), in batches of whatever is due, so rates above 1,000/s are
 * not capped by a timer floor. A connection closed by the server is an error (with its echo in
 * flight, a `reset`), is counted as dropped and reconnects; one segment also publishes, and every
 * subscriber times the delivery from the publisher's wall clock (threads share it).
 */
import WebSocket from 'ws';
import type { RawData } from 'ws';
import type { TimerHandle } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import type { WsPlan } from '../plan/plan.js';
import { fractionOf, nthOwned, shareOf } from '../plan/segment.js';
import type { Segment } from '../plan/segment.js';
import { connectBackoffMs } from '../transport/connect-backoff.js';
import { transportErrorClass } from '../transport/transport-error.js';
import type { VuHost } from './http-vu.js';
import type { VuStrategy } from './strategy.js';
import type { Vu } from './vu.js';

const CONNECT = 0;
const ECHO = 1;
const FANOUT = 2;

/** The WebSocket VUs of one worker, and what they share: the connect queue and the publisher. */
export class WsVuGroup implements VuStrategy {
  private readonly queue: WsVu[] = [];
  private readonly vus: WsVu[] = [];
  private pumpTimer: TimerHandle | undefined;
  private readonly timers = new Set<TimerHandle>();
  private readonly ratePerMs: number;
  private rateStart = 0;
  private issued = 0;
  private publishSeq = 0;

  constructor(readonly cfg: WsPlan, readonly host: VuHost, private readonly segment: Segment) {
    this.ratePerMs = cfg.connectRatePerMs * fractionOf(segment);
  }

  create(index: number): Vu {
    const vu = new WsVu(this, nthOwned(this.segment, index));
    this.vus.push(vu);
    return vu;
  }

  /** Queues a VU to connect at the connect rate. */
  enqueue(vu: WsVu): void {
    this.queue.push(vu);
    if (this.pumpTimer === undefined) this.pump();
  }

  private pump(): void {
    this.pumpTimer = undefined;
    const now = this.host.now();
    // The rate clock restarts when the queue was idle: a reconnect burst later is paced anew.
    if (this.issued === 0 || now - this.rateStart > (this.issued + 1) / this.ratePerMs + 1000) {
      this.rateStart = now;
      this.issued = 0;
    }
    const due = Math.floor((now - this.rateStart) * this.ratePerMs) + 1 - this.issued;
    const ws = this.host.recorder.ws;
    ws.connectsDue += Math.max(0, Math.min(due, this.queue.length));
    for (let i = 0; i < due && this.queue.length > 0; i++) {
      this.issued++;
      ws.connectsStarted++;
      this.queue.shift()?.connect();
    }
    if (this.queue.length === 0 || this.host.stopped) return;
    const next = this.rateStart + this.issued / this.ratePerMs;
    this.pumpTimer = systemClock.setTimeout(() => this.pump(), Math.max(0, next - this.host.now()));
  }

  private later(fn: () => void, ms: number): void {
    const t = systemClock.setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  startPhase(durationMs: number): void {
    // One publisher for the whole run: the segment that owns connection 0.
    if (this.cfg.publishIntervalMs > 0 && this.segment.offset === 0) {
      const publish = () => {
        if (this.host.stopped) return;
        const from = this.vus.find((vu) => vu.isOpen());
        if (from?.send({ type: 'publish', id: `p-${this.publishSeq}`, payload: { sentAt: this.host.now() } }) === true) {
          this.publishSeq++;
          this.host.recorder.ws.published++;
        }
        this.later(publish, this.cfg.publishIntervalMs);
      };
      this.later(publish, this.cfg.publishIntervalMs);
    }
    const drop = shareOf(this.segment, this.cfg.dropConnections);
    if (drop > 0) this.later(() => {
      for (const vu of this.vus.filter((v) => v.isOpen()).slice(0, drop)) vu.drop();
    }, durationMs / 2);
  }

  stop(): void {
    this.pumpTimer?.cancel();
    this.pumpTimer = undefined;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    this.queue.length = 0;
  }
}

/** One WebSocket connection as a VU. */
class WsVu implements Vu {
  private sock: WebSocket | undefined;
  private connected = false;
  private connectStart = 0;
  private seq = 0;
  private pending: { id: string; sentAt: number } | undefined;
  private failures = 0;
  private droppedAt: number | undefined;
  private planned = false;
  private onIterationDone: (vu: Vu) => void = () => undefined;
  busy = false;
  retiring = false;
  readyAt = 0;

  constructor(private readonly group: WsVuGroup, private readonly index: number) {}

  isOpen(): boolean {
    return this.connected && this.sock?.readyState === WebSocket.OPEN;
  }

  bind(onDone: (vu: Vu) => void): void {
    this.onIterationDone = onDone;
  }

  async open(): Promise<boolean> {
    return true;
  }

  startIteration(): void {
    this.busy = true;
    if (this.isOpen()) this.echo();
    else if (this.sock === undefined) this.group.enqueue(this);
  }

  /** Sends a JSON message on an open socket; false when it is not open. */
  send(message: unknown): boolean {
    if (!this.isOpen()) return false;
    this.sock?.send(JSON.stringify(message));
    return true;
  }

  /** Opens the connection (called by the group's connect queue). */
  connect(): void {
    const { cfg, host } = this.group;
    if (host.stopped) return;
    this.connectStart = host.now();
    const sock = new WebSocket(cfg.url, { perMessageDeflate: false, handshakeTimeout: cfg.timeoutMs, headers: cfg.headers });
    this.sock = sock;
    sock.on('open', () => this.onOpen(sock));
    sock.on('message', (data: RawData) => this.onMessage(sock, data));
    sock.on('error', (err: Error) => this.onFailure(sock, err));
    sock.on('close', (code: number) => this.onClose(sock, code));
  }

  private onOpen(sock: WebSocket): void {
    if (this.sock !== sock) return;
    const { host, cfg } = this.group;
    const now = host.now();
    host.recorder.record(CONNECT, (now - this.connectStart) * 1000, '2xx', false, this.connectStart);
    this.connected = true;
    this.failures = 0;
    this.readyAt = 0;
    const ws = host.recorder.ws;
    ws.opened++;
    ws.open++;
    if (this.droppedAt !== undefined) {
      ws.recovered++;
      ws.recoveryMs = Math.max(ws.recoveryMs ?? 0, Math.round((now - this.droppedAt) * 1000) / 1000);
      this.droppedAt = undefined;
    }
    if (cfg.publishIntervalMs > 0) this.send({ type: 'subscribe', id: `s-${this.index}` });
    if (this.busy) this.echo();
  }

  private echo(): void {
    const { host } = this.group;
    const id = `${this.index}-${this.seq++}`;
    const sentAt = host.now();
    if (!this.send({ type: 'echo', id })) {
      this.finish();
      return;
    }
    this.pending = { id, sentAt };
    host.recorder.ws.echoSent++;
  }

  private onMessage(sock: WebSocket, data: RawData): void {
    if (this.sock !== sock) return;
    const { host } = this.group;
    const now = host.now();
    let msg: { type?: unknown; id?: unknown; payload?: unknown; receivers?: unknown };
    try {
      msg = JSON.parse(data.toString()) as typeof msg;
    } catch {
      return;
    }
    const ws = host.recorder.ws;
    if (msg.type === 'echo' && this.pending !== undefined && msg.id === this.pending.id) {
      const sentAt = this.pending.sentAt;
      this.pending = undefined;
      ws.echoReceived++;
      host.recorder.record(ECHO, (now - sentAt) * 1000, '2xx', false, sentAt);
      this.finish();
    } else if (msg.type === 'broadcast') {
      const sentAt = (msg.payload as { sentAt?: unknown } | null)?.sentAt;
      if (typeof sentAt !== 'number') return;
      ws.delivered++;
      host.recorder.record(FANOUT, Math.max(0, now - sentAt) * 1000, '2xx', false, sentAt);
    } else if (msg.type === 'published' && typeof msg.receivers === 'number') {
      ws.expectedDeliveries += msg.receivers;
    }
  }

  /** A connect failure (the handshake never completed): an error, then back-off. */
  private onFailure(sock: WebSocket, err: Error): void {
    if (this.sock !== sock || this.connected) return;
    const { host } = this.group;
    this.sock = undefined;
    sock.removeAllListeners('close');
    sock.terminate();
    if (host.stopped) return;
    host.recorder.record(CONNECT, (host.now() - this.connectStart) * 1000, transportErrorClass(err as Error & { code?: unknown }), true, this.connectStart);
    host.recorder.ws.failed++;
    this.failures++;
    this.readyAt = host.now() + connectBackoffMs(this.failures, host.random);
    this.finish();
  }

  /** The connection closed: by us (planned drop, end of run) or by the server (an error). */
  private onClose(sock: WebSocket, code: number): void {
    if (this.sock !== sock) return;
    const { host } = this.group;
    const wasOpen = this.connected;
    this.sock = undefined;
    this.connected = false;
    if (wasOpen) host.recorder.ws.open--;
    if (host.stopped) return;
    const now = host.now();
    if (!this.planned) {
      // Closed by the server or the network: the connection failed, and so did the echo in flight.
      host.recorder.record(CONNECT, 0, code === 1000 || code === 1001 ? 'error' : 'reset', true, now);
      if (this.pending !== undefined) {
        host.recorder.record(ECHO, (now - this.pending.sentAt) * 1000, 'reset', true, this.pending.sentAt);
        host.recorder.ws.echoLost++;
        this.pending = undefined;
      }
    }
    this.planned = false;
    if (this.droppedAt === undefined && wasOpen) {
      this.droppedAt = now;
      host.recorder.ws.dropped++;
    }
    if (this.busy) this.finish();
  }

  /** The planned mid-run drop: close abruptly; the VU reconnects on its next iteration. */
  drop(): void {
    this.planned = true;
    this.sock?.terminate();
  }

  checkDeadline(now: number): void {
    const p = this.pending;
    if (p === undefined || now - p.sentAt < this.group.cfg.timeoutMs) return;
    this.pending = undefined;
    this.group.host.recorder.ws.echoLost++;
    this.group.host.recorder.record(ECHO, this.group.cfg.timeoutMs * 1000, 'timeout', true, p.sentAt);
    this.finish();
  }

  private finish(): void {
    if (!this.busy) return;
    this.busy = false;
    if (this.group.host.stopped) return;
    this.group.host.recorder.recordIteration();
    this.onIterationDone(this);
  }

  close(): Promise<void> {
    const sock = this.sock;
    this.sock = undefined;
    if (this.connected) this.group.host.recorder.ws.open--;
    this.connected = false;
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
}
