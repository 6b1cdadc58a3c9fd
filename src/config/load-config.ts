/**
 * Loads a YAML config: `${ENV}` substitution, defaults, schema validation, semantic checks,
 * decoding (durations → ms, sizes → bytes …) and freezing. Every problem is collected and
 * reported at once with file, line, column and path; nothing outside `config/` reads the
 * environment.
 */
import { readFileSync } from 'node:fs';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import type { ValueError } from '@sinclair/typebox/value';
import type { TSchema, TUnion } from '@sinclair/typebox';
import { LineCounter, parseDocument, isMap, isSeq, isScalar } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { PwError, coerceError } from '../core/errors.js';
import { ConfigSchema, SECTION_CHECKS, SECTION_UPGRADES } from './schema.js';
import type { Config } from './schema.js';
import { formatPath, formatProblem } from './problem.js';
import type { ConfigProblem } from './problem.js';

/** Variables available to `${NAME}` substitution. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Options of the loaders. */
export interface LoadConfigOptions {
  /**
   * Receives the warnings of a valid config (a deprecated shape, a costly setting), located like
   * problems. `perfwarden validate` prints them; the daemon logs them.
   */
  warnings?: ConfigProblem[];
}

/** Reads and validates a config file. Throws PW_ERR_CONFIG_READ or PW_ERR_CONFIG_INVALID. */
export function loadConfigFile(file: string, env: Env = process.env, options: LoadConfigOptions = {}): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (thrown) {
    const err = coerceError(thrown);
    throw new PwError('PW_ERR_CONFIG_READ', `cannot read config file ${file}: ${err.message}`, { cause: err });
  }
  return loadConfigText(text, file, env, options);
}

/** Validates config text. `file` is only used in messages. */
export function loadConfigText(text: string, file = '<config>', env: Env = process.env, options: LoadConfigOptions = {}): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: ConfigProblem[] = [];
  const locate = (offset: number | undefined) => {
    if (offset === undefined) return { line: 0, column: 0 };
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  for (const e of doc.errors) {
    problems.push({ file, ...locate(e.pos[0]), path: '', message: `YAML syntax: ${e.message.split('\n')[0] ?? e.message}` });
  }
  if (problems.length > 0) throw invalid(file, problems);

  const at = (path: readonly (string | number)[], message: string) => {
    problems.push({ file, ...locate(nearestOffset(doc, path)), path: formatPath(path), message });
  };

  const parsed: unknown = doc.toJS() ?? {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    at([], 'expected a mapping at the top level (server:, targets:, probes: …)');
    throw invalid(file, problems);
  }
  const substituted = substituteEnv(parsed, [], env, at) as Record<string, unknown>;
  const warnings: ConfigProblem[] = [];
  const warn = (path: readonly (string | number)[], message: string) => {
    warnings.push({ file, ...locate(nearestOffset(doc, path)), path: formatPath(path), message });
  };
  for (const upgrade of SECTION_UPGRADES) upgrade(substituted, warn);
  const withDefaults = Value.Default(ConfigSchema, structuredClone(substituted)) as Record<string, unknown>;

  const envFailed = new Set(problems.map((p) => p.path));
  for (const error of schemaErrors(ConfigSchema, withDefaults)) {
    const path = pointerToPath(error.path);
    if (!envFailed.has(formatPath(path))) at(path, error.message);
  }
  for (const check of SECTION_CHECKS) check(withDefaults, at);
  if (problems.length > 0) throw invalid(file, dedupe(problems));

  options.warnings?.push(...warnings);
  try {
    return deepFreeze(Value.Decode(ConfigSchema, withDefaults));
  } catch (thrown) {
    at([], `cannot decode: ${coerceError(thrown).message}`);
    throw invalid(file, problems);
  }
}

/** A schema error, described for a person, with its JSON-pointer path in the whole config. */
interface LocatedError {
  path: string;
  message: string;
}

