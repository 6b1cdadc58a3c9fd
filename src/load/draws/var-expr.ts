/**
 * Variables drawn per iteration, as written in a load's `vars`: `randomInt(1, 100)`,
 * `choice(buy, sell)` or weighted `choice(gold:1, silver:3)`, `zipf(1000, 1.1)`, `sequence` or
 * `sequence(1)`, `uuid`. Parsed once at the config boundary into a tagged union; a mistake
 * (unknown function, wrong arity, a > b, n < 1 …) throws PW_ERR_INVALID_ARGUMENT with a message
 * the config loader places at the variable's file:line.
 */
import { PwError } from '../../core/errors.js';

/** One variable, parsed. */
export type VarSpec =
  /** An integer drawn uniformly from `min`..`max`, both included. */
  | { fn: 'randomInt'; min: number; max: number }
  /** One of `values`, drawn with probability weight / sum of weights. */
  | { fn: 'choice'; values: readonly string[]; weights: readonly number[] }
  /** A rank 1..n with P(k) ∝ 1/k^s. */
  | { fn: 'zipf'; n: number; s: number }
  /** The run's global iteration number plus `start`: unique across workers and shards. */
  | { fn: 'sequence'; start: number }
  /** A random UUID (crypto.randomUUID: never repeated, whatever the seed). */
  | { fn: 'uuid' };

/** The function names, for messages. */
export const VAR_FUNCTIONS = ['randomInt', 'choice', 'zipf', 'sequence', 'uuid'] as const;

const CALL = /^\s*([A-Za-z]+)\s*(?:\((.*)\))?\s*$/s;

/** Parses one variable expression. Throws PW_ERR_INVALID_ARGUMENT. */
export function parseVarExpr(text: string): VarSpec {
  const m = CALL.exec(text);
  if (m === null) throw bad(`expected a function like "zipf(1000, 1.1)" or "uuid", got "${text}"`);
  const fn = m[1] ?? '';
  const args = m[2] === undefined ? [] : splitArgs(m[2]);
  switch (fn) {
    case 'randomInt': {
      arity(fn, args, 2, 2, 'randomInt(min, max)');
      const min = integer(args[0]!, 'min');
      const max = integer(args[1]!, 'max');
      if (min > max) throw bad(`randomInt(min, max): min ${min} is above max ${max}`);
      return { fn, min, max };
    }
    case 'choice': {
      if (args.length === 0) throw bad('choice(a, b, ...) needs at least one value');
      const values: string[] = [];
      const weights: number[] = [];
      for (const a of args) {
        values.push(a.value);
        if (a.weight !== undefined && !(a.weight >= 0 && Number.isFinite(a.weight))) throw bad(`choice: weight of "${a.value}" must be a number >= 0`);
        weights.push(a.weight ?? 1);
      }
      if (!weights.some((w) => w > 0)) throw bad('choice: at least one weight must be above 0');
      return { fn, values, weights };
    }
    case 'zipf': {
      arity(fn, args, 2, 2, 'zipf(n, s)');
      const n = integer(args[0]!, 'n');
      const s = Number(plain(args[1]!, 's'));
      if (n < 1) throw bad(`zipf(n, s): n must be at least 1, got ${n}`);
      if (!(s > 0) || !Number.isFinite(s)) throw bad(`zipf(n, s): s must be a number above 0, got "${args[1]!.value}"`);
      return { fn, n, s };
    }
    case 'sequence': {
      arity(fn, args, 0, 1, 'sequence or sequence(start)');
      return { fn, start: args[0] === undefined ? 0 : integer(args[0], 'start') };
    }
    case 'uuid':
      arity(fn, args, 0, 0, 'uuid');
      return { fn };
    default:
      throw bad(`unknown function "${fn}" (expected ${VAR_FUNCTIONS.join(', ')})`);
  }
}

/** The expression text of a spec (the config schema's encode direction). */
export function formatVarExpr(spec: VarSpec): string {
  switch (spec.fn) {
    case 'randomInt':
      return `randomInt(${spec.min}, ${spec.max})`;
    case 'choice':
      return `choice(${spec.values.map((v, i) => `${JSON.stringify(v)}:${spec.weights[i] ?? 1}`).join(', ')})`;
    case 'zipf':
      return `zipf(${spec.n}, ${spec.s})`;
    case 'sequence':
      return spec.start === 0 ? 'sequence' : `sequence(${spec.start})`;
    case 'uuid':
      return 'uuid';
  }
}

interface Arg {
  value: string;
  /** `:weight` after the value (choice only). */
  weight?: number;
  quoted: boolean;
}

/** Splits `a, "b, c":2, d` at top-level commas; quotes ("…" or '…') keep commas and colons. */
function splitArgs(text: string): Arg[] {
  if (text.trim() === '') return [];
  const out: Arg[] = [];
  const re = /\s*(?:"([^"]*)"|'([^']*)'|([^,:"']*?))\s*(?::\s*([^,]*?)\s*)?(?:,|$)/y;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (m === null || re.lastIndex === at) throw bad(`cannot read the arguments "${text}" (quote a value that holds a comma, colon or quote)`);
    const quoted = m[1] !== undefined || m[2] !== undefined;
    const value = m[1] ?? m[2] ?? m[3] ?? '';
    if (!quoted && value === '') throw bad(`empty argument in "${text}"`);
    out.push({ value, quoted, ...(m[4] === undefined ? {} : { weight: m[4] === '' ? Number.NaN : Number(m[4]) }) });
    at = re.lastIndex;
    if (at === text.length && text.trimEnd().endsWith(',')) throw bad(`empty argument in "${text}"`);
  }
  return out;
}

function arity(fn: string, args: readonly Arg[], min: number, max: number, usage: string): void {
  if (args.length < min || args.length > max) throw bad(`${fn} takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'} (${usage}), got ${args.length}`);
}

function plain(a: Arg, what: string): string {
  if (a.quoted || a.weight !== undefined) throw bad(`${what}: expected a number, got ${JSON.stringify(a.value)}`);
  return a.value;
}

function integer(a: Arg, what: string): number {
  const n = Number(plain(a, what));
  if (!Number.isSafeInteger(n) || a.value.trim() === '') throw bad(`${what}: expected an integer, got "${a.value}"`);
  return n;
}

function bad(message: string): PwError {
  return new PwError('PW_ERR_INVALID_ARGUMENT', message);
}
