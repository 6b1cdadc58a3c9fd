/**
 * The pure half of the WebSocket probe: which incoming message is "the reply", and whether it
 * passes the `expect` assertions. Paths are compiled once when the probe is built, so a run only
 * walks arrays of keys. Kept free of sockets so it is tested (and reasoned about) as data.
 */
import { isDeepStrictEqual } from 'node:util';
import { compileJsonPath, readJsonPath } from '../core/json-path.js';
import type { CompiledJsonPath } from '../core/json-path.js';
import { PwError } from '../core/errors.js';
import type { JsonAssertionConfig, WsRequestConfig } from '../config/sections/probes.js';
import type { AssertionResult } from './types.js';

/** A JSON assertion with its path compiled. */
interface CompiledAssertion {
  readonly name: string;
  readonly path: CompiledJsonPath;
  readonly spec: JsonAssertionConfig;
}

/** What a run sends and how it recognises and checks the reply; built once per probe. */
export interface WsExchange {
  /** The text frame to send. */
  readonly payload: string;
  /** True when the reply must be JSON (a `matchId` or `expect` is configured). */
  readonly needsJson: boolean;
  /** True when `message` (already parsed) is the reply to our message. */
  isReply(message: unknown): boolean;
  /** Evaluates `expect` against the reply; an empty list when none is configured. */
  check(reply: unknown): AssertionResult[];
}

/** Compiles `ws.send` / `ws.matchId` / `ws.expect`. Returns undefined when nothing is sent. Throws PW_ERR_INVALID_ARGUMENT for a `matchId` the sent message lacks. */
export function compileWsExchange(ws: WsRequestConfig): WsExchange | undefined {
  if (ws.send === undefined) {
    if (ws.matchId !== undefined || ws.expect !== undefined) {
      throw new PwError('PW_ERR_INVALID_ARGUMENT', 'ws.matchId and ws.expect need a message to send (ws.send)');
    }
    return undefined;
  }
  const payload = typeof ws.send === 'string' ? ws.send : JSON.stringify(ws.send);
  const matcher = ws.matchId === undefined ? undefined : compileMatcher(ws.send, ws.matchId);
  const assertions = (ws.expect ?? []).map(compileAssertion);
  return {
    payload,
    needsJson: matcher !== undefined || assertions.length > 0,
    isReply: (message) => matcher === undefined || matcher(message),
    check: (reply) => assertions.map((a) => evaluateAssertion(a, reply)),
  };
}

function compileMatcher(send: unknown, matchId: string): (message: unknown) => boolean {
  const path = compileJsonPath(matchId);
  const sent = typeof send === 'string' ? tryParseJson(send) : { ok: true as const, value: send };
  const expected = sent.ok ? readJsonPath(sent.value, path) : { found: false, value: undefined };
  if (!expected.found) {
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `ws.matchId "${matchId}" is not present in the message sent (ws.send)`);
  }
  return (message) => {
    const got = readJsonPath(message, path);
    return got.found && isDeepStrictEqual(got.value, expected.value);
  };
}

function compileAssertion(spec: JsonAssertionConfig): CompiledAssertion {
  let what: string;
  if (spec.equals !== undefined) what = `equals ${JSON.stringify(spec.equals)}`;
  else if (spec.matches !== undefined) what = `matches /${spec.matches.source}/`;
  else what = spec.exists === false ? 'does not exist' : 'exists';
  return { name: `json ${spec.path} ${what}`, path: compileJsonPath(spec.path), spec };
}

/** One JSON assertion; with none of equals/matches/exists given it means "exists". */
function evaluateAssertion(a: CompiledAssertion, reply: unknown): AssertionResult {
  const got = readJsonPath(reply, a.path);
  const actual = got.found ? short(got.value) : '(missing)';
  let ok = true;
  if (a.spec.exists !== undefined) ok &&= got.found === a.spec.exists;
  else if (a.spec.equals === undefined && a.spec.matches === undefined) ok &&= got.found;
  if (a.spec.equals !== undefined) ok &&= got.found && isDeepStrictEqual(got.value, a.spec.equals);
  if (a.spec.matches !== undefined) {
    const text = typeof got.value === 'string' ? got.value : JSON.stringify(got.value);
    ok &&= got.found && a.spec.matches.test(text);
  }
  return { name: a.name, ok, actual };
}

/** Parses JSON without throwing. */
export function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
