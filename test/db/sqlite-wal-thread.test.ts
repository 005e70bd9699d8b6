import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { openDatabase, writeTransaction } from '../../src/db/database.ts';
import { CHECKPOINT_BACKSTOP_PAGES } from '../../src/db/sqlite-wal-thread.ts';

// The server's SQLite file is checkpointed by a thread of its own (src/db/sqlite-wal-thread.ts):
// the writer's own COMMITs leave the WAL alone until CHECKPOINT_BACKSTOP_PAGES, yet the WAL stays
// small, because the thread copies it back and SQLite starts it over.
describe('WAL checkpoints and group-commit syncs on their own thread (SQLite)', () => {
  const PAGE = 4096;
  const ROW = 'x'.repeat(8000);

  async function writeInTurns(threaded: boolean) {
    const dir = mkdtempSync(join(tmpdir(), 'notebooks-checkpoint-'));
    const path = join(dir, 'db.sqlite');
    const db = await openDatabase({ engine: 'sqlite', location: path }, { sqliteWalThread: threaded });
    let largestWal = 0;
    try {
      await sql`create table item (id integer primary key, body text not null)`.execute(db.kysely);
      // 30 commits of ~60 pages each, as a busy server's group commits come: ~1,800 pages in all.
      for (let turn = 0; turn < 30; turn++) {
        await writeTransaction(db, async (trx) => {
          for (let i = 0; i < 30; i++) await sql`insert into item (body) values (${ROW})`.execute(trx);
        });
        largestWal = Math.max(largestWal, statSync(`${path}-wal`).size);
        await sleep(60);
      }
      const count = await sql<{ n: number }>`select count(*) as n from item`.execute(db.kysely);
      assert.equal(Number(count.rows[0].n), 900);
    } finally {
      await db.close();
    }
    const reopened = await openDatabase({ engine: 'sqlite', location: path });
    try {
      const count = await sql<{ n: number }>`select count(*) as n from item`.execute(reopened.kysely);
      assert.equal(Number(count.rows[0].n), 900, 'every committed row is in the file after close');
    } finally {
      await reopened.close();
      rmSync(dir, { recursive: true, force: true });
    }
    return largestWal;
  }

  it('keeps the WAL to a few commits while the writer never checkpoints, and stops with the database', async () => {
    const threaded = await writeInTurns(true);
    assert.ok(threaded < 300 * PAGE, `WAL grew to ${threaded} bytes`);
    // Without the thread (the CLI's connections) the writer's own autocheckpoint keeps SQLite's default.
    const unthreaded = await writeInTurns(false);
    assert.ok(unthreaded > 1000 * PAGE, `WAL only reached ${unthreaded} bytes`);
    assert.ok(CHECKPOINT_BACKSTOP_PAGES * PAGE > 2000 * PAGE);
  });
});
