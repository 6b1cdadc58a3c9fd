/* global process, setTimeout, clearTimeout, performance, URL, Buffer */
/**
 * The floor for the open model's tail on this machine: a bare open-model client in plain Node
 * (no worker, no windows, no histograms, no GC-heavy bookkeeping) sends `GET /` at RATE per
 * second from the monotonic clock over CONNECTIONS pre-opened keep-alive sockets, each request
 * timed from its intended send (or from when it went out, if that was earlier), like the engine.
 * A send due while every socket is busy is dropped and counted. Whatever tail it sees is the
 * machine's: the event loop waking late (descheduled, a halted vCPU woken by the host) and the
 * target. Plain JS so no loader runs in the measured process.
 * Usage: node bench/open-floor-client.mjs http://HOST:PORT RATE SECONDS [CONNECTIONS=256]
 * Prints one JSON line: { requests, dropped, errors, seconds, p50Ms, p99Ms, p999Ms, maxMs }.
 */
import net from 'node:net';
import { onAnswers } from './nginx-answers.mjs';

const [origin = '', rateText = '5000', secondsText = '60', connectionsText = '256'] = process.argv.slice(2);
const { hostname, port } = new URL(origin);
const rate = Number(rateText);
const seconds = Number(secondsText);
const connections = Number(connectionsText);
const request = Buffer.from(`GET / HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`);
const total = Math.round(rate * seconds);
const latencies = [];
const free = [];
let errors = 0;
let dropped = 0;
let next = 0;
let t0 = 0;
let timer;

const dueAt = (k) => t0 + (k * 1000) / rate;

/** Sends what is due (or due within 1 ms: a timer is no finer), then sleeps until 1 ms before the next. */
function tick() {
  const now = performance.now();
  while (next < total && dueAt(next) <= now + 1) {
    const due = dueAt(next++);
    const socket = free.pop();
    if (socket === undefined) {
      dropped++;
      continue;
    }
    socket.timedFrom = Math.min(due, now);
    socket.write(request);
  }
  if (next >= total) return;
  clearTimeout(timer);
  timer = setTimeout(tick, Math.max(0, dueAt(next) - 1 - performance.now()));
}

function open() {
  const socket = net.connect({ host: hostname, port: Number(port), noDelay: true });
  onAnswers(socket, () => {
    latencies.push(performance.now() - socket.timedFrom);
    free.push(socket);
    tick();
  }, () => { errors++; });
  socket.on('error', () => errors++);
  return socket;
}

const sockets = Array.from({ length: connections }, open);
let connected = 0;
for (const socket of sockets) {
  socket.once('connect', () => {
    free.push(socket);
    if (++connected < connections) return;
    t0 = performance.now();
    tick();
    setTimeout(report, seconds * 1000 + 500);
  });
}

function report() {
  clearTimeout(timer);
  for (const socket of sockets) socket.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p) => {
    const v = latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)];
    return v === undefined ? null : Math.round(v * 1000) / 1000;
  };
  process.stdout.write(`${JSON.stringify({ requests: latencies.length, dropped, errors, seconds, p50Ms: q(0.5), p99Ms: q(0.99), p999Ms: q(0.999), maxMs: q(1) })}\n`);
}
