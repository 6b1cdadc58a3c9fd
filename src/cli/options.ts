/** Parsers for CLI option values; they throw commander's InvalidArgumentError (exit code 2). */
import { InvalidArgumentError } from 'commander';
import { coerceError } from '../core/errors.js';
import { parseShard } from '../load/plan/segment.js';
import type { Segment } from '../load/plan/segment.js';
import { parseDuration, parseSize } from '../core/units.js';

/** A port number 0–65535. */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port from 0 to 65535');
  return n;
}

/** A positive integer. */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
}

/** A duration to milliseconds ("2s"). */
export function parseDurationOption(value: string): number {
  try {
    return parseDuration(value);
  } catch {
    throw new InvalidArgumentError('expected a duration like "2s"');
  }
}

/** A size to bytes ("1MiB"). */
export function parseSizeOption(value: string): number {
  try {
    return parseSize(value);
  } catch {
    throw new InvalidArgumentError('expected a size like "1MiB"');
  }
}

/** The flag of an option key, for messages (`followRedirects` → `--follow-redirects`). */
export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Collects a repeatable option into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--shard INDEX/COUNT` (0-based index). */
export function parseShardOption(text: string): Segment {
  try {
    return parseShard(text);
  } catch (thrown) {
    throw new InvalidArgumentError(coerceError(thrown).message);
  }
}

/** The shard of a command: `--shard`, else PERFWARDEN_SHARD (as Kubernetes sets it), else none. Throws PW_ERR_INVALID_ARGUMENT. */
export function shardOf(option: Segment | undefined, env: Readonly<Record<string, string | undefined>>): Segment | undefined {
  const fromEnv = env.PERFWARDEN_SHARD;
  return option ?? (fromEnv === undefined || fromEnv === '' ? undefined : parseShard(fromEnv));
}

/** `--start-at`: an RFC 3339 time (with its zone), as epoch ms. */
export function parseStartAt(text: string): number {
  const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new InvalidArgumentError('expected an RFC 3339 time with its zone, like 2026-12-01T14:05:00Z');
  return ms;
}

/** `--workers`: "auto" or a number of worker threads from 1 to 256. */
export function parseWorkers(text: string): number | 'auto' {
  if (text === 'auto') return 'auto';
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 256) throw new InvalidArgumentError('expected "auto" or a number of worker threads from 1 to 256');
  return n;
}
