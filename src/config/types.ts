/**
 * Schema building blocks for config values written by people. Each decodes once, at load:
 * durations to milliseconds, sizes to bytes, percentages to ratios, regexes to RegExp.
 * `errorMessage` is what a user reads next to the file, line and path.
 */
import { FormatRegistry, Type } from '@sinclair/typebox';
import type { SchemaOptions, TSchema } from '@sinclair/typebox';
import nodeCron from 'node-cron';
import { isJsonPath } from '../core/json-path.js';
import { isDuration, isDurationRange, isPercent, isSize, parseDuration, parseDurationRange, parsePercent, parseSize, formatDuration } from '../core/units.js';

FormatRegistry.Set('duration', isDuration);
FormatRegistry.Set('duration-range', isDurationRange);
FormatRegistry.Set('size', isSize);
FormatRegistry.Set('percent', isPercent);
FormatRegistry.Set('json-path', isJsonPath);
FormatRegistry.Set('cron', (v) => nodeCron.validate(v));
FormatRegistry.Set('regex', (v) => {
  try {
    new RegExp(v);
    return true;
  } catch {
    return false;
  }
});
FormatRegistry.Set('name', (v) => /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/.test(v));

/** A duration string ("250ms", "15s", "2h") decoded to milliseconds. */
export function Duration(options: SchemaOptions = {}) {
  return Type.Transform(Type.String({ format: 'duration', errorMessage: 'expected a duration like "2s"', ...options }))
    .Decode((v) => parseDuration(v))
    .Encode((v) => formatDuration(v));
}

/** "1s..3s" (or one duration) decoded to `{ minMs, maxMs }`. */
export function DurationRangeT(options: SchemaOptions = {}) {
  return Type.Transform(Type.String({ format: 'duration-range', errorMessage: 'expected a duration or a range like "1s..3s"', ...options }))
    .Decode((v) => parseDurationRange(v))
    .Encode((v) => `${formatDuration(v.minMs)}..${formatDuration(v.maxMs)}`);
}

/** A size string ("1MiB", "512KB", "100") decoded to bytes. */
export function Size(options: SchemaOptions = {}) {
  return Type.Transform(Type.String({ format: 'size', errorMessage: 'expected a size like "1MiB"', ...options }))
    .Decode((v) => parseSize(v))
    .Encode((v) => String(v));
}

/** A percentage string ("0.1%") decoded to a ratio (0.001). */
export function Percent(options: SchemaOptions = {}) {
  return Type.Transform(Type.String({ format: 'percent', errorMessage: 'expected a percentage like "0.1%"', ...options }))
    .Decode((v) => parsePercent(v))
    .Encode((v) => `${v * 100}%`);
}

/** A regular expression source decoded to a RegExp. */
export function Regex(options: SchemaOptions = {}) {
  return Type.Transform(Type.String({ format: 'regex', errorMessage: 'expected a valid regular expression', ...options }))
    .Decode((v) => new RegExp(v))
    .Encode((v) => v.source);
}

/** A JSON path such as "$.data.id" (kept as text; compile with `compileJsonPath`). */
export function JsonPathT(options: SchemaOptions = {}) {
  return Type.String({ format: 'json-path', errorMessage: 'expected a JSON path like "$.data.id"', ...options });
}

/** A `{{name}}` variable's name (the names `src/core/template.ts` renders). */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `extract`: variable name → JSON path into a response body; later requests use the value as
 * `{{name}}` (`src/core/template.ts`). One syntax for load requests and probe steps.
 */
export function Extract(options: SchemaOptions = {}) {
  return Type.Record(Type.String({ pattern: VARIABLE_NAME.source }), JsonPathT(), options);
}

/** A five- or six-field cron expression (node-cron syntax). */
export function Cron(options: SchemaOptions = {}) {
  return Type.String({ format: 'cron', errorMessage: 'expected a cron expression like "*/5 * * * *"', ...options });
}

/** A name used in metric labels and URLs: letters, digits, "_.:-", at most 100 characters. */
export function Name(options: SchemaOptions = {}) {
  return Type.String({ format: 'name', errorMessage: 'expected a name of letters, digits and "_.:-" (at most 100)', ...options });
}

/** An object that rejects unknown keys (typos are errors, not silently ignored). */
export function Strict<T extends Parameters<typeof Type.Object>[0]>(properties: T, options: SchemaOptions = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

/** A record of header name to value. */
export function Headers(options: SchemaOptions = {}) {
  return Type.Record(Type.String(), Type.String(), { errorMessage: 'expected a map of header name to string value', ...options });
}

/** Marks a schema as optional with a default value. */
export function WithDefault<T extends TSchema>(schema: T, value: unknown): T {
  return { ...schema, default: value };
}
