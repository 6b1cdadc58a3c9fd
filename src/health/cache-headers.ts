/**
 * Whether a response was served from a cache, read from the headers caches add. CDNs and proxies
 * disagree on names and values, so this checks the common ones in order of specificity:
 * `CF-Cache-Status` (Cloudflare), `X-Cache` (Squid, Varnish, CloudFront, Fastly), `X-Cache-Status`
 * (nginx `$upstream_cache_status`), then `Age` (RFC 9111: > 0 means it came out of a cache).
 */

/** A cache verdict, or undefined when the response says nothing about caching. */
export type CacheOutcome = 'hit' | 'miss' | undefined;

const HIT = /\b(HIT|STALE|UPDATING|REVALIDATED)\b/i;
const MISS = /\b(MISS|EXPIRED|BYPASS)\b/i;

/** Classifies lower-cased response headers (as in `ProbeResult.headers`). */
export function cacheOutcome(headers: Readonly<Record<string, string>> | undefined): CacheOutcome {
  if (headers === undefined) return undefined;
  for (const name of ['cf-cache-status', 'x-cache', 'x-cache-status']) {
    const v = headers[name];
    if (v === undefined) continue;
    // "HIT, MISS" from a chain of caches: the first (closest to the client) decides.
    const first = v.split(',')[0] ?? v;
    if (HIT.test(first)) return 'hit';
    if (MISS.test(first)) return 'miss';
  }
  const age = headers.age;
  if (age !== undefined && /^\d+$/.test(age.trim())) return Number(age) > 0 ? 'hit' : 'miss';
  return undefined;
}
