/**
 * The data-driven parts of a load at the config boundary: `vars` expressions and `data` files are
 * checked once, each problem at its file:line and path (unknown function, bad arity, a > b, an
 * undeclared name, a missing, empty, malformed or oversized data file, a column the file lacks),
 * and a good config carries the parsed rows (CSV and JSON) in the decoded load.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile, loadConfigText } from '../../src/config/load-config.js';
import type { ConfigProblem } from '../../src/config/problem.js';
import { MAX_DATA_ROWS, TableReader } from '../../src/load/draws/data-table.js';
import type { DataTable } from '../../src/load/draws/data-table.js';
import { problemsOfFile } from '../helpers/config-problems.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-data-'));
  writeFileSync(join(dir, 'users.csv'), 'email,name\r\na@x.io,"Smith, Ann"\r\nb@x.io,"Bo ""B"" Lee"\r\nc@x.io,Zoë 北京\r\n');
  writeFileSync(join(dir, 'items.json'), JSON.stringify([{ sku: 'A1', price: 3 }, { sku: 'B2', price: 4.5, note: null }]));
  writeFileSync(join(dir, 'empty.csv'), '');
  writeFileSync(join(dir, 'header-only.csv'), 'email\n');
  writeFileSync(join(dir, 'ragged.csv'), 'a,b\n1,2\n3\n');
  writeFileSync(join(dir, 'many.csv'), `n\n${'1\n'.repeat(MAX_DATA_ROWS + 1)}`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A table as `{ columns, rows: [[cell, …], …] }`. */
function contents(table: DataTable | undefined): { columns: readonly string[]; rows: string[][] } {
  assert.ok(table !== undefined);
  const reader = new TableReader(table);
  return { columns: table.columns, rows: Array.from({ length: table.rows }, (_, r) => table.columns.map((_c, c) => reader.cell(r, c))) };
}

