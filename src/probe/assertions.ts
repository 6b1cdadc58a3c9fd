/**
 * Assertion evaluation, pure: a probe's `assert` config is compiled once (JSON paths, regexes,
 * status ranges) into a list of checks, and each run evaluates them against the response it read.
 * Every check is evaluated so a reader sees the whole picture; the run's failure is the first one
 * that failed, in config order: status, json, body, headers, maxLatency.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AssertConfig } from '../config/sections/probes.js';
import { compileJsonPath, readJsonPath } from '../core/json-path.js';
import type { StatusRanges } from './status-spec.js';
import { statusMatches } from './status-spec.js';
import type { AssertionResult, FailureReason } from './types.js';

/** What assertions look at: one response, read in full (up to the body cap). */
export interface ProbeResponse {
  status: number;
  /** Response headers with lower-cased names (as undici and node:http give them). */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  bodyText: string;
  /** The parsed body, when the caller already has it; otherwise `bodyText` is parsed on demand. */
  json?: unknown;
  /** Wall time of the whole request, in seconds. */
  durationSeconds: number;
}

/** The outcome of evaluating every check: each result, and the first failure if any. */
export interface AssertionOutcome {
  results: AssertionResult[];
  failure?: { reason: FailureReason; message: string };
}

type JsonState = { ok: true; value: unknown } | { ok: false; error: string };

interface Check {
  readonly name: string;
  /** The reason a failure of this check is reported under. */
  readonly reason: FailureReason;
  evaluate(response: ProbeResponse, json: () => JsonState): { ok: boolean; actual?: string; reason?: FailureReason };
}

/** A probe's assertions, compiled once at build time. */
export interface CompiledAssertions {
  readonly checks: readonly Check[];
  /** True when some check reads the body text (JSON or body regex): the caller must decode it. */
  readonly needsBody: boolean;
}

/** Options for `compileAssertions`. */
export interface CompileAssertionsOptions {
  /** Accepted statuses when `assert.status` is absent. Default: 200-399. */
  defaultStatus?: StatusRanges;
}

const DEFAULT_STATUS: StatusRanges = [[200, 399]];
const MAX_ACTUAL = 120;

/** Short, single-line rendering of a seen value. */
function short(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const line = text.replace(/\s+/g, ' ');
  return line.length > MAX_ACTUAL ? `${line.slice(0, MAX_ACTUAL - 1)}…` : line;
}

/** "2xx", "204" or "200-299" for each range. */
export function describeStatusRanges(ranges: StatusRanges): string {
  return ranges
    .map(([lo, hi]) => (lo === hi ? String(lo) : lo % 100 === 0 && hi === lo + 99 ? `${lo / 100}xx` : `${lo}-${hi}`))
    .join(', ');
}

/** A copy without `g`/`y`, whose `test()` would otherwise carry state between runs. */
function stateless(re: RegExp): RegExp {
  return re.global || re.sticky ? new RegExp(re.source, re.flags.replace(/[gy]/g, '')) : re;
}

function headerValue(headers: ProbeResponse['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return typeof value === 'string' ? value : value.join(', ');
  }
  return undefined;
}

function statusCheck(ranges: StatusRanges): Check {
  const expected = describeStatusRanges(ranges);
  return {
    name: `status ${expected}`,
    reason: 'status',
    evaluate: (r) => ({ ok: statusMatches(r.status, ranges), actual: String(r.status) }),
  };
}

