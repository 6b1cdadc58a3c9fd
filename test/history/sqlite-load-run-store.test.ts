import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSqliteLoadRunStore } from '../../src/history/sqlite-load-run-store.js';
import { historyMigrations } from '../../src/history/migrations.js';
import { openDatabase } from '../../src/storage/database.js';

test('every verdict, aborted included, survives a round trip through SQLite', async () => {
  const db = openDatabase(':memory:', historyMigrations);
  const store = createSqliteLoadRunStore(db);
  const verdicts = ['pass', 'fail', 'aborted'] as const;
  for (const [i, verdict] of verdicts.entries()) {
    await store.save({ runId: `r${i}`, load: 'smoke', status: 'finished', startedAt: 1000 + i, finishedAt: 2000 + i, verdict });
  }
  const listed = await store.list({ load: 'smoke' });
  assert.deepEqual(listed.map((r) => r.verdict).sort(), [...verdicts].sort());
  db.close();
});
