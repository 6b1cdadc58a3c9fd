/**
 * The demo target's fault-injection knobs: added latency, error rate (globally and per route),
 * slow WebSocket handshakes and a memory leak. Set from config at start and changed at runtime
 * through `PUT /admin/knobs`, which accepts numbers (ms, ratio, bytes) or the strings people
 * write in config ("700ms", "5%", "1MiB"). Input is validated by a TypeBox schema, then units
 * are parsed once, here.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { PwError, coerceError } from '../core/errors.js';
import { parseDuration, parsePercent, parseSize } from '../core/units.js';
import type { DemoConfig } from '../config/sections/core.js';

/** Upper bounds that keep a typo from hanging or exhausting the machine. */
const MAX_DELAY_MS = 120_000;
const MAX_LEAK_PER_SECOND = 64 * 1024 * 1024;

/** Per-route overrides; unset fields fall back to the global knob. */
export interface RouteKnobs {
  /** Added latency in milliseconds. */
  latency?: number;
  /** Ratio (0..1) of requests answered with an injected 500. */
  errorRate?: number;
}

/** The current knob values, in base units. */
export interface DemoKnobs {
  /** Added latency on every /api route, milliseconds. */
  latency: number;
  /** Ratio (0..1) of /api requests answered with an injected 500. */
  errorRate: number;
  /** Delay before a WebSocket upgrade completes, milliseconds. */
  wsHandshakeDelay: number;
  /** Bytes retained per second by the simulated leak (0 = off). */
  leakPerSecond: number;
  /** Overrides keyed by route pattern, e.g. "/api/trade" or "/api/items/:id". */
  routes: Record<string, RouteKnobs>;
}

const DurationIn = Type.Union([Type.Number({ minimum: 0, maximum: MAX_DELAY_MS }), Type.String({ minLength: 1 })]);
const RatioIn = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.String({ minLength: 1 })]);
const SizeIn = Type.Union([Type.Integer({ minimum: 0, maximum: MAX_LEAK_PER_SECOND }), Type.String({ minLength: 1 })]);
const RouteKnobsIn = Type.Object({ latency: Type.Optional(DurationIn), errorRate: Type.Optional(RatioIn) }, { additionalProperties: false });

/**
 * A partial update of the knobs. Numbers are base units (ms, ratio 0..1, bytes); strings are
 * parsed ("700ms", "5%", "1MiB"). A route set to `null` drops its overrides.
 */
export const KnobsPatchSchema = Type.Object({
  latency: Type.Optional(DurationIn),
  errorRate: Type.Optional(RatioIn),
  wsHandshakeDelay: Type.Optional(DurationIn),
  leakPerSecond: Type.Optional(SizeIn),
  routes: Type.Optional(Type.Record(Type.String({ pattern: '^/' }), Type.Union([RouteKnobsIn, Type.Null()]), { additionalProperties: false })),
}, { additionalProperties: false });

/** The raw (human) form of a knobs update, as accepted by `PUT /admin/knobs`. */
export type KnobsPatchInput = Static<typeof KnobsPatchSchema>;

/** A validated update in base units. */
export interface KnobsPatch {
  latency?: number;
  errorRate?: number;
  wsHandshakeDelay?: number;
  leakPerSecond?: number;
  routes?: Record<string, RouteKnobs | null>;
}

/** Validates and converts a knobs update. Throws PW_ERR_INVALID_ARGUMENT listing every problem. */
export function parseKnobsPatch(input: unknown): KnobsPatch {
  if (!Value.Check(KnobsPatchSchema, input)) {
    const problems = [...Value.Errors(KnobsPatchSchema, input)].map((e) => `${e.path || '/'}: ${e.message}`);
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `invalid knobs: ${[...new Set(problems)].join('; ')}`, { details: problems });
  }
  const problems: string[] = [];
  const convert = (path: string, value: number | string | undefined, parse: (s: string) => number, max: number): number | undefined => {
    if (value === undefined) return undefined;
    try {
      const n = typeof value === 'number' ? value : parse(value);
      if (n > max) problems.push(`${path}: at most ${max}`);
      return n;
    } catch (thrown) {
      problems.push(`${path}: ${coerceError(thrown).message}`);
      return undefined;
    }
  };
  const out: KnobsPatch = {};
  const latency = convert('/latency', input.latency, parseDuration, MAX_DELAY_MS);
  const errorRate = convert('/errorRate', input.errorRate, parsePercent, 1);
  const wsHandshakeDelay = convert('/wsHandshakeDelay', input.wsHandshakeDelay, parseDuration, MAX_DELAY_MS);
  const leakPerSecond = convert('/leakPerSecond', input.leakPerSecond, parseSize, MAX_LEAK_PER_SECOND);
  if (latency !== undefined) out.latency = latency;
  if (errorRate !== undefined) out.errorRate = errorRate;
  if (wsHandshakeDelay !== undefined) out.wsHandshakeDelay = wsHandshakeDelay;
  if (leakPerSecond !== undefined) out.leakPerSecond = Math.round(leakPerSecond);
  if (input.routes !== undefined) {
    out.routes = {};
    for (const [route, r] of Object.entries(input.routes)) {
      if (r === null) {
        out.routes[route] = null;
        continue;
      }
      const rk: RouteKnobs = {};
      const rl = convert(`/routes/${route}/latency`, r.latency, parseDuration, MAX_DELAY_MS);
      const re = convert(`/routes/${route}/errorRate`, r.errorRate, parsePercent, 1);
      if (rl !== undefined) rk.latency = rl;
      if (re !== undefined) rk.errorRate = re;
      out.routes[route] = rk;
    }
  }
  if (problems.length > 0) throw new PwError('PW_ERR_INVALID_ARGUMENT', `invalid knobs: ${problems.join('; ')}`, { details: problems });
  return out;
}

/** The knobs' holder: read on every request, changed by the admin route. */
export interface KnobStore {
  get(): DemoKnobs;
  /** Applies an update (human or base units, validated); returns the new values. Throws PW_ERR_INVALID_ARGUMENT. */
  set(partial: unknown): DemoKnobs;
  /** Latency and error rate in effect for a route pattern. */
  forRoute(route: string): { latency: number; errorRate: number };
  /** Called after every change (the leak follows `leakPerSecond`). */
  onChange(listener: (knobs: DemoKnobs) => void): void;
}

/** Creates the knob store from the `demo` config section. */
export function createKnobStore(config: DemoConfig): KnobStore {
  let knobs: DemoKnobs = {
    latency: config.latency,
    errorRate: config.errorRate,
    wsHandshakeDelay: config.wsHandshakeDelay,
    leakPerSecond: config.leakPerSecond,
    routes: {},
  };
  const listeners: ((k: DemoKnobs) => void)[] = [];
  return {
    get: () => structuredClone(knobs),
    set(partial) {
      const patch = parseKnobsPatch(partial);
      const routes = { ...knobs.routes };
      for (const [route, r] of Object.entries(patch.routes ?? {})) {
        if (r === null) delete routes[route];
        else routes[route] = { ...routes[route], ...r };
      }
      const { routes: _ignored, ...scalars } = patch;
      knobs = { ...knobs, ...scalars, routes };
      for (const listener of listeners) listener(structuredClone(knobs));
      return structuredClone(knobs);
    },
    forRoute(route) {
      const r = knobs.routes[route];
      return { latency: r?.latency ?? knobs.latency, errorRate: r?.errorRate ?? knobs.errorRate };
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}
