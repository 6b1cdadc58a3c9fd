/** The `api` config section: who may read and who may change state through the HTTP API. */
import { Type } from '@sinclair/typebox';
import type { StaticDecode } from '@sinclair/typebox';
import { Strict } from '../types.js';

/** `api`. */
export const ApiSection = Strict({
  /** Bearer token for mutating routes, usually `${PERFWARDEN_API_TOKEN}`. Unset: mutations are refused. */
  token: Type.Optional(
    Type.Transform(Type.String({ pattern: '^(|.{8,})$', errorMessage: 'expected a token of at least 8 characters (or empty for none)' }))
      .Decode((v): string | undefined => (v === '' ? undefined : v))
      .Encode((v) => v ?? ''),
  ),
  /** When false, reads need the token too. */
  readsOpen: Type.Boolean({ default: true }),
  /** Mutating requests per minute per client address. */
  rateLimitPerMinute: Type.Integer({ minimum: 1, default: 60 }),
}, { default: {} });

/** Decoded `api`. */
export type ApiConfig = StaticDecode<typeof ApiSection>;
