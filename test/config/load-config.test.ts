import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigFile, loadConfigText } from '../../src/config/load-config.js';
import type { ConfigProblem } from '../../src/config/problem.js';
import { problemsOfText } from '../helpers/config-problems.js';

const problemsOf = (text: string, env: Record<string, string> = {}): ConfigProblem[] => problemsOfText(text, 'test.yaml', env);

const THREE_MISTAKES = `targets:
  - name: api
    url: http://127.0.0.1:8000
probes:
  - name: a
    target: api
    every: 15s
    http:
      path: /a
      timeout: 2 seconds
  - name: b
    target: nowhere
    every: 15s
    http: { path: /b }
  - name: c
    target: api
    every: 15s
    http:
      path: /c
      methd: POST
`;

test('three mistakes are all reported, each with line, column and path', () => {
  const problems = problemsOf(THREE_MISTAKES);
  assert.equal(problems.length, 3);
  const byPath = new Map(problems.map((p) => [p.path, p]));
  assert.equal(byPath.get('probes[0].http.timeout')?.line, 10);
  assert.match(byPath.get('probes[0].http.timeout')?.message ?? '', /expected a duration like "2s"/);
  assert.equal(byPath.get('probes[1].target')?.line, 12);
  assert.equal(byPath.get('probes[2].http.methd')?.line, 20);
  for (const p of problems) {
    assert.equal(p.file, 'test.yaml');
    assert.ok(p.column > 0);
  }
  // Sorted by position, for reading top to bottom.
  assert.deepEqual(problems.map((p) => p.line), [10, 12, 20]);
});

test('an unset ${VAR} is an error that names it; a set one is substituted; :- gives a default', () => {
  const text = `targets:\n  - name: api\n    url: \${API_URL}\n    headers: { authorization: "Bearer \${TOKEN:-none}" }\n`;
  const problems = problemsOf(text);
  assert.equal(problems.length, 1);
  assert.match(problems[0]?.message ?? '', /API_URL is not set/);
  assert.equal(problems[0]?.line, 3);
  const config = loadConfigText(text, 'test.yaml', { API_URL: 'http://127.0.0.1:1' });
  assert.equal(config.targets[0]?.url, 'http://127.0.0.1:1');
  assert.equal(config.targets[0]?.headers?.authorization, 'Bearer none');
});

test('values decode once: durations to ms, sizes to bytes, status to ranges, regex to RegExp', () => {
  const config = loadConfigText(`probes:
  - name: p
    every: 1m
    http:
      url: http://127.0.0.1:1/x
      maxBodySize: 2MiB
    assert:
      status: [200, "3xx"]
      body: "^ok"
      maxLatency: 250ms
`, 'test.yaml', {});
  const p = config.probes[0];
  assert.equal(p?.type, 'http');
  if (p?.type !== 'http') return;
  assert.equal(p.every, 60_000);
  assert.equal(p.http.timeout, 10_000);
  assert.equal(p.http.maxBodySize, 2 * 1024 * 1024);
  assert.deepEqual(p.assert?.status, [[200, 200], [300, 399]]);
  assert.ok(p.assert?.body instanceof RegExp);
  assert.equal(p.assert?.maxLatency, 250);
  assert.equal(config.server.port, 9464);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.probes[0]));
});

test('exclusive options and duplicates are semantic errors with paths', () => {
  const problems = problemsOf(`targets:
  - { name: t, url: "http://127.0.0.1:1" }
probes:
  - name: x
    target: t
    http: { path: /a }
  - name: x
    target: t
    every: 5s
    cron: "* * * * *"
    http: { path: /a }
    ws: { path: /ws }
  - name: y
    every: 5s
    cron: "not a cron"
    http: { path: /rel }
`);
  const messages = problems.map((p) => `${p.path}: ${p.message}`);
  assert.ok(messages.some((m) => m.startsWith('probes[0]: expected exactly one of "every" or "cron"')), messages.join('\n'));
  assert.ok(messages.some((m) => m.startsWith('probes[1].name: duplicate probe name')));
  // two kind blocks and no `type`: nothing to infer, so the tag itself is what is missing
  assert.ok(messages.some((m) => m.startsWith('probes[1].type: required: expected one of "http", "ws", "tcp", "dns", "tls"')), messages.join('\n'));
  assert.ok(messages.some((m) => m.startsWith('probes[2].cron: expected a cron expression')));
  assert.ok(messages.some((m) => m.startsWith('probes[2].http: expected "url", or "path" with a probe "target"')));
});

