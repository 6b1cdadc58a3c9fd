/**
 * Alert thresholds as people write them ("> 400ms", "< 75%", "> 1MiB/min", "> 0.9", "x1.5") parsed
 * once at config load into a comparison in base units: seconds, ratios (0..1), bytes, bytes/second,
 * factors. A factor alone ("x1.5") means "at least": it sizes a change, new level / old level.
 */
import { PwError } from '../core/errors.js';
import { isDuration, isPercent, isSize, parseDuration, parsePercent, parseSize } from '../core/units.js';

/** A comparison operator. */
export type ThresholdOp = '>' | '>=' | '<' | '<=';

/** What unit a threshold was written in. */
export type ThresholdKind = 'duration' | 'ratio' | 'size' | 'rate' | 'number' | 'factor';

/** A parsed threshold: `value <op> this.value` means "over the line". */
export interface Threshold {
  op: ThresholdOp;
  /** In base units: seconds, ratio, bytes, bytes per second, a factor, or the plain number. */
  value: number;
  kind: ThresholdKind;
  /** As written, for messages. */
  text: string;
}

const PER_ALIASES: Record<string, string> = { sec: 's', min: 'm', hour: 'h', hr: 'h', day: 'd' };

const SHAPE = /^\s*(>=|<=|>|<)\s*(\S.*?)\s*$/;
const FACTOR = /^x(\d+(?:\.\d+)?)$/;

/** Parses "> 400ms" (or "x1.5", short for ">= x1.5"). Throws PW_ERR_THRESHOLD. */
export function parseThreshold(text: string): Threshold {
  const bare = FACTOR.exec(text.trim());
  if (bare !== null) return { op: '>=', value: Number(bare[1]), kind: 'factor', text: text.trim() };
  const m = SHAPE.exec(text);
  if (m === null) throw bad(text);
  const op = m[1] as ThresholdOp;
  const raw = m[2] ?? '';
  const base = { op, text: text.trim() };
  if (/^-?\d+(\.\d+)?$/.test(raw)) return { ...base, value: Number(raw), kind: 'number' };
  const factor = FACTOR.exec(raw);
  if (factor !== null) return { ...base, value: Number(factor[1]), kind: 'factor' };
  if (isPercent(raw)) return { ...base, value: parsePercent(raw), kind: 'ratio' };
  if (isDuration(raw)) return { ...base, value: parseDuration(raw) / 1000, kind: 'duration' };
  const slash = raw.split('/');
  if (slash.length === 2 && isSize(slash[0] ?? '')) {
    const per = PER_ALIASES[slash[1] ?? ''] ?? slash[1] ?? '';
    const perMs = isDuration(per) ? parseDuration(per) : isDuration(`1${per}`) ? parseDuration(`1${per}`) : undefined;
    if (perMs !== undefined && perMs > 0) return { ...base, value: (parseSize(slash[0] ?? '') * 1000) / perMs, kind: 'rate' };
  }
  if (isSize(raw)) return { ...base, value: parseSize(raw), kind: 'size' };
  throw bad(text);
}

/** True when `text` parses. */
export function isThreshold(text: string): boolean {
  try {
    parseThreshold(text);
    return true;
  } catch {
    return false;
  }
}

/** True when `value` is over the line. */
export function crosses(value: number, t: Threshold): boolean {
  switch (t.op) {
    case '>': return value > t.value;
    case '>=': return value >= t.value;
    case '<': return value < t.value;
    case '<=': return value <= t.value;
  }
}

/** True when `value` is back on the good side of a `clear` threshold ("< 350ms" means clear below 350 ms). */
export function clears(value: number, clear: Threshold): boolean {
  return crosses(value, clear);
}

/** The default clear condition for a trigger: the trigger's own line, negated. */
export function negate(t: Threshold): Threshold {
  const op: ThresholdOp = t.op === '>' ? '<=' : t.op === '>=' ? '<' : t.op === '<' ? '>=' : '>';
  return { ...t, op, text: `${op} ${t.text.replace(/^\s*(>=|<=|>|<)\s*/, '')}` };
}

/**
 * The clear line for `trigger` with the same relative band as `clear` has to `base`: base
 * "> 400ms" with clear "< 350ms" and trigger "> 600ms" gives "< 525ms". Undefined when the band
 * cannot be scaled (a zero base, or units or directions that differ).
 */
export function scaleClear(base: Threshold, clear: Threshold, trigger: Threshold): Threshold | undefined {
  const above = (t: Threshold) => t.op === '>' || t.op === '>=';
  if (base.value === 0 || base.kind !== trigger.kind || above(base) !== above(trigger)) return undefined;
  const value = trigger.value * (clear.value / base.value);
  return { op: clear.op, value, kind: clear.kind, text: `${clear.op} ${formatThresholdValue(value, clear.kind)}` };
}

/** A base-unit value written like a threshold ("525ms", "64%", "2MiB/min"). */
export function formatThresholdValue(value: number, kind: ThresholdKind): string {
  const r = (n: number) => String(Math.round(n * 100) / 100);
  switch (kind) {
    case 'duration': return value < 1 ? `${r(value * 1000)}ms` : `${r(value)}s`;
    case 'ratio': return `${r(value * 100)}%`;
    case 'size': return `${r(value / 1048576)}MiB`;
    case 'rate': return `${r((value * 60) / 1024)}KiB/min`;
    case 'number': return r(value);
    case 'factor': return `x${r(value)}`;
  }
}

function bad(text: string): PwError {
  return new PwError('PW_ERR_THRESHOLD', `expected a threshold like "> 400ms", "< 75%", "> 1MiB/min", "> 0.9" or "x1.5", got "${text}"`);
}
