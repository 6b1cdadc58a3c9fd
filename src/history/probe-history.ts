/**
 * Probe-result storage. Results arrive one at a time from the scheduler; writing each in its
 * own transaction would cost an fsync-ish commit per result and stall the event loop under
 * bursts, so they are buffered and flushed in one transaction (prepared statements) every
 * `flushInterval` or `flushRows` results. Each flush also upserts per-minute aggregates
 * (count, failures, sum/min/max and fixed latency buckets) that outlive the raw rows.
 * Queries flush first, so a reader always sees everything received so far.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { coerceError } from '../core/errors.js';
import type { SqliteDatabase } from '../storage/database.js';
import type { ProbeResult } from '../probe/types.js';
import { LATENCY_BUCKET_COUNT, bucketIndex, emptyBuckets, estimateQuantile } from './latency-buckets.js';

/** One minute of one probe. */
export interface MinutePoint {
  /** Epoch ms of the minute's start. */
  minute: number;
  count: number;
  failures: number;
  avgMs: number;
  /** Estimated from the minute's buckets. */
  p95Ms: number | undefined;
  maxMs: number;
}

/** Options of {@link createProbeHistory}. */
export interface ProbeHistoryOptions {
  clock: Clock;
  flushIntervalMs: number;
  flushRows: number;
  /** Told about a failed flush (the batch is dropped; storage trouble must not crash probes). */
  onError?: (err: Error) => void;
}

/** The probe-result store. */
export interface ProbeHistory {
  /** Buffers a result; cheap. */
  record(result: ProbeResult): void;
  /** Writes the buffer now; returns the number of rows written. */
  flush(): number;
  /** The newest result of every probe that has one. */
  lastResults(): Map<string, ProbeResult>;
  /** Results of one probe with `startedAt >= since`, oldest first, at most `limit`. */
  resultsSince(probe: string, since: number, limit?: number): ProbeResult[];
  /** Probe, time, duration (ms) and outcome of every probe's results in `[from, to)`, oldest first (no JSON parsing: for charts). */
  pointsOfAll(from: number, to: number): { probe: string; t: number; ms: number; ok: boolean }[];
  /** Per-minute points of one probe over `[now - windowMs, now]`, oldest first. */
  series(probe: string, windowMs: number): MinutePoint[];
  /** Flushes and stops the timer; safe to call twice. */
  close(): void;
}

const MINUTE = 60_000;

interface MinuteAgg {
  probe: string;
  minute: number;
  count: number;
  failures: number;
  sum: number;
  min: number;
  max: number;
  buckets: number[];
}

