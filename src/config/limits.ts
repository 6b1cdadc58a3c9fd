/**
 * Input limits, checked on every config the loader reads (so `start` and `validate` reject the
 * same files): intervals no shorter than `limits.minInterval` (1 s unless lowered), no duration
 * longer than a Node.js timer can wait (2^31-1 ms ≈ 24.8 days; a longer one silently fires after
 * 1 ms), retention-like durations at most ten years, a config file of at most 5 MiB and at most
 * 100 YAML alias expansions.
 *
 * The check walks the schema beside the value and looks at every field whose format is
 * `duration`, whatever section or probe kind it sits in, so a new section or probe type is
 * covered without being listed here. What a field means comes from its key.
 */
import { KindGuard } from '@sinclair/typebox';
import type { TSchema } from '@sinclair/typebox';
import { formatDuration, isDuration, parseDuration } from '../core/units.js';
import type { ReportProblem } from './problem.js';

/** Longest delay `setTimeout` honours (ms); longer ones overflow to 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** Longest retention-like duration (ten years): not a timer, but beyond this is a typo. */
export const MAX_RETENTION_MS = 3650 * 86_400_000;
/** Largest config file read, bytes. */
export const MAX_CONFIG_BYTES = 5 * 1024 * 1024;
/** Most YAML alias expansions in one document (an alias bomb stops here). */
export const MAX_ALIAS_COUNT = 100;
/** Default and floor of `limits.minInterval`. */
export const DEFAULT_MIN_INTERVAL = '1s';
const MIN_INTERVAL_FLOOR_MS = 10;

/** Keys that schedule something repeatedly: at least `limits.minInterval`. */
const INTERVAL_KEYS = new Set(['every', 'evaluationInterval']);
/** Keys that are spans (of history, or a certificate's remaining life), not timers: capped at ten years instead of 24.8 days. */
const RETENTION_KEYS = new Set(['retention', 'rawRetention', 'minuteRetention', 'giveUpAfter', 'window', 'expiryWarning', 'expiryCritical']);

/** Reports every duration outside its limits. `raw` is the config after defaults, before decoding. */
export function checkLimits(schema: TSchema, raw: Record<string, unknown>, report: ReportProblem): void {
  const minInterval = minIntervalOf(raw, report);
  visitDurations(schema, raw, [], (path, text) => {
    const ms = parseDuration(text);
    const key = path[path.length - 1];
    if (typeof key !== 'string') return;
    if (INTERVAL_KEYS.has(key) && ms < minInterval) {
      report(path, `expected an interval of at least ${formatDuration(minInterval)}, got "${text}" (limits.minInterval lowers the floor, down to 10ms)`);
    } else if (key === 'timeout' && ms <= 0) {
      report(path, `expected a timeout above 0, got "${text}"`);
    } else if (RETENTION_KEYS.has(key) && ms > MAX_RETENTION_MS) {
      report(path, `expected at most 3650d, got "${text}"`);
    } else if (!RETENTION_KEYS.has(key) && ms > MAX_TIMER_MS) {
      report(path, `expected at most 24.8d (2^31-1 ms, the longest timer Node.js can wait), got "${text}"`);
    }
  });
}

function minIntervalOf(raw: Record<string, unknown>, report: ReportProblem): number {
  const text = (raw.limits as { minInterval?: unknown } | undefined)?.minInterval;
  if (typeof text !== 'string' || !isDuration(text)) return parseDuration(DEFAULT_MIN_INTERVAL);
  const ms = parseDuration(text);
  if (ms < MIN_INTERVAL_FLOOR_MS) {
    report(['limits', 'minInterval'], `expected at least 10ms, got "${text}"`);
    return MIN_INTERVAL_FLOOR_MS;
  }
  return ms;
}

/** Calls `visit` for every string value whose schema has format `duration` (all union variants are tried). */
function visitDurations(schema: TSchema, value: unknown, path: (string | number)[], visit: (path: (string | number)[], text: string) => void): void {
  if ((schema as { format?: unknown }).format === 'duration') {
    if (typeof value === 'string' && isDuration(value)) visit(path, value);
    return;
  }
  if (KindGuard.IsUnion(schema)) {
    for (const variant of schema.anyOf) visitDurations(variant, value, path, visit);
  } else if (KindGuard.IsObject(schema) && isRecord(value)) {
    for (const [key, child] of Object.entries(schema.properties)) if (key in value) visitDurations(child, value[key], [...path, key], visit);
  } else if (KindGuard.IsArray(schema) && Array.isArray(value)) {
    value.forEach((item, i) => visitDurations(schema.items, item, [...path, i], visit));
  } else if (KindGuard.IsRecord(schema) && isRecord(value)) {
    const child = Object.values(schema.patternProperties)[0] as TSchema | undefined;
    if (child !== undefined) for (const [key, v] of Object.entries(value)) visitDurations(child, v, [...path, key], visit);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
