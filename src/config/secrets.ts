/**
 * Which config values are secret, decided once at load (as Prometheus and Alertmanager mark
 * their `<secret>` fields): passwords and tokens by key, credential headers, notification URLs
 * (a Slack-style URL carries its secret in the path), the userinfo of any URL, and every value
 * substituted from `${ENV}` except in fields that only name a host, port or person.
 */
import { formatPath } from './problem.js';

const SECRET_KEYS = /^(password|pass|token|secret|apiKey|api_key|clientSecret)$/i;
/** Header names that carry credentials (authorization, cookies, API keys, tokens, signatures). */
const SECRET_HEADERS = /authorization|cookie|key|token|secret|auth|session|signature|password/i;
/** Keys whose values from the environment are addresses or names, not secrets. */
const PLAIN_KEYS = new Set(['host', 'port', 'name', 'from', 'to', 'path', 'level', 'format', 'target', 'user']);

/** The secret strings of a raw (substituted) config; `fromEnv` maps a path to the values that came from the environment. */
export function collectSecrets(raw: Record<string, unknown>, fromEnv: ReadonlyMap<string, readonly string[]>): string[] {
  const out = new Set<string>();
  walk(raw, [], (path, value) => {
    const key = path[path.length - 1];
    const parent = path[path.length - 2];
    const inChannels = path[0] === 'notifications' && path[1] === 'channels';
    if (typeof key === 'string' && SECRET_KEYS.test(key)) out.add(value);
    else if (parent === 'headers' && typeof key === 'string' && SECRET_HEADERS.test(key)) {
      out.add(value);
      // "Bearer abc": the credential alone also appears in logs and errors.
      const credential = value.split(' ').slice(1).join(' ');
      if (credential !== '') out.add(credential);
    } else if (inChannels && key === 'url') {
      out.add(value);
      // A receiver may echo the path alone (a Slack-style URL's secret is its path).
      const path = pathOf(value);
      if (path !== undefined) out.add(path);
    }
    for (const userinfo of urlCredentials(value)) out.add(userinfo);
    const env = fromEnv.get(formatPath(path));
    if (env !== undefined && !(typeof key === 'string' && PLAIN_KEYS.has(key))) for (const v of env) out.add(v);
  });
  out.delete('');
  // A template reference ("{{token}}", "Bearer {{token}}") names a value extracted at run time; it is not the secret.
  return [...out].filter((v) => v.replace(/\{\{[^}]*\}\}/g, '').replace(/^\s*bearer\s*$/i, '').trim() !== '');
}

/** "user:pass" and "pass" of every URL with credentials inside `text`. */
function urlCredentials(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/[a-z][a-z0-9+.-]*:\/\/([^/@\s]+)@/gi)) {
    const info = m[1] ?? '';
    out.push(info);
    const pass = info.split(':').slice(1).join(':');
    if (pass !== '') out.push(pass, decodeSafe(pass));
  }
  return out;
}

function pathOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.pathname.length > 1 ? `${u.pathname}${u.search}` : undefined;
  } catch {
    return undefined;
  }
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function walk(value: unknown, path: (string | number)[], visit: (path: (string | number)[], value: string) => void): void {
  if (typeof value === 'string') visit(path, value);
  else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i], visit));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) walk(v, [...path, k], visit);
}
