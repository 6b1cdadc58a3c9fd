/**
 * Logging is pino: JSON lines by default, pretty on a TTY. Secrets are redacted by path so that
 * a config or header dump can never leak a password or token.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger } from 'pino';

/** Paths whose values are replaced by "[redacted]" in every log line. */
export const REDACT_PATHS = [
  'password', '*.password', '*.*.password', 'pass', '*.pass', '*.*.pass', 'token', '*.token', '*.*.token',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', '*.headers.Authorization',
  'headers.Authorization', 'headers.cookie', '*.headers.cookie', 'auth', '*.auth', '*.*.auth',
];

/** Options for `createLogger`. */
export interface LoggerOptions {
  level?: string;
  format?: 'json' | 'pretty' | 'auto';
  /** Where lines go; defaults to stdout. Tests pass a stream to capture lines. */
  destination?: NodeJS.WritableStream;
}

/** Creates the daemon's root logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && options.destination === undefined && process.stdout.isTTY === true);
  const base = { level: options.level ?? 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return options.destination === undefined ? pino(base) : pino(base, options.destination);
}

/** A logger that drops everything (for tests and one-shot CLI commands that print their own output). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
