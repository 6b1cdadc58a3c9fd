/** Builds decoded load configs from raw objects the way the config loader does. */
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { LoadSchema, checkLoadEntry } from '../../src/config/sections/loads.js';
import type { LoadConfig } from '../../src/config/sections/loads.js';

/** Validates and decodes one raw `loads` entry; fails the test on any problem. */
export function loadConfig(raw: Record<string, unknown>): LoadConfig {
  const withDefaults = Value.Default(LoadSchema, structuredClone(raw)) as Record<string, unknown>;
  const problems = [...Value.Errors(LoadSchema, withDefaults)].map((e) => `${e.path}: ${e.message}`);
  checkLoadEntry(withDefaults, [], new Set(), (p, m) => problems.push(`${p.join('.')}: ${m}`));
  assert.deepEqual(problems, []);
  return Value.Decode(LoadSchema, withDefaults);
}

/** A one-request scenario. */
export function oneRequest(path: string, extra: Record<string, unknown> = {}): Record<string, unknown>[] {
  return [{ name: 'main', requests: [{ path, ...extra }] }];
}
