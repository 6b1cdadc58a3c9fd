import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { getJson } from './demo-helpers.js';

const CHILD = fileURLToPath(new URL('./demo-cli-child.ts', import.meta.url));

describe('perfwarden demo', () => {
  it('starts with the given knobs, prints its URL, and exits 0 on SIGTERM', { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'demo', '--port', '0', '--latency', '50ms', '--error-rate', '0%', '--leak', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
          if (m?.[1] !== undefined) resolve(m[1]);
        });
        void exited.then(() => reject(new Error(`exited early: ${stdout} ${stderr}`)));
      });
      const knobs = await getJson(`${url}/admin/knobs`);
      assert.equal(knobs.body.latency, 50);
      assert.equal((await getJson(`${url}/api/status`)).status, 200);
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0, stderr);
      assert.match(stdout, /demo target stopped \(SIGTERM\)/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('rejects a bad option value and says why', { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'demo', '--error-rate', 'lots'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.notEqual(code, 0);
    assert.match(stderr, /percentage/);
  });
});
