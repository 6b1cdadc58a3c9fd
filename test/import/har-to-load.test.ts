import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harToLoad } from '../../src/import/har-to-load.js';
import type { HarEntry } from '../../src/import/har-schema.js';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');

function entry(atMs: number, method: string, url: string, status = 200, extra: Partial<HarEntry> = {}): HarEntry {
  return {
    startedDateTime: new Date(T0 + atMs).toISOString(),
    time: 20,
    request: { method, url, headers: [{ name: 'Accept', value: 'application/json' }, { name: 'If-None-Match', value: '"v1"' }] },
    response: { status, content: { mimeType: 'application/json' } },
    ...extra,
  };
}

test('identical bursts merge into one weighted scenario; the gaps give a think-time range', () => {
  const api = 'https://shop.example';
  const entries = [
    entry(0, 'GET', `${api}/api/quote`),
    entry(30, 'GET', `${api}/api/book`, 304),
    entry(2000, 'GET', `${api}/api/quote`),
    entry(2030, 'GET', `${api}/api/book`),
    entry(5000, 'POST', `${api}/api/trade`, 201),
    entry(5010, 'GET', `${api}/static/app.3f2a.js`),          // no resource type: known by extension
    entry(5020, 'GET', 'https://cdn.example/font.woff2'),    // third party
    entry(9000, 'GET', `${api}/api/quote`),
    entry(9030, 'GET', `${api}/api/book`),
  ];
  const { load, summary } = harToLoad(entries, { name: 'shop' });
  assert.deepEqual(summary, { origin: api, recorded: 9, kept: 7, thirdParty: 1, staticAssets: 1, strippedCredentials: [], bursts: 4 });
  const scenarios = load.scenarios as { name: string; weight: number; requests: { path: string; headers?: Record<string, string>; checks: { status: unknown } }[] }[];
  assert.deepEqual(scenarios.map((s) => [s.name, s.weight, s.requests.map((r) => r.path)]), [
    ['1-get-api-quote', 3, ['/api/quote', '/api/book']],
    ['2-post-api-trade', 1, ['/api/trade']],
  ]);
  // A recorded 304 answered the browser's validator, which the replay does not send.
  assert.equal(scenarios[0]!.requests[1]!.checks.status, '200-399');
  assert.deepEqual(scenarios[0]!.requests[1]!.headers, { accept: 'application/json' });
  // Gaps: 2000-50=1950, 5000-2050=2950, 9000-5020=3980 → rounded to 100 ms.
  assert.equal(load.thinkTime, '2s..4s');
});

test('--origin picks another host of the recording', () => {
  const entries = [entry(0, 'GET', 'https://www.example/'), entry(10, 'GET', 'https://api.example/v1/items')];
  const { load, summary } = harToLoad(entries, { name: 'api', origin: 'https://api.example' });
  assert.equal(load.url, 'https://api.example');
  assert.equal(summary.thirdParty, 1);
  assert.equal(load.thinkTime, undefined, 'one burst: no think time');
});
