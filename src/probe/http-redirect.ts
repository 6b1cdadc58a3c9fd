/**
 * Where a probe goes after a 3xx, the way browsers and fetch follow redirects: 303 (and 301/302
 * after a POST) turns into a GET without a body; 307/308 repeat the request as it was. Credentials
 * do not follow a redirect to another origin, and `host` is always recomputed for the new URL.
 */

/** A request as the exchange sends it. */
export interface RedirectableRequest {
  url: string;
  method: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body?: string;
}

const REDIRECT_STATUSES = new Set([300, 301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location', 'transfer-encoding'];

/**
 * The request to send after a response with `status` and `location`, or undefined when the
 * response is not a redirect to follow (not a 3xx redirect, no location, or not http(s)).
 */
export function redirectTarget(req: RedirectableRequest, status: number, location: string | undefined): RedirectableRequest | undefined {
  if (!REDIRECT_STATUSES.has(status) || location === undefined || location === '') return undefined;
  let next: URL;
  try {
    next = new URL(location, req.url);
  } catch {
    return undefined;
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') return undefined;
  const headers = { ...req.headers };
  delete headers.host;
  if (next.origin !== new URL(req.url).origin) for (const name of CREDENTIAL_HEADERS) delete headers[name];
  const toGet = status === 303 ? req.method !== 'HEAD' : (status === 301 || status === 302) && req.method === 'POST';
  if (!toGet) return req.body === undefined ? { url: next.href, method: req.method, headers } : { url: next.href, method: req.method, headers, body: req.body };
  for (const name of BODY_HEADERS) delete headers[name];
  return { url: next.href, method: 'GET', headers };
}
