/**
 * A small JSONPath subset, enough for assertions and extraction: `$`, `.key`, `['key']`, `[0]`,
 * `[-1]`. Compiled once at config load so the hot path only walks an array of keys.
 */
import { PwError } from './errors.js';

/** A compiled path: the keys and indexes to walk from the root. */
export type CompiledJsonPath = readonly (string | number)[];

const TOKEN = /\.([A-Za-z_$][\w$-]*)|\[(-?\d+)\]|\[(?:'([^']*)'|"([^"]*)")\]/gy;

/** Compiles "$.data.items[0].id" (the leading "$" is optional). Throws PW_ERR_JSON_PATH. */
export function compileJsonPath(path: string): CompiledJsonPath {
  let s = path.trim();
  if (s.startsWith('$')) s = s.slice(1);
  else if (s.length > 0 && !s.startsWith('.') && !s.startsWith('[')) s = `.${s}`;
  const keys: (string | number)[] = [];
  TOKEN.lastIndex = 0;
  let consumed = 0;
  for (let m = TOKEN.exec(s); m !== null; m = TOKEN.exec(s)) {
    if (m[1] !== undefined) keys.push(m[1]);
    else if (m[2] !== undefined) keys.push(Number(m[2]));
    else keys.push(m[3] ?? m[4] ?? '');
    consumed = TOKEN.lastIndex;
  }
  if (consumed !== s.length) {
    throw new PwError('PW_ERR_JSON_PATH', `expected a JSON path like "$.data.items[0].id", got "${path}"`);
  }
  return keys;
}

/** True when `path` compiles. */
export function isJsonPath(path: string): boolean {
  try {
    compileJsonPath(path);
    return true;
  } catch {
    return false;
  }
}

/** The value at `path`, and whether it exists. */
export function readJsonPath(value: unknown, path: CompiledJsonPath): { found: boolean; value: unknown } {
  let current: unknown = value;
  for (const key of path) {
    if (typeof key === 'number') {
      if (!Array.isArray(current)) return { found: false, value: undefined };
      const index = key < 0 ? current.length + key : key;
      if (index < 0 || index >= current.length) return { found: false, value: undefined };
      current = current[index];
    } else {
      if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) {
        return { found: false, value: undefined };
      }
      current = (current as Record<string, unknown>)[key];
    }
  }
  return { found: true, value: current };
}
