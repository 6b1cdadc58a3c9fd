/**
 * Status badges as SVG, in the flat style READMEs and wikis already show (shields.io's layout):
 * a grey label, a coloured value. Pure: text in, SVG text out. Text width is estimated from
 * Verdana 11 px character widths, close enough that the text never overflows its box.
 */

/** Badge colours. */
export const BADGE_COLORS = { up: '#4c1', down: '#e05d44', maintenance: '#007ec6', unknown: '#9f9f9f' } as const;

/** What a probe's badge says. */
export interface BadgeFacts {
  /** Last run ok, failed, or no run yet. */
  state: 'up' | 'down' | 'unknown';
  /** Why the last run failed (a failure reason like "timeout"). */
  reason?: string;
  /** p95 of the runs of the last hour, ms. */
  p95Ms?: number;
  /** A maintenance window covers the probe now. */
  maintenance?: boolean;
}

/** The value text and colour for a probe's facts. */
export function badgeValue(f: BadgeFacts): { text: string; color: string } {
  const p95 = f.p95Ms === undefined ? '' : ` · p95 ${formatMs(f.p95Ms)}`;
  if (f.maintenance === true) return { text: `maintenance${p95}`, color: BADGE_COLORS.maintenance };
  if (f.state === 'unknown') return { text: 'no data', color: BADGE_COLORS.unknown };
  if (f.state === 'down') return { text: `down${f.reason === undefined ? '' : ` (${f.reason})`}${p95}`, color: BADGE_COLORS.down };
  return { text: `up${p95}`, color: BADGE_COLORS.up };
}

/** "42ms", "1.3s". */
export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
}

/** The SVG of a flat badge. */
export function renderBadge(label: string, value: string, color: string): string {
  const lw = textWidth(label) + 10;
  const vw = textWidth(value) + 10;
  const w = lw + vw;
  const l = escapeXml(label);
  const v = escapeXml(value);
  // Ids unique per content: several badges inlined in one page must not share a clip path.
  const id = hash(`${label}\n${value}\n${color}`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${l}: ${v}">`
    + `<title>${l}: ${v}</title>`
    + `<linearGradient id="s${id}" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>`
    + `<clipPath id="r${id}"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>`
    + `<g clip-path="url(#r${id})"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${vw}" height="20" fill="${color}"/><rect width="${w}" height="20" fill="url(#s${id})"/></g>`
    + '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
    + `<text x="${lw / 2}" y="15" fill="#010101" fill-opacity=".3">${l}</text><text x="${lw / 2}" y="14">${l}</text>`
    + `<text x="${lw + vw / 2}" y="15" fill="#010101" fill-opacity=".3">${v}</text><text x="${lw + vw / 2}" y="14">${v}</text>`
    + '</g></svg>';
}

/** Verdana 11 px advance widths, rounded up: narrow, wide and the rest. */
function textWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    if ('il.,:;|!\'()[] '.includes(ch)) w += 4;
    else if ('mwMW@%'.includes(ch)) w += 11;
    else if (/[A-Z0-9]/.test(ch)) w += 8;
    else w += 7;
  }
  return Math.ceil(w);
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', '\'': '&apos;' })[c] ?? c);
}

/** FNV-1a, base 36: short and stable. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}
