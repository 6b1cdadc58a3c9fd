/** Helpers for the demo target tests: start one on port 0 with a quiet logger, JSON fetches. */
import { Value } from '@sinclair/typebox/value';
import { DemoSection } from '../../src/config/sections/core.js';
import type { DemoConfig } from '../../src/config/sections/core.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Clock } from '../../src/core/clock.js';
import { startDemoTarget } from '../../src/demo/demo-target.js';
import type { DemoTarget } from '../../src/demo/demo-target.js';

/** The decoded defaults of the `demo` section, with port 0. */
export function demoConfig(overrides: Partial<DemoConfig> = {}): DemoConfig {
  return { ...Value.Decode(DemoSection, Value.Default(DemoSection, {})), enabled: true, port: 0, ...overrides };
}

/** Starts a demo target on 127.0.0.1:0. */
export function startDemo(overrides: Partial<DemoConfig> = {}, clock?: Clock): Promise<DemoTarget> {
  return startDemoTarget({ config: demoConfig(overrides), logger: silentLogger(), ...(clock === undefined ? {} : { clock }) });
}

/** A fetch that returns status, headers and the parsed JSON body. */
export async function getJson(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** POST/PUT JSON. */
export function sendJson(url: string, method: 'POST' | 'PUT', body: unknown) {
  return getJson(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}
