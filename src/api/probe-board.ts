/**
 * The probes' last hour, kept in memory from the `'probe:result'` events, so `GET /api/probes`
 * and the status page read precomputed figures instead of running a query per probe (with 500
 * probes that was 5.9 MB and 0.6–1.0 s of event loop per request). Per probe: the last result
 * and the last hour's points (time, duration, outcome), from which a page computes the exact
 * p95 (not a bucket edge), the success ratio, a per-minute sparkline and a heartbeat bar. What
 * happened before this process started comes from history once, in slices, at start.
 */
import type { ProbeResult } from '../probe/types.js';
import type { ProbeHistory } from '../history/probe-history.js';

/** The board's name in `ctx.services` (the API module registers it; the status page reads it too). */
export const PROBE_BOARD_SERVICE = 'probe-board';

const HOUR = 3_600_000;
const MINUTE = 60_000;
/** Points kept per probe: an hour at one run a second. */
const MAX_POINTS = 3600;
/** Results in the heartbeat bar. */
export const HEARTBEAT_LENGTH = 30;

/** One result, as charts need it. */
export interface BoardPoint {
  t: number;
  ms: number;
  ok: boolean;
}

/** A probe's state on the board. */
export type ProbeStatus = 'failing' | 'passing' | 'pending';

/** A probe as the API lists it. */
export interface BoardEntry {
  name: string;
  kind: string;
  target: string;
  status: ProbeStatus;
  lastResult: ProbeResult | null;
  lastHour: { count: number; successRatio: number | null; p95Ms: number | null };
  /** One point per minute of the last hour with results: the slowest run of the minute; ok when all were. */
  sparkline: BoardPoint[];
  /** The last results, oldest first (Uptime Kuma's heartbeat bar). */
  heartbeat: BoardPoint[];
}

/** Which probes a page shows. */
export interface BoardQuery {
  offset: number;
  limit: number;
  /** Substring of the name or the target, case-insensitive. */
  q?: string | undefined;
  status?: ProbeStatus | undefined;
  target?: string | undefined;
}

interface Row {
  last: ProbeResult | undefined;
  points: BoardPoint[];
  /** The entry as last computed, until the next result or a minute later (points age out of the hour). */
  cached: { entry: BoardEntry; at: number } | undefined;
}

/** How long a computed entry is served without a new result. */
const ENTRY_TTL_MS = MINUTE;

/** The board. */
export interface ProbeBoard {
  /** Takes a result (the `'probe:result'` listener). */
  record(result: ProbeResult): void;
  /**
   * Fills in the hour before `until` from history: last results and points, one minute of
   * results per query, yielding between queries so a thousand probes never hold up the loop.
   */
  seed(history: ProbeHistory, until: number): Promise<void>;
  /** The entries of `probes`, in the given order (the status page's per-second figures). */
  entries(probes: readonly { name: string; kind: string; target: string }[], now: number): BoardEntry[];
  /** A page of `probes` (the configured list), failing first, then in configured order. */
  page(probes: readonly { name: string; kind: string; target: string }[], query: BoardQuery, now: number): { total: number; entries: BoardEntry[] };
}

