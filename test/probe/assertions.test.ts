import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AssertConfig } from '../../src/config/sections/probes.js';
import { hasCode } from '../../src/core/errors.js';
import { compileAssertions, describeStatusRanges, evaluateAssertions } from '../../src/probe/assertions.js';
import type { ProbeResponse } from '../../src/probe/assertions.js';
import { parseStatusSpec } from '../../src/probe/status-spec.js';

const body = { status: 'ok', data: { items: [{ id: 7, tags: ['a'] }, { id: 9 }] }, version: '1.2.3', count: 0, nothing: null };

function response(overrides: Partial<ProbeResponse> = {}): ProbeResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/json', 'x-cache': 'HIT', 'set-cookie': ['a=1', 'b=2'] },
    bodyText: JSON.stringify(body),
    durationSeconds: 0.12,
    ...overrides,
  };
}

function evaluate(assertCfg: AssertConfig | undefined, r: ProbeResponse = response()) {
  return evaluateAssertions(compileAssertions(assertCfg), r);
}

describe('status', () => {
  it('defaults to 2xx and 3xx', () => {
    for (const status of [200, 204, 301, 304, 399]) assert.equal(evaluate(undefined, response({ status })).failure, undefined, String(status));
    for (const status of [199, 400, 404, 500, 503]) assert.equal(evaluate(undefined, response({ status })).failure?.reason, 'status', String(status));
  });

  it('honours a caller default (2xx only when following redirects)', () => {
    const compiled = compileAssertions(undefined, { defaultStatus: [[200, 299]] });
    assert.equal(evaluateAssertions(compiled, response({ status: 302 })).failure?.reason, 'status');
    assert.equal(evaluateAssertions(compiled, response({ status: 201 })).failure, undefined);
  });

  it('checks lists and ranges as decoded from config', () => {
    const spec = { status: parseStatusSpec([200, '5xx']) };
    assert.equal(evaluate(spec, response({ status: 200 })).failure, undefined);
    assert.equal(evaluate(spec, response({ status: 503 })).failure, undefined);
    const fail = evaluate(spec, response({ status: 201 }));
    assert.equal(fail.failure?.reason, 'status');
    assert.match(fail.failure?.message ?? '', /201/);
    assert.deepEqual(fail.results[0], { name: 'status 200, 5xx', ok: false, actual: '201' });
  });

  it('describes ranges the way people write them', () => {
    assert.equal(describeStatusRanges(parseStatusSpec(['2xx', '200-204', 418])), '2xx, 200-204, 418');
  });
});

describe('json', () => {
  it('equals compares JSON values deeply', () => {
    assert.equal(evaluate({ json: [{ path: '$.status', equals: 'ok' }] }).failure, undefined);
    assert.equal(evaluate({ json: [{ path: '$.data.items[0]', equals: { id: 7, tags: ['a'] } }] }).failure, undefined);
    assert.equal(evaluate({ json: [{ path: '$.data.items[-1].id', equals: 9 }] }).failure, undefined);
    assert.equal(evaluate({ json: [{ path: '$.nothing', equals: null }] }).failure, undefined);
    const r = evaluate({ json: [{ path: '$.data.items[0].id', equals: '7' }] });
    assert.equal(r.failure?.reason, 'assertion');
    assert.equal(r.results[1]?.actual, '7');
  });

  it('a missing path fails equals and matches', () => {
    const r = evaluate({ json: [{ path: '$.data.missing', equals: 1 }, { path: '$.nope', matches: /x/ }] });
    assert.deepEqual(r.results.slice(1).map((x) => [x.ok, x.actual]), [[false, '(missing)'], [false, '(missing)']]);
  });

  it('exists, does not exist, and a bare path meaning exists', () => {
    assert.equal(evaluate({ json: [{ path: '$.count', exists: true }] }).failure, undefined, 'falsy values exist');
    assert.equal(evaluate({ json: [{ path: '$.nothing' }] }).failure, undefined, 'null exists');
    assert.equal(evaluate({ json: [{ path: '$.gone', exists: false }] }).failure, undefined);
    assert.equal(evaluate({ json: [{ path: '$.status', exists: false }] }).failure?.reason, 'assertion');
    assert.equal(evaluate({ json: [{ path: '$.gone' }] }).failure?.reason, 'assertion');
  });

  it('matches tests strings as is and other values as JSON', () => {
    assert.equal(evaluate({ json: [{ path: '$.version', matches: /^1\.\d+\.\d+$/ }] }).failure, undefined);
    assert.equal(evaluate({ json: [{ path: '$.data.items[1].id', matches: /^9$/ }] }).failure, undefined);
    assert.equal(evaluate({ json: [{ path: '$.version', matches: /^2\./ }] }).failure?.reason, 'assertion');
  });

  it('one result per check when a path has several', () => {
    const r = evaluate({ json: [{ path: '$.version', equals: '1.2.3', matches: /^1/, exists: true }] });
    assert.deepEqual(r.results.map((x) => x.name), ['status 200-399', 'json $.version equals "1.2.3"', 'json $.version matches /^1/', 'json $.version exists']);
    assert.equal(r.failure, undefined);
  });

  it('invalid_json when a JSON assertion meets a body that is not JSON', () => {
    const r = evaluate({ json: [{ path: '$.status', exists: true }] }, response({ bodyText: '<html>' }));
    assert.equal(r.failure?.reason, 'invalid_json');
    assert.match(r.results[1]?.actual ?? '', /not JSON/);
  });

  it('a body that is not JSON is fine without JSON assertions', () => {
    assert.equal(evaluate({ body: /html/ }, response({ bodyText: '<html>' })).failure, undefined);
  });

  it('uses a parsed body when given one instead of parsing the text', () => {
    assert.equal(evaluate({ json: [{ path: '$.a', equals: 1 }] }, response({ bodyText: 'not json', json: { a: 1 } })).failure, undefined);
  });

  it('compiles paths once, at build time', () => {
    assert.throws(() => compileAssertions({ json: [{ path: '$..bad[', exists: true }] }), (err) => hasCode(err, 'PW_ERR_JSON_PATH'));
  });
});