/**
 * The schema's errors, with tagged unions resolved: for a union with a `discriminator` (probes'
 * `type`), the errors of the variant the value's tag names (after that variant's defaults), or
 * one error on the tag itself when it names no variant. Plain TypeBox would only say the value
 * matches none of the variants.
 */
function* schemaErrors(schema: TSchema, value: unknown, prefix = ''): Generator<LocatedError> {
  for (const error of Value.Errors(schema, value)) {
    const discriminator = (error.schema as { discriminator?: unknown }).discriminator;
    if (error.type !== ValueErrorType.Union || typeof discriminator !== 'string') {
      yield { path: prefix + error.path, message: describe(error) };
      continue;
    }
    const variants = (error.schema as TUnion).anyOf;
    const tags = variants.map((v) => (v as { properties?: Record<string, { const?: unknown }> }).properties?.[discriminator]?.const);
    const item = error.value as Record<string, unknown> | null;
    const tag = typeof item === 'object' && item !== null ? item[discriminator] : undefined;
    const variant = variants[tags.indexOf(tag)];
    if (variant === undefined || typeof item !== 'object' || item === null) {
      const expected = `expected one of ${tags.map((t) => `"${String(t)}"`).join(', ')}`;
      const message = tag === undefined ? `required: ${expected}` : `${expected}, got ${JSON.stringify(tag)}`;
      yield { path: `${prefix}${error.path}/${discriminator}`, message };
      continue;
    }
    yield* schemaErrors(variant, Value.Default(variant, structuredClone(item)), prefix + error.path);
  }
}

function invalid(file: string, problems: ConfigProblem[]): PwError {
  const lines = problems.map(formatProblem);
  const noun = problems.length === 1 ? 'problem' : 'problems';
  return new PwError('PW_ERR_CONFIG_INVALID', `${file}: ${problems.length} ${noun}:\n  ${lines.join('\n  ')}`, { details: problems });
}

function describe(error: ValueError): string {
  const custom = (error.schema as { errorMessage?: unknown }).errorMessage;
  if (error.type === 45 /* ObjectAdditionalProperties */ || /additional properties|Unexpected property/i.test(error.message)) {
    return `unknown key (check the spelling; see README's configuration reference)`;
  }
  if (error.value === undefined) return typeof custom === 'string' ? `required: ${custom}` : 'required';
  if (typeof custom === 'string') return `${custom}, got ${JSON.stringify(error.value)}`;
  return `${lowerFirst(error.message)}, got ${JSON.stringify(error.value)}`;
}

function lowerFirst(s: string): string {
  return s.length === 0 ? s : s[0]!.toLowerCase() + s.slice(1);
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg));
}

/** The source offset of the node at `path`, or of its nearest existing ancestor's key. */
function nearestOffset(doc: Document, path: readonly (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as YamlNode | undefined;
    if (node !== undefined && node !== null && typeof node === 'object' && 'range' in node && node.range) {
      // For a missing child, point at the parent's key rather than its value where we can.
      if (n < path.length && n > 0) {
        const parent = doc.getIn(path.slice(0, n - 1), true);
        if (isMap(parent)) {
          const pair = parent.items.find((it) => isScalar(it.key) && it.key.value === path[n - 1]);
          if (pair !== undefined && isScalar(pair.key) && pair.key.range) return pair.key.range[0];
        }
      }
      if (n < path.length && isSeq(node) === false && isMap(node) === false) return node.range[0];
      return node.range[0];
    }
  }
  return undefined;
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function substituteEnv(value: unknown, path: (string | number)[], env: Env, at: (p: (string | number)[], m: string) => void): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined) return v;
      if (fallback !== undefined) return fallback;
      at(path, `environment variable ${name} is not set (used as \${${name}})`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, [...path, i], env, at));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, [...path, k], env, at);
    return out;
  }
  return value;
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  const sorted = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
  return sorted.filter((p) => {
    const key = `${p.path}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !(value instanceof RegExp) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
