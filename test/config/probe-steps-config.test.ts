/** `http.steps` of a probe: every mistake reported at once, with file:line and path. */
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../src/config/load-config.js';
import type { ConfigProblem } from '../../src/config/problem.js';
import { problemsOfText } from '../helpers/config-problems.js';

const problemsOf = (text: string): ConfigProblem[] => problemsOfText(text, 'steps.yaml');

const HEAD = `targets: [{ name: api, url: "http://127.0.0.1:8000" }]
probes:
`;

test('a valid stepped probe loads, and the one-request form beside it is unchanged', () => {
  const config = loadConfigText(`${HEAD}  - name: me
    type: http
    target: api
    every: 15s
    http:
      headers: { x-client: perfwarden }
      measure: login
      steps:
        - { name: login, method: POST, path: /login, json: { user: ann, password: "\${PW}" }, extract: { token: $.token } }
        - { path: "/me/{{token}}", headers: { authorization: "Bearer {{token}}" } }
    assert: { status: 200 }
  - { name: plain, type: http, target: api, every: 15s, http: { path: /status } }
`, 'steps.yaml', { PW: 'secret-password' });
  const [me, plain] = config.probes;
  assert.ok(me?.type === 'http' && plain?.type === 'http');
  assert.equal(me.http.steps?.length, 2);
  assert.equal(me.http.steps?.[0]?.method, 'POST');
  assert.equal(me.http.steps?.[1]?.method, 'GET', 'a step defaults to GET');
  assert.equal(me.http.measure, 'login');
  assert.equal(plain.http.steps, undefined);
  assert.equal(plain.http.method, undefined, 'GET is applied when the request is planned');
});

test('every mistake in steps is reported with its line and path', () => {
  const problems = problemsOf(`${HEAD}  - name: a
    type: http
    target: api
    every: 15s
    http:
      path: /login
      headers: { x-t: "{{early}}" }
      measure: nosuch
      steps:
        - name: login
          path: /login
          json: { password: x }
          body: "y"
          extract: { bad-name: $.x }
        - path: /me
          headers: { authorization: "Bearer {{token}}" }
          assert: { status: 200 }
  - { name: b, type: http, target: api, every: 15s, http: { steps: [] } }
  - { name: c, type: http, every: 15s, http: { url: "http://127.0.0.1:1/x", measure: total } }
  - name: d
    type: http
    every: 15s
    http:
      steps:
        - { name: one, url: "http://127.0.0.1:1/x", extract: { id: $.id } }
        - { name: one, path: "/{{id}}" }
`);
  const got = problems.map((p) => `${p.line} ${p.path}: ${p.message}`);
  assert.deepEqual(got, [
    '8 probes[0].http.path: with "steps", each step has its own "path" (move it into a step)',
    '9 probes[0].http.headers: "{{early}}" is used before a step extracts it (these headers go with every step, the first included)',
    '10 probes[0].http.measure: expected "last", "total" or the name of a step, got "nosuch"',
    '12 probes[0].http.steps[0]: expected "body" or "json", not both',
    '16 probes[0].http.steps[0].extract.bad-name: "bad-name" cannot be used as {{bad-name}}: expected a name of letters, digits and "_"',
    '17 probes[0].http.steps[1]: "{{token}}" is used before a step extracts it',
    '19 probes[0].http.steps[1].assert: the last step\'s checks are the probe\'s "assert" (move them there)',
    '20 probes[1].http.steps: expected a list of at least one step, got []',
    '21 probes[2].http.measure: only used with "steps"',
    '28 probes[3].http.steps[1]: expected "url", or "path" with a probe "target"',
    '28 probes[3].http.steps[1].name: duplicate step name "one"',
  ].sort((a, b) => Number(a.split(' ')[0]) - Number(b.split(' ')[0])));
});

test('the README\'s probe-steps example validates', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split('## HTTP probe steps')[1] ?? '';
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(yaml !== undefined, 'the section has a YAML example');
  const config = loadConfigText(`${HEAD}${yaml}`, 'README.md', { PROBE_PASSWORD: 'from-the-env' });
  const probe = config.probes[0];
  assert.ok(probe?.type === 'http');
  assert.deepEqual(probe.http.steps?.map((s) => s.name), ['login', 'portfolio']);
  assert.equal(probe.assert?.maxLatency, 500);
});
