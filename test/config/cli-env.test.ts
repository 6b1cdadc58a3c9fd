import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnvAssignment, resolveCliEnv } from '../../src/config/cli-env.js';
import { runCli } from '../../src/cli/program.js';
import { hasCode } from '../../src/core/errors.js';
import { captureIo } from '../helpers/capture-io.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pw-env-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('env files override the environment and -e overrides both, in the order given', (t) => {
  const dir = tempDir(t);
  const first = join(dir, 'first.env');
  const second = join(dir, 'second.env');
  writeFileSync(first, '# staging\nHOST=staging.internal\nexport TOKEN="s3cret value"\nPORT=8000 # inline comment\n');
  writeFileSync(second, "HOST='prod.internal'\n");
  const env = resolveCliEnv({ HOST: 'from-process', HOME: '/root' }, { files: [first, second], values: ['PORT=9000', 'EMPTY='] });
  assert.deepEqual(
    { HOST: env.HOST, TOKEN: env.TOKEN, PORT: env.PORT, EMPTY: env.EMPTY, HOME: env.HOME },
    { HOST: 'prod.internal', TOKEN: 's3cret value', PORT: '9000', EMPTY: '', HOME: '/root' },
  );
  assert.ok(Object.isFrozen(env));
});

test('a bad -e or a missing env file is PW_ERR_CONFIG_ENV', () => {
  assert.deepEqual(parseEnvAssignment('A_1=x=y'), ['A_1', 'x=y']);
  for (const bad of ['NOEQUALS', '1A=x', '=x', 'A-B=x']) {
    assert.throws(() => parseEnvAssignment(bad), (err: unknown) => hasCode(err, 'PW_ERR_CONFIG_ENV'), bad);
  }
  assert.throws(() => resolveCliEnv({}, { files: ['/nonexistent/pw.env'], values: [] }), (err: unknown) => hasCode(err, 'PW_ERR_CONFIG_ENV'));
});

const CONFIG = `targets:
  - name: api
    url: \${API_URL}
probes:
  - name: status
    target: api
    every: 15s
    http: { path: /status }
`;

test('validate substitutes ${NAME} from -e and --env-file', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'pw.yaml');
  const envFile = join(dir, 'pw.env');
  writeFileSync(file, CONFIG);
  writeFileSync(envFile, 'API_URL=http://127.0.0.1:8000\n');

  const unset = captureIo();
  await runCli(['validate', file], unset);
  assert.equal(unset.code, 2);
  assert.match(unset.stderr, /environment variable API_URL is not set/);

  const withE = captureIo();
  await runCli(['validate', file, '-e', 'API_URL=http://127.0.0.1:8000'], withE);
  assert.equal(withE.code, 0, withE.stderr);
  assert.match(withE.stdout, /1 target\(s\): api/);

  const withFile = captureIo();
  await runCli(['--env-file', envFile, 'validate', file], withFile);
  assert.equal(withFile.code, 0, withFile.stderr);

  // -e wins over the env file: a URL that is not one is reported against the config.
  const overridden = captureIo();
  await runCli(['validate', file, '--env-file', envFile, '-e', 'API_URL=not a url'], overridden);
  assert.equal(overridden.code, 2);
  assert.match(overridden.stderr, /targets\[0\]\.url/);

  const bad = captureIo();
  await runCli(['validate', file, '-e', 'API_URL'], bad);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /\[PW_ERR_CONFIG_ENV\]/);
});
