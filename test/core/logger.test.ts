import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/core/logger.js';

test('secrets are redacted from log lines, JSON by default when not on a TTY', async () => {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  const logger = createLogger({ format: 'auto', destination: stream });
  logger.info({ headers: { authorization: 'Bearer s3cret-token', accept: 'json' }, smtp: { auth: { user: 'u', pass: 'hunter2' } }, password: 'p4ss' }, 'hello');
  logger.flush();
  await new Promise((resolve) => setImmediate(resolve));
  const line = chunks.join('');
  const parsed = JSON.parse(line) as Record<string, unknown>;
  assert.equal(parsed.msg, 'hello');
  assert.doesNotMatch(line, /s3cret-token|hunter2|p4ss/);
  assert.match(line, /\[redacted\]/);
  assert.match(line, /"accept":"json"/);
});

test('on a TTY (format pretty) every event is one human line: time, level, message, fields', async () => {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  const logger = createLogger({ format: 'pretty', destination: stream });
  logger.info({ probe: 'trade', nested: { reason: 'timeout', token: 'abc' } }, 'probe failed');
  logger.warn('second event');
  await new Promise((resolve) => setImmediate(resolve));
  const lines = chunks.join('').split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 2, chunks.join(''));
  assert.match(lines[0]!, /^\[?\d\d:\d\d:\d\d\.\d{3}\]? INFO: probe failed \{"probe":"trade","nested":\{"reason":"timeout","token":"\[redacted\]"\}\}$/);
  assert.match(lines[1]!, /WARN: second event$/);
});
