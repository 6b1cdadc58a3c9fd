/**
 * Durations, sizes, percentages and ranges are written by people in config and on the CLI
 * ("250ms", "1MiB", "0.1%", "1s..3s") and parsed exactly once, at the boundary.
 */
import { PwError } from './errors.js';

const DURATION_UNITS: Record<string, number> = {
  us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000,
};
const DURATION_PART = /(\d+(?:\.\d+)?)(us|µs|ms|s|m|h|d)/gy;

/** True when `text` is a duration like "250ms", "15s", "1h30m". */
export function isDuration(text: string): boolean {
  return tryParseDuration(text) !== undefined;
}

function tryParseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '0') return 0;
  if (s.length === 0) return undefined;
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = DURATION_PART.exec(s); m !== null; m = DURATION_PART.exec(s)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] ?? ''] ?? Number.NaN);
    consumed = DURATION_PART.lastIndex;
  }
  return consumed === s.length && Number.isFinite(total) ? total : undefined;
}

/** Parses a duration to milliseconds ("250ms" → 250, "2h" → 7_200_000). Throws PW_ERR_DURATION. */
export function parseDuration(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) throw new PwError('PW_ERR_DURATION', `expected a duration like "2s", got "${text}"`);
  return ms;
}

/** Formats milliseconds for people: 0.25 → "250µs", 1500 → "1.5s", 7_200_000 → "2h". */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${round(ms * 1000)}µs`;
  if (ms < 1000) return `${round(ms)}ms`;
  if (ms < 60_000) return `${round(ms / 1000)}s`;
  if (ms < 3_600_000) return `${round(ms / 60_000)}m`;
  return `${round(ms / 3_600_000)}h`;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3,
};

/** True when `text` is a size like "512KiB", "1MiB", "2GB", "100" (bytes). */
export function isSize(text: string): boolean {
  return tryParseSize(text) !== undefined;
}

function tryParseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (m === null) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  const factor = unit === '' ? 1 : SIZE_UNITS[unit];
  return factor === undefined ? undefined : Math.round(Number(m[1]) * factor);
}

/** Parses a size to bytes ("1MiB" → 1_048_576). Throws PW_ERR_SIZE. */
export function parseSize(text: string): number {
  const bytes = tryParseSize(text);
  if (bytes === undefined) throw new PwError('PW_ERR_SIZE', `expected a size like "1MiB", got "${text}"`);
  return bytes;
}

/** True when `text` is a percentage like "0.1%" or "85%". */
export function isPercent(text: string): boolean {
  return /^\s*\d+(?:\.\d+)?\s*%\s*$/.test(text);
}

/** Parses a percentage to a ratio ("85%" → 0.85). Throws PW_ERR_PERCENT. */
export function parsePercent(text: string): number {
  if (!isPercent(text)) throw new PwError('PW_ERR_PERCENT', `expected a percentage like "0.1%", got "${text}"`);
  return Number(text.trim().slice(0, -1).trim()) / 100;
}

/** A closed range of milliseconds, e.g. think time "1s..3s". */
export interface DurationRange {
  minMs: number;
  maxMs: number;
}

/** True when `text` is a duration or a duration range "1s..3s". */
export function isDurationRange(text: string): boolean {
  const parts = text.split('..');
  return parts.length <= 2 && parts.every(isDuration) && (parts.length === 1 || parseDuration(parts[0] ?? '') <= parseDuration(parts[1] ?? ''));
}

/** Parses "1s..3s" (or a single duration, min = max). Throws PW_ERR_DURATION. */
export function parseDurationRange(text: string): DurationRange {
  const [a, b] = text.split('..');
  const minMs = parseDuration(a ?? '');
  const maxMs = b === undefined ? minMs : parseDuration(b);
  if (maxMs < minMs) throw new PwError('PW_ERR_DURATION', `range "${text}" ends before it starts`);
  return { minMs, maxMs };
}
