/**
 * `perfwarden import har` on a real recording: Chromium (playwright-core, recordHar) loads a
 * local page that pulls a stylesheet, a script, an image, a third-party pixel, calls the API,
 * and after the person "thinks" posts an order with a bearer token and a session cookie. The
 * imported config keeps the two bursts of API traffic as scenarios, drops the rest, strips the
 * credentials, and passes `perfwarden validate`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { parse } from 'yaml';
import { runCli } from '../../src/cli/program.js';
import { parseDurationRange } from '../../src/core/units.js';
import { captureIo } from '../helpers/capture-io.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** The person's pause between the page load and the order, recorded as think time. */
const THINK_MS = 1500;

let app: Server;
let thirdParty: Server;
let dir: string;
let harFile: string;
let origin: string;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-har-'));
  harFile = join(dir, 'shop.har');
  thirdParty = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/gif' }).end());
  const thirdPort = await listen(thirdParty);
  app = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': 'session=abc123; Path=/' });
      res.end(`<!doctype html><html><head><link rel="icon" href="data:,"><link rel="stylesheet" href="/app.css"></head>
<body><img src="/logo.png"><img src="http://localhost:${thirdPort}/pixel.gif"><script src="/app.js"></script></body></html>`);
    } else if (url === '/app.css') {
      res.writeHead(200, { 'content-type': 'text/css' }).end('body { margin: 0 }');
    } else if (url === '/logo.png') {
      res.writeHead(200, { 'content-type': 'image/png' }).end();
    } else if (url === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(`
        fetch('/api/items?limit=5').then(() => setTimeout(async () => {
          await fetch('/api/orders', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t0ken' }, body: JSON.stringify({ symbol: 'BTCUSD', qty: 1 }) });
          await fetch('/api/items?limit=5');
          window.done = true;
        }, ${THINK_MS}));`);
    } else if (url.startsWith('/api/items')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('[{"id":1}]');
    } else if (url === '/api/orders' && req.method === 'POST') {
      req.resume();
      req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end('{"orderId":7}'));
    } else {
      res.writeHead(404).end();
    }
  });
  origin = `http://127.0.0.1:${await listen(app)}`;

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 60_000 });
  try {
    const context = await browser.newContext({ recordHar: { path: harFile, content: 'embed' } });
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => (globalThis as { done?: boolean }).done === true, undefined, { timeout: 20_000 });
    await context.close(); // writes the HAR
  } finally {
    await browser.close();
  }
});

after(() => {
  app.close();
  thirdParty.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Load {
  name: string;
  url: string;
  thinkTime?: string;
  scenarios: { name: string; weight: number; requests: { method: string; path: string; headers?: Record<string, string>; json?: unknown; checks: { status: unknown } }[] }[];
}

test('the recording becomes a load: API bursts as scenarios, think time from the pause, no assets, no third party, no credentials', async () => {
  const out = join(dir, 'shop.yaml');
  const io = captureIo();
  await runCli(['import', 'har', harFile, '--name', 'shop', '--split-gap', '500ms', '-o', out], io);
  assert.equal(io.code, 0, io.stderr);
  assert.match(io.stderr, /left out 3 static asset\(s\) and 1 third-party request\(s\); removed authorization, cookie headers/);
  const text = readFileSync(out, 'utf8');
  assert.match(text, /^# Imported from shop\.har by perfwarden import har/);
  const load = (parse(text) as { loads: Load[] }).loads[0]!;
  assert.equal(load.name, 'shop');
  assert.equal(load.url, origin);
  const flows = load.scenarios.map((s) => s.requests.map((r) => `${r.method} ${r.path}`));
  assert.deepEqual(flows, [
    ['GET /', 'GET /api/items?limit=5'],
    ['POST /api/orders', 'GET /api/items?limit=5'],
  ]);
  assert.deepEqual(load.scenarios.map((s) => s.weight), [1, 1]);
  const order = load.scenarios[1]!.requests[0]!;
  assert.deepEqual(order.json, { symbol: 'BTCUSD', qty: 1 });
  assert.equal(order.checks.status, 201);
  assert.doesNotMatch(JSON.stringify(load), /t0ken|abc123|authorization|cookie|localhost|\.css|\.png|\.js\b/i);
  const think = parseDurationRange(load.thinkTime ?? '');
  assert.ok(think.minMs >= THINK_MS - 500 && think.maxMs <= THINK_MS + 2000, load.thinkTime);

  const validate = captureIo();
  await runCli(['validate', out], validate);
  assert.equal(validate.code, 0, validate.stderr);
  assert.match(validate.stdout, /1 load\(s\): shop/);
});

test('--keep-credentials keeps the recorded authorization and cookie headers', async () => {
  const io = captureIo();
  await runCli(['import', 'har', harFile, '--split-gap', '500ms', '--keep-credentials'], io);
  assert.equal(io.code, 0, io.stderr);
  const load = (parse(io.stdout) as { loads: Load[] }).loads[0]!;
  assert.equal(load.name, 'shop');
  const order = load.scenarios[1]!.requests[0]!;
  assert.equal(order.headers?.authorization, 'Bearer t0ken');
  assert.equal(order.headers?.cookie, 'session=abc123');
});

test('a file that is not a HAR is bad input (exit 2), not a crash', async () => {
  const notHar = join(dir, 'not.har');
  writeFileSync(notHar, '{"log": {"pages": []}}');
  const io = captureIo();
  await runCli(['import', 'har', notHar], io);
  assert.equal(io.code, 2);
  assert.match(io.stderr, /\[PW_ERR_INVALID_ARGUMENT\]/);
});
