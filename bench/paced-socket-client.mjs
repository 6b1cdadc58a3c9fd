/* global process, setTimeout, setImmediate, URL, Buffer */
/**
 * The floor for the open model's latency at a low rate: one bare TCP socket sends `GET /` and,
 * after each answer, waits a fixed pause before the next (as an open-model generator at 200/s
 * idles between sends), timing each request from its write to the end of its answer. With
 * `spin`, the event loop is kept busy (setImmediate) between sends, so the client never sleeps:
 * what remains is the target's own wake-up. Plain JS so no loader runs in the measured process.
 * Usage: node bench/paced-socket-client.mjs http://HOST:PORT PAUSE_MS SECONDS [spin]
 * Prints one JSON line: { requests, errors, seconds, p50Ms, p99Ms }.
 */
import net from 'node:net';
import { onAnswers } from './nginx-answers.mjs';

const [origin = '', pauseText = '5', secondsText = '4', mode = ''] = process.argv.slice(2);
const { hostname, port } = new URL(origin);
const pauseMs = Number(pauseText);
const seconds = Number(secondsText);
const request = Buffer.from(`GET / HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`);
const latencies = [];
let errors = 0;
let sentAt = 0n;
let done = false;

const socket = net.connect({ host: hostname, port: Number(port), noDelay: true });
socket.on('error', () => { errors++; done = true; });
const send = () => {
  if (done) return;
  sentAt = process.hrtime.bigint();
  socket.write(request);
};
onAnswers(socket, () => {
  latencies.push(Number(process.hrtime.bigint() - sentAt) / 1e6);
  setTimeout(send, pauseMs);
}, () => { errors++; });
socket.once('connect', () => {
  if (mode === 'spin') {
    const spin = () => { if (!done) setImmediate(spin); };
    spin();
  }
  setTimeout(() => { done = true; socket.destroy(); report(); }, seconds * 1000);
  send();
});

function report() {
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] ?? null;
  process.stdout.write(`${JSON.stringify({ requests: latencies.length, errors, seconds, p50Ms: q(0.5), p99Ms: q(0.99) })}\n`);
}