/** Creates an empty board. */
export function createProbeBoard(): ProbeBoard {
  const rows = new Map<string, Row>();
  const rowOf = (name: string): Row => {
    let row = rows.get(name);
    if (row === undefined) {
      row = { last: undefined, points: [], cached: undefined };
      rows.set(name, row);
    }
    return row;
  };

  // A page of 500 or the status page's 1,000 entries sort up to an hour of points each: cached
  // per probe, so a page load costs the probes that ran since the last one.
  const entry = (p: { name: string; kind: string; target: string }, now: number): BoardEntry => {
    const row = rows.get(p.name);
    const cached = row?.cached;
    if (cached !== undefined && now >= cached.at && now - cached.at < ENTRY_TTL_MS) return cached.entry;
    const computed = compute(p, row, now);
    if (row !== undefined) row.cached = { entry: computed, at: now };
    return computed;
  };

  const compute = (p: { name: string; kind: string; target: string }, row: Row | undefined, now: number): BoardEntry => {
    const from = now - HOUR;
    const points = (row?.points ?? []).filter((x) => x.t >= from && x.t <= now);
    const ok = points.filter((x) => x.ok).length;
    const sorted = points.map((x) => x.ms).sort((a, b) => a - b);
    const last = row?.last;
    return {
      ...p,
      status: statusOf(last),
      lastResult: last ?? null,
      lastHour: {
        count: points.length,
        successRatio: points.length === 0 ? null : ok / points.length,
        // Nearest rank over the raw results: an exact p95, not a histogram bucket's edge.
        p95Ms: sorted.length === 0 ? null : (sorted[Math.ceil(0.95 * sorted.length) - 1] ?? null),
      },
      sparkline: perMinute(points),
      heartbeat: points.slice(-HEARTBEAT_LENGTH),
    };
  };

  return {
    record(r) {
      const row = rowOf(r.probe);
      if (row.last === undefined || r.startedAt >= row.last.startedAt) row.last = r;
      insert(row.points, { t: r.startedAt, ms: r.durationSeconds * 1000, ok: r.ok });
      row.cached = undefined;
    },
    async seed(history, until) {
      for (const [name, last] of history.lastResults()) {
        const row = rowOf(name);
        if (row.last === undefined && last.startedAt < until) row.last = last;
        row.cached = undefined;
      }
      for (let from = until - HOUR; from < until; from += MINUTE) {
        for (const p of history.pointsOfAll(from, Math.min(until, from + MINUTE))) {
          const row = rowOf(p.probe);
          insert(row.points, p);
          row.cached = undefined;
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
    entries(probes, now) {
      return probes.map((p) => entry(p, now));
    },
    page(probes, query, now) {
      const q = query.q?.toLowerCase();
      const all = probes
        .filter((p) => query.target === undefined || p.target === query.target)
        .filter((p) => q === undefined || p.name.toLowerCase().includes(q) || p.target.toLowerCase().includes(q))
        .map((p, i) => ({ p, i, status: statusOf(rows.get(p.name)?.last) }))
        .filter((x) => query.status === undefined || x.status === query.status)
        .sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.i - b.i);
      return { total: all.length, entries: all.slice(query.offset, query.offset + query.limit).map((x) => entry(x.p, now)) };
    },
  };
}

const STATUS_ORDER: Readonly<Record<ProbeStatus, number>> = { failing: 0, pending: 1, passing: 2 };

function statusOf(last: ProbeResult | undefined): ProbeStatus {
  return last === undefined ? 'pending' : last.ok ? 'passing' : 'failing';
}

/** Inserts in time order (results arrive almost sorted); keeps the last hour, at most MAX_POINTS. */
function insert(points: BoardPoint[], p: BoardPoint): void {
  let i = points.length;
  while (i > 0 && (points[i - 1]?.t ?? 0) > p.t) i--;
  points.splice(i, 0, p);
  const newest = points[points.length - 1]?.t ?? p.t;
  let old = 0;
  while (old < points.length && (points[old]?.t ?? 0) < newest - HOUR) old++;
  const drop = Math.max(old, points.length - MAX_POINTS);
  if (drop > 0) points.splice(0, drop);
}

function perMinute(points: readonly BoardPoint[]): BoardPoint[] {
  const out: BoardPoint[] = [];
  for (const p of points) {
    const minute = Math.floor(p.t / MINUTE) * MINUTE;
    const last = out[out.length - 1];
    if (last !== undefined && last.t === minute) {
      last.ms = Math.max(last.ms, p.ms);
      last.ok &&= p.ok;
    } else {
      out.push({ t: minute, ms: p.ms, ok: p.ok });
    }
  }
  return out;
}
