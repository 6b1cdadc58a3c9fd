/**
 * Data-driven runs end to end, in real worker threads against a real target on port 0 that
 * records what it receives: `sequence` is exact and unique across 2 workers, a `shared` data file
 * hands every row out exactly once per pass across 2 workers (in file order and shuffled),
 * `per-vu` rows are walked by each VU on its own, and a templated header and JSON body (typed
 * numbers, escaped strings) reach the server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { loadConfigFile } from '../../src/config/load-config.js';
import type { LoadConfig } from '../../src/config/sections/loads.js';
import { startLoad } from '../../src/load/driver.js';
import { startHttp } from './targets.js';
import type { Target } from './targets.js';

interface Received {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  socket: number;
}

let dir: string;
let target: Target;
let received: Received[] = [];
const sockets = new WeakMap<object, number>();
let nextSocket = 0;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-runs-'));
  writeFileSync(join(dir, 'rows.csv'), `id,email\n${Array.from({ length: 10 }, (_, i) => `r${i},u${i}@x.io`).join('\n')}\n`);
  writeFileSync(join(dir, 'people.csv'), 'name,city\n"Ann ""A"" Smith","Paris, FR"\n');
  target = await startHttp((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      if (!sockets.has(req.socket)) sockets.set(req.socket, nextSocket++);
      received.push({ url: req.url ?? '', headers: req.headers, body, socket: sockets.get(req.socket)! });
      res.end('{}');
    });
  });
});
after(async () => {
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Loads one `loads` entry from YAML written next to the data files. */
function loadOf(yaml: string): LoadConfig {
  const file = join(dir, 'load.yaml');
  writeFileSync(file, `loads:\n${yaml.replace(/^/gm, '  ')}`);
  return loadConfigFile(file, {}).loads[0]!;
}

async function run(load: LoadConfig, workers: number): Promise<void> {
  received = [];
  const r = await startLoad(load, { url: target.url }, { workers }).done;
  assert.equal(r.verdict, 'pass', JSON.stringify(r.aborted));
  assert.equal(r.generator.workers, workers);
  assert.equal(typeof r.generator.seed, 'number', 'the result says which seed reproduces the draws');
}

function countBy<T>(items: readonly T[]): Map<T, number> {
  const m = new Map<T, number>();
  for (const x of items) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

test('sequence is exact and unique across 2 workers; a shared file hands each row out once per pass, in order', { timeout: 60_000 }, async () => {
  await run(loadOf(`- name: seq
  url: ${target.url}
  executor: shared-iterations
  vus: 4
  iterations: 30
  vars: { n: sequence }
  data: [{ name: rows, file: rows.csv }]
  scenarios: [{ name: s, requests: [{ path: "/i/{{n}}/{{rows.id}}" }] }]
`), 2);
  const pairs = received.map((r) => r.url.split('/').slice(2));
  const seqs = pairs.map(([n]) => Number(n)).sort((a, b) => a - b);
  assert.deepEqual(seqs, Array.from({ length: 30 }, (_, i) => i), 'exactly 0..29, each once');
  for (const [n, id] of pairs) assert.equal(id, `r${Number(n) % 10}`, 'iteration k takes row k mod 10');
  assert.deepEqual([...countBy(pairs.map(([, id]) => id)).values()], new Array(10).fill(3), 'three passes: every row exactly 3 times');
});

test('shared + random: a seeded shuffle, still every row once per pass across 2 workers', { timeout: 60_000 }, async () => {
  const yaml = `- name: shuffled
  url: ${target.url}
  executor: shared-iterations
  vus: 4
  iterations: 20
  seed: 11
  vars: { n: sequence }
  data: [{ name: rows, file: rows.csv, order: random }]
  scenarios: [{ name: s, requests: [{ path: "/i/{{n}}/{{rows.id}}" }] }]
`;
  await run(loadOf(yaml), 2);
  const byIteration = new Map(received.map((r) => { const [n, id] = r.url.split('/').slice(2); return [Number(n), id!]; }));
  const firstPass = Array.from({ length: 10 }, (_, i) => byIteration.get(i));
  const secondPass = Array.from({ length: 10 }, (_, i) => byIteration.get(10 + i));
  assert.equal(new Set(firstPass).size, 10, 'each row once in the first pass');
  assert.equal(new Set(secondPass).size, 10, 'and in the second');
  assert.notDeepEqual(firstPass, Array.from({ length: 10 }, (_, i) => `r${i}`), 'not the file order');
  await run(loadOf(yaml), 1);
  const again = new Map(received.map((r) => { const [n, id] = r.url.split('/').slice(2); return [Number(n), id!]; }));
  assert.deepEqual(Array.from({ length: 20 }, (_, i) => again.get(i)), [...firstPass, ...secondPass], 'the same seed on 1 worker: the same rows');
});

test('per-vu: each VU walks the rows itself, from the first', { timeout: 60_000 }, async () => {
  await run(loadOf(`- name: pervu
  url: ${target.url}
  executor: per-vu-iterations
  vus: 2
  iterations: 12
  data: [{ name: rows, file: rows.csv, mode: per-vu }]
  scenarios: [{ name: s, requests: [{ path: "/r/{{rows.id}}" }] }]
`), 2);
  const bySocket = new Map<number, string[]>();
  for (const r of received) bySocket.set(r.socket, [...(bySocket.get(r.socket) ?? []), r.url.slice(3)]);
  assert.equal(bySocket.size, 2, 'one connection per VU');
  const expected = Array.from({ length: 12 }, (_, i) => `r${i % 10}`);
  for (const rows of bySocket.values()) assert.deepEqual(rows, expected);
});

test('a templated header and JSON body reach the server: numbers typed, strings escaped', { timeout: 60_000 }, async () => {
  await run(loadOf(`- name: body
  url: ${target.url}
  executor: shared-iterations
  vus: 1
  iterations: 5
  vars: { qty: "randomInt(2, 9)", id: uuid, side: "choice('buy \\"now\\"', sell)" }
  data: [{ name: people, file: people.csv }]
  scenarios:
    - name: s
      requests:
        - method: POST
          path: "/orders?city={{people.city}}"
          headers: { x-user: "{{people.name}}", x-id: "{{id}}" }
          json: { qty: "{{qty}}", who: "{{people.name}}", side: "{{side}}", note: "qty {{qty}}" }
`), 1);
  assert.equal(received.length, 5);
  const ids = new Set<unknown>();
  for (const r of received) {
    assert.equal(r.url, '/orders?city=Paris,%20FR', 'a space in a path value is percent-encoded');
    assert.equal(r.headers['x-user'], 'Ann "A" Smith');
    assert.equal(r.headers['content-type'], 'application/json');
    const doc = JSON.parse(r.body) as { qty: unknown; who: unknown; side: unknown; note: unknown };
    assert.equal(typeof doc.qty, 'number');
    assert.ok((doc.qty as number) >= 2 && (doc.qty as number) <= 9);
    assert.equal(doc.note, `qty ${String(doc.qty)}`, 'one draw per iteration, the same in every place');
    assert.equal(doc.who, 'Ann "A" Smith');
    assert.ok(doc.side === 'buy "now"' || doc.side === 'sell');
    assert.match(String(r.headers['x-id']), /^[0-9a-f-]{36}$/);
    ids.add(r.headers['x-id']);
  }
  assert.equal(ids.size, 5, 'a new uuid every iteration');
});
