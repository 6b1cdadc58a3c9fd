import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfigText } from '../../src/config/load-config.js';
import { createDaemon } from '../../src/daemon/create-daemon.js';
import { createLogger } from '../../src/core/logger.js';
import type { SqliteDatabase } from '../../src/storage/database.js';
import { exited, waitFor } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-storage-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function metric(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m === null ? undefined : Number(m[1]);
}

test('a store that refuses writes fails /readyz with the reason, sets the storage metrics, logs once and recovers', { timeout: 60_000 }, async () => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', format: 'json', destination: new Writable({ write(c: Buffer, _e, cb) { lines.push(c.toString()); cb(); } }) });
  const path = join(dir, 'ro.db');
  const config = loadConfigText(`
server: { host: 127.0.0.1, port: 0 }
storage: { path: ${path} }
limits: { minInterval: 100ms }
targets: [{ name: api, url: "http://127.0.0.1:1" }]
probes: [{ name: status, target: api, every: 200ms, http: { path: /s, timeout: 1s } }]
alerts: [{ name: down, select: { probes: [status] }, measure: error_rate, window: 2s, warning: "> 10%" }]
notifications: { evaluationInterval: 200ms }
`, 'ro.yaml', {});
  const daemon = await createDaemon(config, { logger });
  after(() => daemon.stop('test done'));
  assert.equal((await fetch(`${daemon.url}/readyz`)).status, 200);
  assert.equal(await metric(daemon.url, 'perfwarden_storage_up'), 1);

  // The file becomes unwritable (SQLite's own refusal, as with an immutable file).
  const db = daemon.context.services.get('db') as SqliteDatabase;
  db.pragma('query_only = ON');
  const body = await waitFor('/readyz to fail', async () => {
    const res = await fetch(`${daemon.url}/readyz`);
    return res.status === 503 ? (await res.json()) as { reason: string } : undefined;
  }, 20_000, 100);
  assert.ok(body.reason.startsWith(`storage: cannot write ${path}: `), body.reason);
  assert.equal(await metric(daemon.url, 'perfwarden_storage_up'), 0);
  await waitFor('alert evaluations and probe-result flushes counted as storage errors', async () => {
    const text = await (await fetch(`${daemon.url}/metrics`)).text();
    return /perfwarden_storage_errors_total\{operation="alerts"\} [1-9]/.test(text) && /perfwarden_storage_errors_total\{operation="history"\} [1-9]/.test(text) ? true : undefined;
  }, 20_000, 100);
  const downLines = lines.filter((l) => l.includes('storage: cannot write'));
  assert.equal(downLines.length, 1, 'one log line when it goes down, not one per evaluation');
  assert.ok(!lines.some((l) => l.includes('alert evaluation failed') || l.includes('cannot write probe results')), 'no SqliteError stack per evaluation or flush');

  db.pragma('query_only = OFF');
  await waitFor('/readyz to recover', async () => ((await fetch(`${daemon.url}/readyz`)).status === 200 ? true : undefined), 20_000, 100);
  assert.equal(await metric(daemon.url, 'perfwarden_storage_up'), 1);
  assert.ok(lines.some((l) => l.includes('storage: writable again')));
});

test('a corrupt database file: start exits 2 with one line naming the file and a hint, no stack', { timeout: 30_000 }, async () => {
  const path = join(dir, 'corrupt.db');
  writeFileSync(path, 'this is not a SQLite database, just some text that happens to be long enough '.repeat(100));
  const file = join(dir, 'corrupt.yaml');
  writeFileSync(file, `server: { host: 127.0.0.1, port: 0 }\nstorage: { path: ${path} }\ntargets: []\nprobes: []\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  child.stdout.resume();
  const { code } = await exited(child);
  assert.equal(code, 2, stderr);
  const errorLines = stderr.split('\n').filter((l) => l.startsWith('perfwarden: '));
  assert.equal(errorLines.length, 1, stderr);
  assert.ok(errorLines[0]!.includes(path), 'names the file');
  assert.match(errorLines[0]!, /not a database.*move it aside/);
  assert.match(errorLines[0]!, /\[PW_ERR_STORAGE\]/);
  assert.doesNotMatch(stderr, /^\s+at /m);
});