/** Creates the store over an already migrated database. */
export function createProbeHistory(db: SqliteDatabase, options: ProbeHistoryOptions): ProbeHistory {
  const { clock } = options;
  const bucketNames = Array.from({ length: LATENCY_BUCKET_COUNT }, (_, i) => `b${i}`);
  const insertRaw = db.prepare('INSERT INTO probe_results (probe, at, ok, duration_ms, json) VALUES (?, ?, ?, ?, ?)');
  const upsertMinute = db.prepare(`
    INSERT INTO probe_minutes (probe, minute, count, failures, sum_ms, min_ms, max_ms, ${bucketNames.join(', ')})
    VALUES (?, ?, ?, ?, ?, ?, ?, ${bucketNames.map(() => '?').join(', ')})
    ON CONFLICT (probe, minute) DO UPDATE SET
      count = count + excluded.count,
      failures = failures + excluded.failures,
      sum_ms = sum_ms + excluded.sum_ms,
      min_ms = min(min_ms, excluded.min_ms),
      max_ms = max(max_ms, excluded.max_ms),
      ${bucketNames.map((b) => `${b} = ${b} + excluded.${b}`).join(',\n      ')}`);
  const selectLast = db.prepare(`
    SELECT r.json AS json FROM probe_results r
    JOIN (SELECT probe, MAX(at) AS at FROM probe_results GROUP BY probe) m ON m.probe = r.probe AND m.at = r.at
    ORDER BY r.id`);
  const selectPointsOfAll = db.prepare('SELECT probe, at AS t, duration_ms AS ms, ok FROM probe_results WHERE at >= ? AND at < ? ORDER BY at, id');
  const selectSince = db.prepare('SELECT json FROM probe_results WHERE probe = ? AND at >= ? ORDER BY at, id LIMIT ?');
  const selectSeries = db.prepare(`SELECT * FROM probe_minutes WHERE probe = ? AND minute >= ? ORDER BY minute`);

  let buffer: ProbeResult[] = [];
  let timer: TimerHandle | undefined;
  let closed = false;

  const writeBatch = db.transaction((batch: readonly ProbeResult[]) => {
    const minutes = new Map<string, MinuteAgg>();
    for (const r of batch) {
      const ms = r.durationSeconds * 1000;
      insertRaw.run(r.probe, Math.round(r.startedAt), r.ok ? 1 : 0, ms, JSON.stringify(r));
      const minute = Math.floor(r.startedAt / MINUTE) * MINUTE;
      const key = `${r.probe}\u0000${minute}`;
      let agg = minutes.get(key);
      if (agg === undefined) {
        agg = { probe: r.probe, minute, count: 0, failures: 0, sum: 0, min: Infinity, max: -Infinity, buckets: emptyBuckets() };
        minutes.set(key, agg);
      }
      agg.count++;
      if (!r.ok) agg.failures++;
      agg.sum += ms;
      agg.min = Math.min(agg.min, ms);
      agg.max = Math.max(agg.max, ms);
      const i = bucketIndex(ms);
      agg.buckets[i] = (agg.buckets[i] ?? 0) + 1;
    }
    for (const a of minutes.values()) {
      upsertMinute.run(a.probe, a.minute, a.count, a.failures, a.sum, a.min, a.max, ...a.buckets);
    }
  });

  function flush(): number {
    if (timer !== undefined) {
      timer.cancel();
      timer = undefined;
    }
    if (buffer.length === 0) return 0;
    const batch = buffer;
    buffer = [];
    try {
      writeBatch(batch);
      return batch.length;
    } catch (thrown) {
      options.onError?.(coerceError(thrown));
      return 0;
    }
  }

  const since = (windowMs: number) => clock.now() - windowMs;

  return {
    record(result) {
      if (closed) return;
      buffer.push(result);
      if (buffer.length >= options.flushRows) flush();
      else if (timer === undefined) timer = clock.setTimeout(flush, options.flushIntervalMs);
    },
    flush,
    lastResults() {
      flush();
      const out = new Map<string, ProbeResult>();
      for (const row of selectLast.all() as { json: string }[]) {
        const r = JSON.parse(row.json) as ProbeResult;
        out.set(r.probe, r);
      }
      return out;
    },
    resultsSince(probe, from, limit = 10_000) {
      flush();
      return (selectSince.all(probe, Math.floor(from), limit) as { json: string }[]).map((row) => JSON.parse(row.json) as ProbeResult);
    },
    pointsOfAll(from, to) {
      flush();
      return (selectPointsOfAll.all(Math.floor(from), Math.floor(to)) as { probe: string; t: number; ms: number; ok: number }[])
        .map((r) => ({ probe: r.probe, t: r.t, ms: r.ms, ok: r.ok === 1 }));
    },
    series(probe, windowMs) {
      flush();
      const fromMinute = Math.floor(since(windowMs) / MINUTE) * MINUTE;
      return (selectSeries.all(probe, fromMinute) as Record<string, number>[]).map((row) => {
        const buckets = bucketNames.map((b) => row[b] ?? 0);
        const count = row.count ?? 0;
        return {
          minute: row.minute ?? 0,
          count,
          failures: row.failures ?? 0,
          avgMs: count === 0 ? 0 : (row.sum_ms ?? 0) / count,
          p95Ms: estimateQuantile(buckets, 0.95, row.min_ms, row.max_ms),
          maxMs: row.max_ms ?? 0,
        };
      });
    },
    close() {
      if (closed) return;
      flush();
      closed = true;
    },
  };
}