describe('body, headers, latency', () => {
  it('body regex', () => {
    assert.equal(evaluate({ body: /"status":"ok"/ }).failure, undefined);
    const r = evaluate({ body: /error/ });
    assert.equal(r.failure?.reason, 'assertion');
    assert.equal(r.results[1]?.name, 'body matches /error/');
  });

  it('a global regex gives the same answer every run', () => {
    const compiled = compileAssertions({ body: /ok/g });
    for (let i = 0; i < 3; i++) assert.equal(evaluateAssertions(compiled, response()).failure, undefined, `run ${i}`);
  });

  it('headers: names are case-insensitive, values exact for equals', () => {
    assert.equal(evaluate({ headers: [{ name: 'X-Cache', equals: 'HIT' }] }).failure, undefined);
    assert.equal(evaluate({ headers: [{ name: 'x-cache', equals: 'hit' }] }).failure?.reason, 'assertion');
    assert.equal(evaluate({ headers: [{ name: 'Content-Type', matches: /json/ }] }).failure, undefined);
    assert.equal(evaluate({ headers: [{ name: 'x-missing', matches: /.*/ }] }).failure?.reason, 'assertion');
    assert.equal(evaluate({ headers: [{ name: 'x-missing' }] }).failure?.reason, 'assertion');
    assert.equal(evaluate({ headers: [{ name: 'set-cookie', equals: 'a=1, b=2' }] }).failure, undefined);
  });

  it('headers: mixed-case names in the response are found too', () => {
    assert.equal(evaluate({ headers: [{ name: 'x-cache', equals: 'MISS' }] }, response({ headers: { 'X-Cache': 'MISS' } })).failure, undefined);
  });

  it('maxLatency in milliseconds against the whole duration, inclusive', () => {
    assert.equal(evaluate({ maxLatency: 120 }).failure, undefined);
    const r = evaluate({ maxLatency: 100 });
    assert.equal(r.failure?.reason, 'assertion');
    assert.equal(r.results[1]?.actual, '120.0ms');
  });
});

describe('the run failure', () => {
  it('is the first failing check in order, and every check is still reported', () => {
    const r = evaluate({ json: [{ path: '$.status', equals: 'down' }], body: /nope/, maxLatency: 1 }, response({ status: 500 }));
    assert.equal(r.failure?.reason, 'status');
    assert.equal(r.results.length, 4);
    assert.deepEqual(r.results.map((x) => x.ok), [false, false, false, false]);
  });

  it('is absent when everything passes', () => {
    const r = evaluate({ status: parseStatusSpec('2xx'), json: [{ path: '$.status', equals: 'ok' }], body: /ok/, headers: [{ name: 'x-cache', equals: 'HIT' }], maxLatency: 500 });
    assert.equal(r.failure, undefined);
    assert.ok(r.results.every((x) => x.ok));
  });

  it('reports whether the body must be decoded', () => {
    assert.equal(compileAssertions(undefined).needsBody, false);
    assert.equal(compileAssertions({ headers: [{ name: 'a' }], maxLatency: 5 }).needsBody, false);
    assert.equal(compileAssertions({ body: /x/ }).needsBody, true);
    assert.equal(compileAssertions({ json: [{ path: '$.a' }] }).needsBody, true);
  });
});
