import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigText } from '../../src/config/load-config.js';
import type { ConfigProblem } from '../../src/config/problem.js';
import { runCli } from '../../src/cli/program.js';
import { hasCode } from '../../src/core/errors.js';
import { captureIo } from '../helpers/capture-io.js';

const over = `limits:
  maxRate: 1000
  allowedHosts: [127.0.0.1]
loads:
  - name: fast
    url: http://127.0.0.1:1
    executor: constant-arrival-rate
    rate: 5000
    duration: 10s
    scenarios: [{ name: s, requests: [{ path: / }] }]
  - name: long
    url: http://127.0.0.1:1
    vus: 20000
    duration: 48h
    scenarios: [{ name: s, requests: [{ path: / }] }]
  - name: elsewhere
    url: http://example.invalid:8080
    vus: 1
    duration: 1s
    cron: "0 * * * *"
    scenarios: [{ name: s, requests: [{ path: / }] }]
`;

/** The problems of a config that must be refused. */
function problemsOf(yaml: string): ConfigProblem[] {
  let problems: ConfigProblem[] = [];
  assert.throws(() => loadConfigText(yaml, 'limits.yaml', {}), (e: unknown) => {
    problems = (e as { details?: ConfigProblem[] }).details ?? [];
    return hasCode(e, 'PW_ERR_CONFIG_INVALID');
  });
  return problems;
}

test('loads above the limits are rejected with file:line, every one of them', () => {
  const problems = problemsOf(over);
  const byPath = new Map(problems.map((p) => [p.path, p]));
  assert.match(byPath.get('loads[0].rate')?.message ?? '', /5000\/s is above limits\.maxRate \(1000\/s\)/);
  assert.equal(byPath.get('loads[0].rate')?.line, 8);
  assert.match(byPath.get('loads[1].vus')?.message ?? '', /20000 VUs\/connections is above limits\.maxVUs \(10000\)/);
  assert.match(byPath.get('loads[1].duration')?.message ?? '', /above limits\.maxDuration/);
  assert.match(byPath.get('loads[2].url')?.message ?? '', /not in limits\.allowedHosts/);
  assert.equal(problems.length, 4, problems.map((p) => p.path).join(', '));
  // The defaults let a production-sized load through.
  loadConfigText(over.replace(/limits:[\s\S]*?loads:/, 'loads:').replace(/vus: 20000\n {4}duration: 48h/, 'vus: 200\n    duration: 2h'), 'ok.yaml', {});
});

test("an open model's default maxVUs over limits.maxVUs is reported at its rate, with the way out", () => {
  const yaml = `limits: { maxVUs: 2000 }
loads:
  - name: quick
    url: http://127.0.0.1:1
    executor: constant-arrival-rate
    rate: 30000
    duration: 10s
    scenarios: [{ name: s, requests: [{ path: / }] }]
`;
  const problems = problemsOf(yaml);
  assert.equal(problems.length, 1, problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  assert.equal(problems[0]?.path, 'loads[0].rate');
  assert.equal(problems[0]?.line, 6);
  assert.match(problems[0]?.message ?? '', /3000 connections \(the default maxVUs: what 30000\/s sends in 100 ms\) is above limits\.maxVUs \(2000\): set maxVUs to at most 2000/);
  loadConfigText(yaml.replace('rate: 30000', 'rate: 30000\n    maxVUs: 2000'), 'ok.yaml', {});
});

test('the CLI refuses a load over the limits with exit 2, and --max-* raise them for one run', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-limits-'));
  try {
    const io = captureIo();
    await runCli(['load', 'http://127.0.0.1:1/', '--rate', '60000', '-d', '1s'], io);
    assert.equal(io.code, 2);
    assert.match(io.stderr, /above limits\.maxRate \(50000\/s\).*--max-rate/);
    const file = join(dir, 'l.yaml');
    writeFileSync(file, over);
    const fromFile = captureIo();
    await runCli(['load', file, '--scenario', 'fast'], fromFile);
    assert.equal(fromFile.code, 2);
    assert.match(fromFile.stderr, /l\.yaml:8:\d+ loads\[0\]\.rate/);
    // Raised on the command line (and the target refused, quickly): the run happens.
    const raised = captureIo();
    await runCli(['load', 'http://127.0.0.1:1/', '--vus', '20000', '--max-vus', '20000', '-d', '1ms', '--workers', '1'], raised);
    assert.notEqual(raised.code, 2, raised.stderr);
    assert.match(raised.stdout, /verdict:/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
