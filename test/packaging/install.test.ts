/**
 * The package as a newcomer installs it: `npm pack` (whose `prepare` builds dist/) and a global
 * install of the tarball into a temporary prefix, then the installed `perfwarden` binary.
 * Dependencies come from npm's cache where it has them (`--prefer-offline`); install scripts are
 * skipped because better-sqlite3's native build is not what this test is about and `--version`
 * and `validate` never open the database. npm prints EBADENGINE for any dependency the tarball
 * resolves that needs a newer Node than this one; the test fails on it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; engines: { node: string }; scripts: Record<string, string> };

test('engines tells the truth about the Node this runs on', () => {
  const [major = NaN, minor = NaN] = (/^>=(\d+)\.(\d+)$/.exec(pkg.engines.node) ?? []).slice(1).map(Number);
  const [runMajor = 0, runMinor = 0] = process.versions.node.split('.').map(Number);
  assert.ok(runMajor > major || (runMajor === major && runMinor >= minor), `node ${process.versions.node} satisfies ${pkg.engines.node}`);
  // The newest Node API the code uses: util.parseEnv (--env-file), since 20.12.
  assert.ok(major === 20 && minor >= 12);
  assert.match(pkg.scripts.prepare ?? '', /build/, 'a prepare script builds dist/ on install from a folder or git');
});

test('npm pack + npm install -g of the tarball gives a working perfwarden', { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-install-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  await run('npm', ['pack', '--pack-destination', dir], { cwd: ROOT, env: npmEnv, maxBuffer: 16 * 1024 * 1024 });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack wrote a tarball');
  const prefix = join(dir, 'prefix');
  const install = await run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--ignore-scripts', join(dir, tarball)], { cwd: dir, env: npmEnv, maxBuffer: 16 * 1024 * 1024 });
  assert.doesNotMatch(install.stderr, /EBADENGINE/, install.stderr);

  const bin = join(prefix, 'bin', 'perfwarden');
  const version = await run(bin, ['--version'], { cwd: dir });
  assert.equal(version.stdout.trim(), pkg.version);
  // From an empty folder `validate` falls back to the packaged config/default.yaml.
  const validate = await run(bin, ['validate'], { cwd: dir });
  assert.match(validate.stdout, /config\/default\.yaml: ok/);
  assert.match(validate.stdout, /probe\(s\): status/);
});
