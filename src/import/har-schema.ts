/**
 * The part of a HAR 1.2 recording (what browsers' "Save all as HAR" and Playwright's
 * `recordHar` write) that the importer reads, validated once at the boundary: a HAR is
 * someone else's file, so a malformed one is reported, not half-read.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { PwError } from '../core/errors.js';

const NameValue = Type.Object({ name: Type.String(), value: Type.String() });

const HarEntrySchema = Type.Object({
  startedDateTime: Type.String(),
  /** Total time of the request in ms; -1 or absent when unknown. */
  time: Type.Optional(Type.Number()),
  /** Chromium and Playwright: document, xhr, fetch, script, stylesheet, image, font, … */
  _resourceType: Type.Optional(Type.String()),
  request: Type.Object({
    method: Type.String(),
    url: Type.String(),
    headers: Type.Array(NameValue),
    postData: Type.Optional(Type.Object({ mimeType: Type.Optional(Type.String()), text: Type.Optional(Type.String()) })),
  }),
  response: Type.Object({
    status: Type.Number(),
    content: Type.Optional(Type.Object({ mimeType: Type.Optional(Type.String()) })),
  }),
});

const HarSchema = Type.Object({
  log: Type.Object({ entries: Type.Array(HarEntrySchema) }),
});

/** One recorded request/response. */
export type HarEntry = Static<typeof HarEntrySchema>;

/** Parses HAR text. Throws PW_ERR_INVALID_ARGUMENT for text that is not JSON or not a HAR. */
export function parseHar(text: string, file: string): HarEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (thrown) {
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `${file}: not JSON (${thrown instanceof Error ? thrown.message : String(thrown)})`);
  }
  const first = Value.Errors(HarSchema, json).First();
  if (first !== undefined) {
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `${file}: not a HAR recording: ${first.path || '/'} ${first.message.toLowerCase()}`);
  }
  return (json as Static<typeof HarSchema>).log.entries;
}