test('YAML syntax errors are located; a missing file is PW_ERR_CONFIG_READ', () => {
  const problems = problemsOf('probes:\n  - name: a\n   bad: [\n');
  assert.ok(problems.length >= 1);
  assert.ok((problems[0]?.line ?? 0) >= 2);
  assert.throws(() => loadConfigFile('/nonexistent/perfwarden.yaml', {}), { code: 'PW_ERR_CONFIG_READ' });
});

test('the shipped default config is valid', () => {
  const config = loadConfigFile(new URL('../../config/default.yaml', import.meta.url).pathname, {});
  assert.ok(config.demo.enabled);
  assert.ok(config.probes.length >= 5);
  assert.ok(config.probes.some((p) => p.type === 'ws'));
});

test('probes are a union tagged by type: each error is the named variant\'s, at its line', () => {
  const problems = problemsOf(`probes:
  - name: redis
    type: tcp
    every: 10s
    tcp:
      host: 127.0.0.1
      port: 70000
      expect: "+PONG"
  - name: resolver
    type: dns
    every: 10s
    dns: { name: example.com, server: "127.0.0.1:53", recordType: SRV }
  - name: cert
    type: tls
    every: 1h
    tls: { port: 443 }
  - name: wrong
    type: icmp
    every: 10s
  - name: mixed
    type: http
    every: 10s
    http: { url: "http://127.0.0.1:1/" }
    ws: { url: "ws://127.0.0.1:1/" }
`);
  const at = (path: string) => problems.filter((p) => p.path === path);
  assert.equal(at('probes[0].tcp.port')[0]?.line, 7);
  assert.match(at('probes[0].tcp.port')[0]?.message ?? '', /port from 1 to 65535/);
  assert.match(at('probes[0].tcp.expect')[0]?.message ?? '', /regular expression/);
  assert.equal(at('probes[1].dns.recordType')[0]?.line, 12);
  assert.match(at('probes[1].dns.recordType')[0]?.message ?? '', /expected one of A, AAAA/);
  assert.match(at('probes[2].tls')[0]?.message ?? '', /expected "host", or a probe "target"/);
  assert.match(at('probes[3].type')[0]?.message ?? '', /expected one of "http", "ws", "tcp", "dns", "tls", got "icmp"/);
  assert.equal(at('probes[3].type')[0]?.line, 18);
  assert.match(at('probes[4].ws')[0]?.message ?? '', /unknown key/);
  // nothing but the variant's own errors: no "matches none of the variants", no spurious "required"
  assert.equal(problems.length, 6, problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
});

test('a probe without type is read by its one block, with a warning at its line', () => {
  const warnings: ConfigProblem[] = [];
  const config = loadConfigText(`probes:
  - name: old
    every: 10s
    http: { url: "http://127.0.0.1:1/" }
  - name: new
    type: tls
    every: 1h
    tls: { host: example.com }
`, 'old.yaml', {}, { warnings });
  assert.equal(config.probes[0]?.type, 'http');
  const tls = config.probes[1];
  assert.equal(tls?.type, 'tls');
  if (tls?.type === 'tls') {
    assert.equal(tls.tls.port, 443);
    assert.equal(tls.tls.expiryWarning, 14 * 86_400_000);
  }
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]?.path, 'probes[0]');
  assert.equal(warnings[0]?.line, 2);
  assert.match(warnings[0]?.message ?? '', /read as "type: http"/);
});

test('limits: limits.minInterval lowers the interval floor; retention-like durations may exceed the 24.8-day timer limit', () => {
  const base = 'targets: [{ name: api, url: "http://127.0.0.1:1" }]\nprobes: [{ name: s, target: api, every: 200ms, http: { path: /s } }]\n';
  assert.deepEqual(problemsOf(base).map((p) => p.path), ['probes[0].every']);
  const lowered = loadConfigText(`${base}limits: { minInterval: 100ms }\nhistory: { minuteRetention: 90d }\n`, 'test.yaml', {});
  assert.equal(lowered.probes[0]?.every, 200);
  assert.equal(lowered.history.minuteRetention, 90 * 86_400_000);
});