function jsonChecks(a: NonNullable<AssertConfig['json']>[number]): Check[] {
  const path = compileJsonPath(a.path);
  const checks: Check[] = [];
  const add = (name: string, test: (found: boolean, value: unknown) => boolean): void => {
    checks.push({
      name: `json ${a.path} ${name}`,
      reason: 'assertion',
      evaluate: (_r, json) => {
        const parsed = json();
        if (!parsed.ok) return { ok: false, actual: `not JSON (${parsed.error})`, reason: 'invalid_json' };
        const { found, value } = readJsonPath(parsed.value, path);
        return { ok: test(found, value), actual: found ? short(value) : '(missing)' };
      },
    });
  };
  if (a.equals !== undefined) add(`equals ${short(JSON.stringify(a.equals))}`, (found, v) => found && isDeepStrictEqual(v, a.equals));
  if (a.matches !== undefined) {
    const re = stateless(a.matches);
    add(`matches /${re.source}/`, (found, v) => found && v !== undefined && re.test(typeof v === 'string' ? v : JSON.stringify(v)));
  }
  if (a.exists !== undefined || checks.length === 0) {
    const want = a.exists ?? true;
    add(want ? 'exists' : 'does not exist', (found) => found === want);
  }
  return checks;
}

function bodyCheck(body: RegExp): Check {
  const re = stateless(body);
  return {
    name: `body matches /${re.source}/`,
    reason: 'assertion',
    evaluate: (r) => ({ ok: re.test(r.bodyText), actual: short(r.bodyText) }),
  };
}

function headerChecks(h: NonNullable<AssertConfig['headers']>[number]): Check[] {
  const name = h.name.toLowerCase();
  const checks: Check[] = [];
  const add = (label: string, test: (value: string | undefined) => boolean): void => {
    checks.push({
      name: `header ${name} ${label}`,
      reason: 'assertion',
      evaluate: (r) => {
        const value = headerValue(r.headers, name);
        return { ok: test(value), actual: value === undefined ? '(missing)' : short(value) };
      },
    });
  };
  if (h.equals !== undefined) {
    const want = h.equals;
    add(`equals ${JSON.stringify(want)}`, (v) => v === want);
  }
  if (h.matches !== undefined) {
    const re = stateless(h.matches);
    add(`matches /${re.source}/`, (v) => v !== undefined && re.test(v));
  }
  if (checks.length === 0) add('exists', (v) => v !== undefined);
  return checks;
}

function latencyCheck(maxMs: number): Check {
  return {
    name: `maxLatency ${maxMs}ms`,
    reason: 'assertion',
    evaluate: (r) => {
      const ms = r.durationSeconds * 1000;
      return { ok: ms <= maxMs, actual: `${ms.toFixed(1)}ms` };
    },
  };
}

/** Compiles `assert` once. Throws PW_ERR_JSON_PATH for a bad path (config validation catches it first). */
export function compileAssertions(assert: AssertConfig | undefined, options: CompileAssertionsOptions = {}): CompiledAssertions {
  const checks: Check[] = [statusCheck(assert?.status ?? options.defaultStatus ?? DEFAULT_STATUS)];
  for (const a of assert?.json ?? []) checks.push(...jsonChecks(a));
  if (assert?.body !== undefined) checks.push(bodyCheck(assert.body));
  for (const h of assert?.headers ?? []) checks.push(...headerChecks(h));
  if (assert?.maxLatency !== undefined) checks.push(latencyCheck(assert.maxLatency));
  return { checks, needsBody: (assert?.json?.length ?? 0) > 0 || assert?.body !== undefined };
}

/** Evaluates every check against one response. */
export function evaluateAssertions(compiled: CompiledAssertions, response: ProbeResponse): AssertionOutcome {
  let json: JsonState | undefined;
  const readJson = (): JsonState => {
    if (json !== undefined) return json;
    if ('json' in response) json = { ok: true, value: response.json };
    else {
      try {
        json = { ok: true, value: JSON.parse(response.bodyText) as unknown };
      } catch (err) {
        json = { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    }
    return json;
  };

  const results: AssertionResult[] = [];
  let failure: AssertionOutcome['failure'];
  for (const check of compiled.checks) {
    const { ok, actual, reason } = check.evaluate(response, readJson);
    const result: AssertionResult = { name: check.name, ok };
    if (actual !== undefined) result.actual = actual;
    results.push(result);
    if (!ok && failure === undefined) {
      failure = { reason: reason ?? check.reason, message: `${check.name}: got ${actual ?? '(nothing)'}` };
    }
  }
  return failure === undefined ? { results } : { results, failure };
}
