/** The problems a config must be rejected with (PW_ERR_CONFIG_INVALID), for tests of validation. */
import assert from 'node:assert/strict';
import { loadConfigFile, loadConfigText } from '../../src/config/load-config.js';
import type { ConfigProblem } from '../../src/config/problem.js';
import { PwError } from '../../src/core/errors.js';

function rejected(load: () => unknown): ConfigProblem[] {
  try {
    load();
  } catch (thrown) {
    assert.ok(thrown instanceof PwError, String(thrown));
    assert.equal(thrown.code, 'PW_ERR_CONFIG_INVALID');
    return thrown.details as ConfigProblem[];
  }
  assert.fail('expected the config to be rejected');
}

/** The problems of config `text` (reported as file `name`). */
export function problemsOfText(text: string, name = 'test.yaml', env: Record<string, string> = {}): ConfigProblem[] {
  return rejected(() => loadConfigText(text, name, env));
}

/** The problems of the config file at `file`. */
export function problemsOfFile(file: string, env: Record<string, string> = {}): ConfigProblem[] {
  return rejected(() => loadConfigFile(file, env));
}
