/**
 * Loads a YAML config: `${ENV}` substitution, defaults, schema validation, semantic checks,
 * decoding (durations → ms, sizes → bytes …) and freezing. Every problem is collected and
 * reported at once with file, line, column and path; nothing outside `config/` reads the
 * environment.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/value';
import type { ValueError } from '@sinclair/typebox/value';
import type { TSchema, TUnion } from '@sinclair/typebox';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, visit } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { PwError, coerceError } from '../core/errors.js';
import { ConfigSchema, SECTION_CHECKS, SECTION_UPGRADES } from './schema.js';
import type { Config } from './schema.js';
import { formatPath, formatProblem } from './problem.js';
import type { ConfigProblem } from './problem.js';
import { MAX_ALIAS_COUNT, MAX_CONFIG_BYTES, checkLimits } from './limits.js';
import { collectSecrets } from './secrets.js';
import { attachDataTables } from './data-files.js';
import { SECRET, createRedactor } from '../core/redact.js';

/** Variables available to `${NAME}` substitution. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Options of the loaders. */
export interface LoadConfigOptions {
  /**
   * Receives the warnings of a valid config (a deprecated shape, a costly setting), located like
   * problems. `perfwarden validate` prints them; the daemon logs them.
   */
  warnings?: ConfigProblem[];
  /** `limits` values given on the command line, replacing the file's (`perfwarden load --max-rate`). */
  limits?: Record<string, unknown>;
}

/** Reads and validates a config file. Throws PW_ERR_CONFIG_READ or PW_ERR_CONFIG_INVALID. */
export function loadConfigFile(file: string, env: Env = process.env, options: LoadConfigOptions = {}): Config {
  let text: string;
  try {
    // Checked before reading: a 50 MB file would otherwise cost seconds and gigabytes to reject.
    const size = statSync(file).size;
    if (size > MAX_CONFIG_BYTES) throw tooLarge(file, size);
    text = readFileSync(file, 'utf8');
  } catch (thrown) {
    if (thrown instanceof PwError) throw thrown;
    const err = coerceError(thrown);
    throw new PwError('PW_ERR_CONFIG_READ', `cannot read config file ${file}: ${err.message}`, { cause: err });
  }
  return loadConfigText(text, file, env, options);
}

/** Validates config text. `file` is used in messages, and locates the data files of loads (relative paths). */
export function loadConfigText(text: string, file = '<config>', env: Env = process.env, options: LoadConfigOptions = {}): Config {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CONFIG_BYTES) throw tooLarge(file, bytes);
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

  if (doc.contents === null) {
    problems.push({ file, line: 1, column: 1, path: '', message: 'the config is empty: expected at least targets: and probes: (see config/default.yaml and README "Configuration")' });
    throw invalid(file, problems);
  }
  let parsed: unknown;
  try {
    parsed = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (thrown) {
    // yaml throws a ReferenceError past maxAliasCount (a "billion laughs" document).
    problems.push({ file, ...locate(firstAliasOffset(doc)), path: '', message: `YAML aliases expand too far (more than ${MAX_ALIAS_COUNT} expansions): ${coerceError(thrown).message}` });
    throw invalid(file, problems);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    at([], 'expected a mapping at the top level (server:, targets:, probes: …)');
    throw invalid(file, problems);
  }
  const fromEnv = new Map<string, string[]>();
  const substituted = substituteEnv(parsed, [], env, at, fromEnv) as Record<string, unknown>;
  if (options.limits !== undefined) substituted.limits = { ...(substituted.limits as object | undefined), ...options.limits };
  const warnings: ConfigProblem[] = [];
  const warn = (path: readonly (string | number)[], message: string) => {
    warnings.push({ file, ...locate(nearestOffset(doc, path)), path: formatPath(path), message });
  };
  for (const upgrade of SECTION_UPGRADES) upgrade(substituted, warn);
  const withDefaults = Value.Default(ConfigSchema, structuredClone(substituted)) as Record<string, unknown>;

  const envFailed = new Set(problems.map((p) => p.path));
  for (const error of schemaErrors(ConfigSchema, withDefaults)) {
    const key = formatPath(error.path);
    // A value substituted from the environment is never echoed: it may be a token.
    if (!envFailed.has(key)) at(error.path, error.message ?? describe(error.error, fromEnv.has(key)));
  }
  for (const check of SECTION_CHECKS) check(withDefaults, at);
  checkLimits(ConfigSchema, withDefaults, at);
  if (problems.length > 0) {
    const redact = createRedactor([...[...fromEnv.values()].flat(), ...collectSecrets(withDefaults, fromEnv)]);
    throw invalid(file, dedupe(problems).map((p) => ({ ...p, message: redact(p.message) })));
  }

  options.warnings?.push(...warnings);
  let config: Config;
  try {
    config = Value.Decode(ConfigSchema, withDefaults);
  } catch (thrown) {
    at([], `cannot decode: ${coerceError(thrown).message}`);
    throw invalid(file, problems);
  }
  // Data files are read once the config is known good, relative to the config file.
  attachDataTables(config.loads, dirname(resolve(file)), at);
  if (problems.length > 0) throw invalid(file, problems);
  config = deepFreeze(config);
  SECRETS.set(config, collectSecrets(withDefaults, fromEnv));
  return config;
}

