import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration, parseDurationRange, parsePercent, parseSize } from '../../src/core/units.js';
import { compileJsonPath, readJsonPath } from '../../src/core/json-path.js';

test('durations parse to milliseconds, compound and fractional', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('15s'), 15_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('500us'), 0.5);
  assert.equal(parseDuration('0'), 0);
});

test('bad durations are PW_ERR_DURATION', () => {
  for (const bad of ['', '15', '2 seconds', 's', '1x', '-1s', '1s2']) {
    assert.throws(() => parseDuration(bad), { code: 'PW_ERR_DURATION' }, bad);
  }
});

test('formatDuration round-trips the common units', () => {
  assert.equal(formatDuration(250), '250ms');
  assert.equal(formatDuration(1500), '1.5s');
  assert.equal(formatDuration(7_200_000), '2h');
  assert.equal(formatDuration(0.25), '250µs');
});

test('sizes, percentages and ranges', () => {
  assert.equal(parseSize('1MiB'), 1_048_576);
  assert.equal(parseSize('512KB'), 512_000);
  assert.equal(parseSize('100'), 100);
  assert.throws(() => parseSize('1 parsec'), { code: 'PW_ERR_SIZE' });
  assert.equal(parsePercent('0.1%'), 0.001);
  assert.equal(parsePercent('85%'), 0.85);
  assert.throws(() => parsePercent('85'), { code: 'PW_ERR_PERCENT' });
  assert.deepEqual(parseDurationRange('1s..3s'), { minMs: 1000, maxMs: 3000 });
  assert.deepEqual(parseDurationRange('2s'), { minMs: 2000, maxMs: 2000 });
  assert.throws(() => parseDurationRange('3s..1s'), { code: 'PW_ERR_DURATION' });
});

test('JSON paths compile once and read nested values', () => {
  const doc = { data: { items: [{ id: 7 }, { id: 9 }], 'odd key': true } };
  assert.deepEqual(readJsonPath(doc, compileJsonPath('$.data.items[0].id')), { found: true, value: 7 });
  assert.deepEqual(readJsonPath(doc, compileJsonPath('data.items[-1].id')), { found: true, value: 9 });
  assert.deepEqual(readJsonPath(doc, compileJsonPath("$.data['odd key']")), { found: true, value: true });
  assert.equal(readJsonPath(doc, compileJsonPath('$.data.missing')).found, false);
  assert.equal(readJsonPath(doc, compileJsonPath('$.data.items[5]')).found, false);
  assert.throws(() => compileJsonPath('$.data[abc'), { code: 'PW_ERR_JSON_PATH' });
});
