/* global process, setTimeout, Buffer, console */
/**
 * The floor under the daemon's CPU at many probes (`npm run bench:probes`, phase `floor`): what
 * any Node process pays to do only the unavoidable part of the daemon's work on this machine.
 * - Probes: PROBES timers, each opening a bare TCP socket to the target every EVERY_S seconds,
 *   spread over the interval as the daemon's scheduler does; it writes one GET and reads until the
 *   target closes. Nothing is parsed (beyond spotting the head's end), timed, stored or counted in
 *   a metric.
 * - Scrapes (METRICS_BYTES > 0): GET /metrics answers a fixed exposition of that size (valid text
 *   format, so Prometheus reads all of it), gzipped at level 1 for each scrape and fed to zlib in
 *   256 KiB slices, as the daemon's /metrics does. Nothing is rendered.
 * Plain JS so no loader runs in the measured process.
 * Usage: node bench/probe-floor-daemon.mjs TARGET_PORT PROBES EVERY_S METRICS_BYTES
 * Prints its HTTP port on stdout once listening; runs until killed. GET /stats: how many runs saw
 * the answer's head, and the schedule's jitter since the last /stats (|gap between two starts of
 * a probe - the interval|, ms, as the daemon bench reads it from the daemon's history).
 */
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { createGzip } from 'node:zlib';

const [targetPort, probes, everyS, metricsBytes] = process.argv.slice(2).map(Number);
const everyMs = everyS * 1000;
const request = Buffer.from(`GET /p HTTP/1.1\r\nhost: 127.0.0.1:${targetPort}\r\nconnection: close\r\n\r\n`);

let answered = 0;

function probe() {
  const socket = connect({ host: '127.0.0.1', port: targetPort, noDelay: true }, () => socket.write(request));
  let headSeen = false;
  socket.on('data', (chunk) => {
    if (!headSeen && chunk.includes('\r\n\r\n')) {
      headSeen = true;
      answered++;
    }
  });
  socket.on('error', () => undefined);
}

/** |gap between two starts of a probe - the interval| (ms), as the daemon bench reads it from history. */
const jitter = [];

for (let i = 0; i < probes; i++) {
  // On a grid (due + k·interval), as the daemon's scheduler: lateness does not accumulate.
  let due = Date.now() + (i * everyMs) / probes;
  let last;
  setTimeout(function run() {
    const now = Date.now();
    if (last !== undefined) jitter.push(Math.abs(now - last - everyMs));
    last = now;
    due += everyMs;
    setTimeout(run, Math.max(0, due - now));
    probe();
  }, due - Date.now());
}

/** `bytes` of sample lines shaped like the daemon's bucket lines, in 256 KiB slices. */
function exposition(bytes) {
  const slices = [];
  let lines = ['# HELP floor_probe_sample Filler the size of the daemon\'s exposition.\n# TYPE floor_probe_sample gauge\n'];
  let size = lines[0].length;
  let sliceSize = size;
  for (let n = 0; size < bytes; n++) {
    const line = `floor_probe_sample{probe="p${n % probes}",target="127.0.0.1:${targetPort}",slot="${n % 24}"} ${(n * 7919) % 100_003}\n`;
    lines.push(line);
    size += line.length;
    sliceSize += line.length;
    if (sliceSize >= 262_144) {
      slices.push(Buffer.from(lines.join('')));
      lines = [];
      sliceSize = 0;
    }
  }
  if (lines.length > 0) slices.push(Buffer.from(lines.join('')));
  return slices;
}

const body = metricsBytes > 0 ? exposition(metricsBytes) : [];
const server = createServer((req, res) => {
  if (req.url === '/stats') {
    res.end(JSON.stringify({ answered, jitterMs: jitter.splice(0) }));
    return;
  }
  res.setHeader('content-type', 'text/plain; version=0.0.4; charset=utf-8');
  if (!/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
    for (const slice of body) res.write(slice);
    res.end();
    return;
  }
  res.setHeader('content-encoding', 'gzip');
  const gzip = createGzip({ level: 1 });
  gzip.pipe(res);
  for (const slice of body) gzip.write(slice);
  gzip.end();
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
