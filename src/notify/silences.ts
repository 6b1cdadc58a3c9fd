/**
 * Silences: label matchers with an expiry, stored in SQLite. A silenced notice is still recorded
 * in the outbox (status "silenced"), so the history shows what would have been sent.
 */
import { randomUUID } from 'node:crypto';
import type { SqliteDatabase } from '../storage/database.js';
import { PwError } from '../core/errors.js';

/** One label matcher (Alertmanager's shape): `name` equals (or, with isRegex, fully matches) `value`. */
export interface Matcher {
  name: string;
  value: string;
  isRegex?: boolean;
  /** false negates the match. Default true. */
  isEqual?: boolean;
}

/** A silence. Times are epoch ms. */
export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy?: string;
  comment?: string;
  createdAt: number;
}

/** What a caller gives to create one. */
export interface SilenceInput {
  matchers: Matcher[];
  endsAt: number;
  startsAt?: number;
  createdBy?: string;
  comment?: string;
}

interface Row {
  id: string; matchers: string; starts_at: number; ends_at: number; created_by: string | null; comment: string | null; created_at: number;
}

/** True when every matcher matches `labels`. */
export function matchesAll(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => {
    const v = labels[m.name] ?? '';
    const hit = m.isRegex === true ? new RegExp(`^(?:${m.value})$`).test(v) : v === m.value;
    return m.isEqual === false ? !hit : hit;
  });
}

/** Silences in SQLite. */
export class SilenceStore {
  constructor(private readonly db: SqliteDatabase) {}

  /** Creates a silence (times stored as whole ms). Throws PW_ERR_INVALID_ARGUMENT for empty matchers, a bad regex or an end in the past. */
  create(input: SilenceInput, clockNow: number): Silence {
    const now = Math.floor(clockNow);
    if (input.matchers.length === 0) throw new PwError('PW_ERR_INVALID_ARGUMENT', 'matchers: a silence needs at least one matcher');
    input.matchers.forEach((m, i) => {
      if (m.isRegex !== true) return;
      try {
        new RegExp(m.value);
      } catch {
        throw new PwError('PW_ERR_INVALID_ARGUMENT', `matchers/${i}/value: invalid regular expression "${m.value}" (matcher "${m.name}")`);
      }
    });
    if (!Number.isFinite(input.endsAt) || input.endsAt <= now) throw new PwError('PW_ERR_INVALID_ARGUMENT', 'endsAt: must be in the future');
    const s: Silence = {
      id: randomUUID(), matchers: input.matchers, startsAt: Math.floor(input.startsAt ?? now), endsAt: Math.floor(input.endsAt), createdAt: now,
      ...(input.createdBy === undefined ? {} : { createdBy: input.createdBy }),
      ...(input.comment === undefined ? {} : { comment: input.comment }),
    };
    this.db.prepare('INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(s.id, JSON.stringify(s.matchers), s.startsAt, s.endsAt, s.createdBy ?? null, s.comment ?? null, s.createdAt);
    return s;
  }

  /** Silences not yet expired (all of them with `includeExpired`). */
  list(now: number, includeExpired = false): Silence[] {
    const rows = (includeExpired
      ? this.db.prepare('SELECT * FROM silences ORDER BY created_at')
      : this.db.prepare('SELECT * FROM silences WHERE ends_at > ? ORDER BY created_at')).all(...(includeExpired ? [] : [now])) as Row[];
    return rows.map(toSilence);
  }

  /** Expires a silence now. Throws PW_ERR_NOT_FOUND. */
  expire(id: string, clockNow: number): void {
    const now = Math.floor(clockNow);
    const info = this.db.prepare('UPDATE silences SET ends_at = ? WHERE id = ? AND ends_at > ?').run(now, id, now);
    if (info.changes === 0) throw new PwError('PW_ERR_NOT_FOUND', `no active silence ${id}`);
  }

  /** The active silence matching `labels`, if any. */
  silencing(labels: Readonly<Record<string, string>>, now: number): Silence | undefined {
    return this.list(now).find((s) => s.startsAt <= now && matchesAll(s.matchers, labels));
  }
}

function toSilence(r: Row): Silence {
  return {
    id: r.id, matchers: JSON.parse(r.matchers) as Matcher[], startsAt: r.starts_at, endsAt: r.ends_at, createdAt: r.created_at,
    ...(r.created_by === null ? {} : { createdBy: r.created_by }),
    ...(r.comment === null ? {} : { comment: r.comment }),
  };
}
