import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { captureIo } from '../helpers/capture-io.js';
import { startHttp } from '../load/targets.js';
import type { Target } from '../load/targets.js';

let dir = '';
let target: Target;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-out-'));
  target = await startHttp((_req, res) => res.end('ok'));
});
after(async () => {
  await target.close();
  rmSync(dir, { recursive: true, force: true });
});

test('--out jsonl:FILE streams a start line, one line per second and an end line while the result JSON is written too', { timeout: 60_000 }, async () => {
  const stream = join(dir, 'live.jsonl');
  const out = join(dir, 'result.json');
  const io = captureIo();
  await runCli(['load', `${target.url}/`, '--vus', '2', '-d', '3s', '--workers', '1', '--out', out, '--out', `jsonl:${stream}`], io);
  assert.equal(io.code, 0, io.stderr);
  const lines = readFileSync(stream, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; requests?: number; verdict?: string; summary?: { requests: number } });
  assert.equal(lines[0]?.type, 'start');
  const seconds = lines.filter((l) => l.type === 'second');
  assert.ok(seconds.length >= 2, `${seconds.length} second lines`);
  const end = lines.at(-1);
  assert.equal(end?.type, 'end');
  assert.equal(end?.verdict, 'pass');
  assert.equal(seconds.reduce((a, l) => a + (l.requests ?? 0), 0), end?.summary?.requests, 'the seconds add up to the run');
  assert.equal((JSON.parse(readFileSync(out, 'utf8')) as { summary: { requests: number } }).summary.requests, end?.summary?.requests);
});

test('load -d with a body gets a hint: -d is the duration here, --body the body', async () => {
  const io = captureIo();
  await runCli(['load', `${target.url}/`, '-X', 'POST', '-d', '{"symbol":"BTCUSD"}'], io);
  assert.equal(io.code, 2);
  assert.match(io.stderr, /-d\/--duration "\{"symbol":"BTCUSD"\}": expected a duration like 30s; did you mean --body\?/);
});
