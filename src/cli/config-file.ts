/** Finding and loading the config file for CLI commands, with errors a person can act on. */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { formatProblem } from '../config/problem.js';
import type { ConfigProblem } from '../config/problem.js';
import { seriesBudgetWarning } from '../metrics/series-budget.js';
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

/**
 * Loads config or prints every problem and sets exit code 2 (returns undefined). Warnings (a
 * deprecated shape, a series budget exceeded) go to stderr; they do not change the exit code.
 */
export function loadConfigOrReport(file: string | undefined, io: CliIo): Config | undefined {
  const path = resolveConfigPath(file);
  const warnings: ConfigProblem[] = [];
  let config: Config;
  try {
    config = loadConfigFile(path, io.env, { warnings });
  } catch (thrown) {
    reportError(thrown, io);
    return undefined;
  }
  for (const w of configWarnings(config, warnings)) io.err(`perfwarden: warning: ${w}\n`);
  return config;
}

/** Every warning about a loaded config, as printed lines: the loader's (located) and the series budget's. */
export function configWarnings(config: Config, located: readonly ConfigProblem[]): string[] {
  const budget = seriesBudgetWarning(config);
  return [...located.map(formatProblem), ...(budget === undefined ? [] : [budget])];
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
