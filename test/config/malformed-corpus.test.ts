import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { MAX_CONFIG_BYTES } from '../../src/config/limits.js';
import { captureIo } from '../helpers/capture-io.js';
import { exited } from '../helpers/wait.js';

const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'malformed-configs');
const expected = JSON.parse(readFileSync(join(CORPUS, 'expected.json'), 'utf8')) as Record<string, string>;
/** Planted in the environment: a config substitutes it into a field where it is invalid. */
const TOKEN = 's3cr3t-corpus-token';
const env = { PW_CORPUS_TOKEN: TOKEN };
const dir = mkdtempSync(join(tmpdir(), 'pw-corpus-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]) {
  const io = captureIo(env);
  await runCli(args, io);
  return io;
}

/** What every rejection must look like: exit 2, file:line:column, one line per problem, no stack, no secret. */
function assertRejected(io: { code: number; stderr: string; stdout: string }, file: string, fragment: string): void {
  assert.equal(io.code, 2, `${file}: exit code\n${io.stderr}`);
  assert.ok(io.stderr.includes(`${file}:`), `${file}: names the file`);
  assert.match(io.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+ `), `${file}: file:line:column\n${io.stderr}`);
  assert.ok(io.stderr.includes(fragment), `${file}: mentions ${fragment}\n${io.stderr}`);
  assert.doesNotMatch(io.stderr, /^\s+at /m, `${file}: no stack trace`);
  assert.ok(!io.stderr.includes(TOKEN) && !io.stdout.includes(TOKEN), `${file}: the planted secret is not printed`);
}

test('the corpus has at least 40 malformed configs and each is listed with what it must say', () => {
  const files = readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort();
  assert.ok(files.length >= 40, `${files.length} files`);
  assert.deepEqual(files, Object.keys(expected).sort());
});

test('validate and start reject every corpus file the same way: exit 2, file:line, no stack, no secret', async () => {
  for (const [name, fragment] of Object.entries(expected)) {
    const file = join(CORPUS, name);
    const validate = await cli(['validate', file]);
    assertRejected(validate, file, fragment);
    const start = await cli(['start', '--config', file, '--port', '0']);
    assert.equal(start.code, validate.code, `${name}: start and validate agree`);
    assert.equal(start.stderr, validate.stderr, `${name}: same report`);
  }
});

test('a config above 5 MiB is refused before it is read (exit 2, file:1:1), quickly and without the memory it would cost', async () => {
  const file = join(dir, 'huge.yaml');
  const line = 'probes: []\n# padding padding padding padding padding padding padding padding padding padding\n';
  writeFileSync(file, line.repeat(Math.ceil((MAX_CONFIG_BYTES * 10) / line.length)));
  const started = performance.now();
  const io = await cli(['validate', file]);
  assertRejected(io, file, 'at most 5 MiB');
  assert.ok(performance.now() - started < 1000, `rejected in ${Math.round(performance.now() - started)} ms`);
});

test('in a real process, `start` with an alias bomb exits 2 with file:line and no stack', { timeout: 30_000 }, async () => {
  const file = join(CORPUS, 'alias-bomb.yaml');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const { code } = await exited(child);
  assert.equal(code, 2, stderr);
  assertRejected({ code: 2, stderr, stdout: '' }, file, 'aliases expand too far');
});
