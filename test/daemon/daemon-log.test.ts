import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { loadConfigText } from '../../src/config/load-config.js';
import { createDaemon } from '../../src/daemon/create-daemon.js';
import { createLogger } from '../../src/core/logger.js';

test('the daemon says where it listens once, one line per event', async () => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => { text += c.toString(); });
  const logger = createLogger({ format: 'pretty', destination: stream });
  const config = loadConfigText('server: { port: 0 }\nstorage: { path: ":memory:" }\ndemo: { enabled: true, port: 0 }\n', 'log.yaml', {});
  const daemon = await createDaemon(config, { logger });
  await daemon.stop('test');
  await new Promise((resolve) => setImmediate(resolve));
  const lines = text.split('\n').filter((l) => l !== '');
  assert.equal(lines.filter((l) => /Server listening/.test(l)).length, 0, text);
  assert.equal(lines.filter((l) => /perfwarden listening/.test(l)).length, 1, text);
  assert.ok(lines.every((l) => /^\[?\d\d:\d\d:\d\d\.\d{3}\]? (INFO|WARN|ERROR|DEBUG)/.test(l)), text);
  assert.ok(lines.some((l) => /INFO: stopped$/.test(l)), text);
});
