/**
 * Logging is pino: JSON lines by default, one human line per event on a TTY (time, level,
 * message, then the fields as compact JSON — a terminal shows many events at once, not one
 * pretty-printed object per screen). Secrets are redacted twice: by path (a password or token
 * field of a logged object), and by value in every finished line (a secret of the config inside
 * an error message, such as a webhook URL), both as `<secret>`.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';
import pretty from 'pino-pretty';
import type { PrettyOptions } from 'pino-pretty';
import { SECRET } from './redact.js';
import type { Redact } from './redact.js';

export type { Logger } from 'pino';

/** Paths whose values are replaced by "<secret>" in every log line. */
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
  /** Replaces the config's secret values in every line. */
  redact?: Redact;
}

/** How a human line looks: `09:12:03.114 INFO: probe failed {"probe":"trade","reason":"timeout"}`. */
export const HUMAN_LINE_OPTIONS: PrettyOptions = {
  singleLine: true,
  translateTime: 'SYS:HH:MM:ss.l',
  ignore: 'pid,hostname',
  // An error is a field like the others (inline JSON), not a multi-line block with its stack.
  errorLikeObjectKeys: [],
};

/** Creates the daemon's root logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'auto';
  const human = format === 'pretty' || (format === 'auto' && options.destination === undefined && process.stdout.isTTY === true);
  const base = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: SECRET },
    ...(options.redact === undefined ? {} : { hooks: { streamWrite: options.redact } }),
  };
  const destination = options.destination;
  if (destination === undefined) {
    // Formatting happens in pino's transport thread, never on the thread that measures.
    return human ? pino({ ...base, transport: { target: 'pino-pretty', options: { ...HUMAN_LINE_OPTIONS, colorize: true } } }) : pino(base);
  }
  return human ? pino(base, pretty({ ...HUMAN_LINE_OPTIONS, colorize: false, destination, sync: true })) : pino(base, destination);
}

/** A logger that drops everything (for tests and one-shot CLI commands that print their own output). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
