/** Finding and loading the config file for CLI commands, with errors a person can act on. */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import type { CliIo } from './io.js';
import { ExitCodes } from './io.js';

/** The package's own folder (works from src/ under tsx and from dist/). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `file` as given, else ./config/default.yaml, else the packaged default. */
export function resolveConfigPath(file: string | undefined): string {
  if (file !== undefined) return resolve(file);
  const local = resolve('config/default.yaml');
  return existsSync(local) ? local : resolve(PACKAGE_ROOT, 'config/default.yaml');
}

/** Loads config or prints every problem and sets exit code 2 (returns undefined). */
export function loadConfigOrReport(file: string | undefined, io: CliIo): Config | undefined {
  const path = resolveConfigPath(file);
  try {
    return loadConfigFile(path, io.env);
  } catch (thrown) {
    reportError(thrown, io);
    return undefined;
  }
}

/** Prints an error without a stack trace (bad input or an unusable database file → 2, anything else → 1). */
export function reportError(thrown: unknown, io: CliIo): void {
  const err = thrown as { code?: unknown; message?: unknown; stack?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  const message = typeof err.message === 'string' ? err.message : String(thrown);
  const badInput = code.startsWith('PW_ERR_CONFIG') || code === 'PW_ERR_INVALID_ARGUMENT' || code === 'PW_ERR_DURATION' || code === 'PW_ERR_SIZE' || code === 'PW_ERR_PERCENT' || code === 'PW_ERR_THRESHOLD' || code === 'PW_ERR_STORAGE';
  io.err(`perfwarden: ${message}${code === '' ? '' : ` [${code}]`}\n`);
  if (!badInput && io.env.PERFWARDEN_DEBUG === '1' && typeof err.stack === 'string') io.err(`${err.stack}\n`);
  io.setExitCode(badInput ? ExitCodes.badInput : ExitCodes.failure);
}