const SECRETS = new WeakMap<Config, readonly string[]>();

/**
 * The secret values of a loaded config (passwords, tokens, webhook URLs, URL credentials, values
 * from `${ENV}` that are not plain hosts or names), for a redactor. Empty for a config this
 * module did not load.
 */
export function configSecrets(config: Config): readonly string[] {
  return SECRETS.get(config) ?? [];
}

function tooLarge(file: string, bytes: number): PwError {
  const mib = (bytes / 1024 / 1024).toFixed(1);
  const problem: ConfigProblem = { file, line: 1, column: 1, path: '', message: `the file is ${mib} MiB; a config may be at most ${MAX_CONFIG_BYTES / 1024 / 1024} MiB` };
  return invalid(file, [problem]);
}

function firstAliasOffset(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

function invalid(file: string, problems: ConfigProblem[]): PwError {
  const lines = problems.map(formatProblem);
  const noun = problems.length === 1 ? 'problem' : 'problems';
  return new PwError('PW_ERR_CONFIG_INVALID', `${file}: ${problems.length} ${noun}:\n  ${lines.join('\n  ')}`, { details: problems });
}

interface SchemaError {
  path: (string | number)[];
  error: ValueError;
  /** Set when the message is not derived from `error` (an unknown `type` of a tagged union). */
  message?: string;
}

/**
 * Schema errors with paths. A union of objects tagged by `type` (channels, sources, probe kinds)
 * is judged by the variant its `type` names, so the user reads "concurrency: expected at least 1"
 * rather than "expected union value" followed by the whole object.
 */
function* schemaErrors(schema: TSchema, value: unknown): Generator<SchemaError> {
  for (const error of Value.Errors(schema, value)) {
    const path = pointerToPath(error.path);
    const variants = error.type === ValueErrorType.Union ? (error.schema as TUnion).anyOf : [];
    const tags = variants.map((v) => (v as { properties?: { type?: { const?: unknown } } }).properties?.type?.const);
    const tagged = tags.length > 0 && tags.every((t) => typeof t === 'string');
    if (!tagged || typeof error.value !== 'object' || error.value === null || Array.isArray(error.value)) {
      yield { path, error };
      continue;
    }
    const expected = `expected one of ${tags.map((t) => `"${String(t)}"`).join(', ')}`;
    if (!isTagged(error.value)) {
      yield { path: [...path, 'type'], error, message: `required: ${expected}` };
      continue;
    }
    const chosen = variants[(tags as unknown[]).indexOf(error.value.type)];
    if (chosen === undefined) {
      yield { path: [...path, 'type'], error, message: `${expected}, got ${JSON.stringify(error.value.type)}` };
      continue;
    }
    // Defaults could not be applied while the union was undecided: apply the chosen variant's.
    const withDefaults = Value.Default(chosen, structuredClone(error.value));
    for (const inner of schemaErrors(chosen, withDefaults)) yield { ...inner, path: [...path, ...inner.path] };
  }
}

function isTagged(v: unknown): v is { type: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'type' in v;
}

function describe(error: ValueError, secret: boolean): string {
  const custom = (error.schema as { errorMessage?: unknown }).errorMessage;
  if (error.type === ValueErrorType.ObjectAdditionalProperties || /additional properties|Unexpected property/i.test(error.message)) {
    return `unknown key (check the spelling; see README's configuration reference)`;
  }
  if (error.value === undefined) return typeof custom === 'string' ? `required: ${custom}` : 'required';
  const got = secret ? `${SECRET} (from the environment)` : JSON.stringify(error.value);
  if (typeof custom === 'string') return `${custom}, got ${got}`;
  return `${lowerFirst(error.message)}, got ${got}`;
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

/** Substitutes `${NAME}`; records in `fromEnv` (by path) the values that came from the environment. */
function substituteEnv(value: unknown, path: (string | number)[], env: Env, at: (p: (string | number)[], m: string) => void, fromEnv: Map<string, string[]>): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined) {
        const key = formatPath(path);
        if (v !== '') fromEnv.set(key, [...(fromEnv.get(key) ?? []), v]);
        return v;
      }
      if (fallback !== undefined) return fallback;
      at(path, `environment variable ${name} is not set (used as \${${name}})`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, [...path, i], env, at, fromEnv));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, [...path, k], env, at, fromEnv);
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
