import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { loadConfigText } from '../../src/config/load-config.js';
import type { PwError } from '../../src/core/errors.js';
import { captureIo } from '../helpers/capture-io.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-cluster-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CHANNELS = `
notifications:
  channels:
    - { name: mail, type: email, host: 127.0.0.1, from: pw@example.com, to: [oncall@example.com] }
    - { name: hook, type: webhook, url: "http://127.0.0.1:9/hook" }
    - { name: am, type: alertmanager, url: "http://127.0.0.1:9093" }
`;

async function validate(name: string, text: string) {
  const file = join(dir, name);
  writeFileSync(file, text);
  const io = captureIo();
  await runCli(['validate', file], io);
  return io;
}

test('validate warns (exit 0) that each of N replicas would send the email and webhook notices; Alertmanager is fine', async () => {
  const io = await validate('replicas.yaml', `cluster: { replicas: 3 }\n${CHANNELS}`);
  assert.equal(io.code, 0);
  assert.match(io.stdout, /: ok\n/);
  const warnings = io.stderr.trim().split('\n');
  assert.equal(warnings.length, 2, io.stderr);
  assert.match(warnings[0] ?? '', /^warning: .*replicas\.yaml notifications\.channels\[0\]: cluster\.replicas is 3: each replica would send every notification of email channel "mail", 3 copies of each; route notifications through Alertmanager/);
  assert.match(warnings[1] ?? '', /notifications\.channels\[1\]: .*webhook channel "hook"/);
});

test('no warning for one daemon, or when routes send only to Alertmanager', async () => {
  const single = await validate('single.yaml', CHANNELS);
  assert.equal(single.code, 0);
  assert.equal(single.stderr, '');
  const viaAm = await validate('via-am.yaml', `cluster: { replicas: 2 }\n${CHANNELS}  routes: [{ channels: [am] }]\n`);
  assert.equal(viaAm.code, 0);
  assert.equal(viaAm.stderr, '');
});

test('cluster.replicas is a whole number of at least 1, reported with file:line', () => {
  assert.throws(() => loadConfigText('cluster:\n  replicas: 0\n', 'c.yaml', {}), (e: PwError) => {
    assert.equal(e.code, 'PW_ERR_CONFIG_INVALID');
    assert.match(e.message, /c\.yaml:2:\d+ cluster\.replicas: expected the number of daemons/);
    return true;
  });
  assert.equal(loadConfigText('cluster: {}\n', 'c.yaml', {}).cluster.replicas, 1, 'one daemon by default');
});
