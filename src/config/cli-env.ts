/**
 * Values for `${NAME}` substitution given on the command line, like k6's `-e KEY=VALUE` and
 * docker's `--env-file`: the process environment, overridden by env files in the order given,
 * overridden by `-e` values. Env files use the dotenv syntax Node itself reads
 * (`KEY=value`, `# comments`, quoted values, `export KEY=…`), parsed by `util.parseEnv`.
 */
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { PwError, coerceError } from '../core/errors.js';
import type { Env } from './load-config.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What the command line gave: env files and `KEY=VALUE` pairs, each in the order given. */
export interface CliEnvSources {
  readonly files: readonly string[];
  readonly values: readonly string[];
}

/** Splits one `-e KEY=VALUE`. Throws PW_ERR_CONFIG_ENV for a missing `=` or a bad name. */
export function parseEnvAssignment(text: string): [string, string] {
  const i = text.indexOf('=');
  const name = i < 0 ? text : text.slice(0, i);
  if (i < 0 || !NAME.test(name)) {
    throw new PwError('PW_ERR_CONFIG_ENV', `-e expects KEY=VALUE with KEY made of letters, digits and _, got "${text}"`);
  }
  return [name, text.slice(i + 1)];
}

/** Reads one env file. Throws PW_ERR_CONFIG_ENV when it cannot be read. */
export function readEnvFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (thrown) {
    throw new PwError('PW_ERR_CONFIG_ENV', `cannot read env file ${file}: ${coerceError(thrown).message}`, { cause: thrown });
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parseEnv(text))) if (value !== undefined) out[name] = value;
  return out;
}

/** `base` (the process environment) with the env files and then the `-e` values laid over it. */
export function resolveCliEnv(base: Env, sources: CliEnvSources): Env {
  if (sources.files.length === 0 && sources.values.length === 0) return base;
  const env: Record<string, string | undefined> = { ...base };
  for (const file of sources.files) Object.assign(env, readEnvFile(file));
  for (const pair of sources.values) {
    const [name, value] = parseEnvAssignment(pair);
    env[name] = value;
  }
  return Object.freeze(env);
}
