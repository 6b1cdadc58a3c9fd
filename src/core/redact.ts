/**
 * Secrets never leave the process in clear: like Prometheus and Alertmanager, perfwarden prints
 * `<secret>` where a password, token, webhook URL, URL credentials or a value substituted from
 * `${ENV}` would appear. The config loader knows which values are secret; this module only
 * replaces them in text.
 */

/** What a secret is printed as. */
export const SECRET = '<secret>';

/** Replaces every known secret in a text. */
export type Redact = (text: string) => string;

/** Secrets shorter than this are not replaced in free text (a 2-character value would shred every line). */
export const MIN_SECRET_LENGTH = 4;

/** A redactor for `secrets` (longest first, so a secret containing another is replaced whole). */
export function createRedactor(secrets: Iterable<string>): Redact {
  const list = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  const escaped = list.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // JSON output escapes "/" nowhere but does escape quotes and backslashes: match those forms too.
  const jsonForms = list.map((s) => JSON.stringify(s).slice(1, -1)).filter((s, i) => s !== list[i]).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp([...escaped, ...jsonForms].join('|'), 'g');
  return (text) => text.replace(pattern, SECRET);
}

/** A URL with only scheme, host and port: the path, query and userinfo may carry a secret. */
export function publicUrl(url: string): string {
  try {
    const u = new URL(url);
    const rest = u.pathname.length > 1 || u.search !== '' ? `/${SECRET}` : '';
    return `${u.protocol}//${u.host}${rest}`;
  } catch {
    return SECRET;
  }
}
