/* global process, performance, setTimeout */
/**
 * The baseline for perfwarden's WebSocket load: a bare `ws` client loop, no framework. N
 * connections each send `{type:'echo', id}` and send the next as soon as the reply with that id
 * arrives (closed loop, JSON parsed and matched by id, as perfwarden's WS VU does), for S seconds
 * after all are open. Plain JS so no loader runs in the measured process.
 * Usage: node bench/ws-echo-client.mjs ws://HOST:PORT/ws CONNECTIONS SECONDS
 * Prints one JSON line: { roundTrips, errors, seconds, p50Ms, p99Ms }.
 */
import WebSocket from 'ws';

const [url = '', connectionsText = '50', secondsText = '10'] = process.argv.slice(2);
const connections = Number(connectionsText);
const seconds = Number(secondsText);
const rtts = [];
let roundTrips = 0;
let errors = 0;
let running = false;

function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function loop(ws, index) {
  let seq = 0;
  let pendingId = '';
  let sentAt = 0;
  const send = () => {
    pendingId = `${index}-${seq++}`;
    sentAt = performance.now();
    ws.send(JSON.stringify({ type: 'echo', id: pendingId }));
  };
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString());
    if (msg.type !== 'echo' || msg.id !== pendingId) return;
    roundTrips++;
    rtts.push(performance.now() - sentAt);
    if (running) send();
  });
  ws.on('error', () => { errors++; });
  ws.on('close', () => { if (running) errors++; });
  send();
}

const sockets = await Promise.all(Array.from({ length: connections }, () => open()));
running = true;
const started = performance.now();
sockets.forEach((ws, i) => loop(ws, i));
await new Promise((r) => setTimeout(r, seconds * 1000));
running = false;
const elapsed = (performance.now() - started) / 1000;
const count = roundTrips;
for (const ws of sockets) ws.terminate();
rtts.sort((a, b) => a - b);
const pct = (p) => rtts[Math.min(rtts.length - 1, Math.floor(rtts.length * p))] ?? null;
process.stdout.write(`${JSON.stringify({ roundTrips: count, errors, seconds: elapsed, p50Ms: pct(0.5), p99Ms: pct(0.99) })}\n`);