function write(name: string, yaml: string): string {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

const problemsOf = (file: string): ConfigProblem[] => problemsOfFile(file);

function expectProblem(problems: readonly ConfigProblem[], line: number, path: string, part: string): void {
  const p = problems.find((x) => x.path === path && x.message.includes(part));
  assert.ok(p !== undefined, `no problem at ${path} with "${part}" in:\n${problems.map((x) => `${x.line} ${x.path}: ${x.message}`).join('\n')}`);
  assert.equal(p.line, line, `${path}: ${p.message}`);
}

test('a good config carries the rows of its CSV and JSON files, relative to the config file', () => {
  const file = write('ok.yaml', `loads:
  - name: shop
    url: http://127.0.0.1:1
    vus: 1
    duration: 1s
    seed: 7
    vars: { key: "zipf(1000, 1.1)", id: uuid }
    data:
      - { name: users, file: ./users.csv }
      - { name: items, file: items.json, mode: per-vu, order: random }
    scenarios:
      - name: buy
        vars: { qty: "randomInt(1, 5)" }
        requests:
          - { method: POST, path: "/cart/{{key}}", headers: { x-user: "{{users.email}}" }, json: { sku: "{{items.sku}}", qty: "{{qty}}", id: "{{id}}" } }
`);
  const load = loadConfigFile(file, {}).loads[0]!;
  assert.deepEqual(load.vars?.key, { fn: 'zipf', n: 1000, s: 1.1 });
  assert.deepEqual(load.scenarios?.[0]?.vars?.qty, { fn: 'randomInt', min: 1, max: 5 });
  const [users, items] = load.data ?? [];
  assert.deepEqual(contents(users?.table), { columns: ['email', 'name'], rows: [['a@x.io', 'Smith, Ann'], ['b@x.io', 'Bo "B" Lee'], ['c@x.io', 'Zoë 北京']] });
  assert.ok(users?.table.bytes instanceof SharedArrayBuffer, 'cells in shared memory: workers read them without a copy');
  assert.deepEqual(users && [users.mode, users.order], ['shared', 'sequential']);
  assert.deepEqual(contents(items?.table), { columns: ['sku', 'price', 'note'], rows: [['A1', '3', ''], ['B2', '4.5', '']] });
  assert.ok(Object.isFrozen(users?.table), 'frozen with the rest of the config');
});

test('vars and templates: every mistake at its file:line and path', () => {
  const file = write('vars.yaml', `loads:
  - name: v
    url: http://127.0.0.1:1
    vus: 1
    duration: 1s
    vars:
      a: "zipff(10, 1)"
      b: "randomInt(9, 1)"
      c: "zipf(0, 1.1)"
      d: "randomInt(1)"
    scenarios:
      - name: s
        vars: { e: "choice()" }
        requests:
          - { path: "/x/{{nope}}" }
          - { path: "/y/{{users.email}}" }
          - { path: "/z", extract: { a: "$.id" } }
`);
  const problems = problemsOf(file);
  expectProblem(problems, 7, 'loads[0].vars.a', 'unknown function "zipff"');
  expectProblem(problems, 8, 'loads[0].vars.b', 'min 9 is above max 1');
  expectProblem(problems, 9, 'loads[0].vars.c', 'n must be at least 1');
  expectProblem(problems, 10, 'loads[0].vars.d', 'takes 2 arguments');
  expectProblem(problems, 13, 'loads[0].scenarios[0].vars.e', 'at least one value');
  expectProblem(problems, 15, 'loads[0].scenarios[0].requests[0]', '"{{nope}}" is used before a request of this scenario extracts it');
  expectProblem(problems, 16, 'loads[0].scenarios[0].requests[1]', 'names data "users"');
  expectProblem(problems, 17, 'loads[0].scenarios[0].requests[2].extract.a', 'is a variable under vars');
});

test('load-level headers: a {{name}} nothing declares is reported at the header; one a request extracts is not', () => {
  const file = write('load-headers.yaml', `loads:
  - name: h
    url: http://127.0.0.1:1
    vus: 1
    duration: 1s
    vars: { k: "randomInt(1, 9)" }
    headers:
      x-trace: "{{nosuch}}"
      x-key: "{{k}}"
      authorization: "Bearer {{token}}"
    scenarios:
      - name: login
        requests:
          - { method: POST, path: /login, extract: { token: "$.token" } }
          - { path: "/me" }
`);
  const problems = problemsOf(file);
  expectProblem(problems, 8, 'loads[0].headers.x-trace', '"{{nosuch}}" is used before a request of this scenario extracts it');
  assert.equal(problems.length, 1, JSON.stringify(problems));
});

test('data files: missing, empty, header only, ragged, too many rows, a column the file lacks — each at its entry', () => {
  const file = write('data.yaml', `loads:
  - name: d
    url: http://127.0.0.1:1
    vus: 1
    duration: 1s
    data:
      - { name: gone, file: ./gone.csv }
      - { name: empty, file: empty.csv }
      - { name: header, file: header-only.csv }
      - { name: ragged, file: ragged.csv }
      - { name: many, file: many.csv }
      - { name: users, file: users.csv, mode: everyone }
    scenarios:
      - name: s
        requests:
          - { path: "/u/{{users.phone}}" }
`);
  const first = problemsOf(file);
  expectProblem(first, 12, 'loads[0].data[5].mode', 'expected "shared" or "per-vu"');
  // The schema problem stops the loader before it reads files; fixed, the files are read.
  writeFileSync(file, readFileSync(file, 'utf8').replace('mode: everyone', 'mode: per-vu'));
  const problems = problemsOf(file);
  expectProblem(problems, 7, 'loads[0].data[0].file', 'no such file');
  expectProblem(problems, 8, 'loads[0].data[1].file', 'the file is empty');
  expectProblem(problems, 9, 'loads[0].data[2].file', 'a header but no rows');
  expectProblem(problems, 10, 'loads[0].data[3].file', 'line 3: 1 fields, expected 2');
  expectProblem(problems, 11, 'loads[0].data[4].file', 'more than 1,000,000 rows');
  expectProblem(problems, 16, 'loads[0].scenarios[0].requests[0]', 'users.csv has no column "phone"');
});

test("the README's data-driven example is a valid config, with its data files in config/examples", () => {
  const readmeUrl = new URL('../../README.md', import.meta.url);
  const readme = readFileSync(readmeUrl, 'utf8');
  const yaml = /### Data-driven scenarios[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(yaml !== undefined, 'README has the example');
  const load = loadConfigText(yaml, fileURLToPath(readmeUrl), {}).loads[0]!;
  assert.deepEqual(load.data?.map((d) => d.table.rows), [20, 5]);
  assert.deepEqual(Object.keys(load.vars ?? {}), ['item', 'qty', 'side', 'order']);
});
