import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { type Db, openDatabase, writeTransaction } from '../../src/db/database.ts';
import { GroupCommit } from '../../src/db/group-commit.ts';

// SQLite's group commit (src/db/group-commit.ts): writes queued together share a transaction,
// each in its own savepoint, and none is answered before the commit.
describe('group commit (SQLite)', () => {
  async function freshDb(): Promise<Db> {
    const db = await openDatabase({ engine: 'sqlite', location: ':memory:' });
    await sql`create table parent (id integer primary key)`.execute(db.kysely);
    await sql`create table item (name text not null, parent_id integer references parent(id))`.execute(db.kysely);
    await sql`insert into parent (id) values (1)`.execute(db.kysely);
    return db;
  }
  const names = async (db: Db) =>
    (await sql<{ name: string }>`select name from item order by rowid`.execute(db.kysely)).rows.map((row) => row.name);
  const insert = (name: string) => sql`insert into item (name, parent_id) values (${name}, 1)`;

  it('commits concurrent writes together, in order, and rolls a failing one back alone', async () => {
    const db = await freshDb();
    try {
      const seen: string[][] = [];
      const results = await Promise.allSettled([
        writeTransaction(db, async (trx) => {
          await insert('a').execute(trx);
          return 'a';
        }),
        writeTransaction(db, async (trx) => {
          await insert('b').execute(trx);
          throw new Error('b fails after writing');
        }),
        writeTransaction(db, async (trx) => {
          // Sees the earlier write of its batch, and not the failed one.
          seen.push(
            (await sql<{ name: string }>`select name from item order by rowid`.execute(trx)).rows.map(
              (row) => row.name,
            ),
          );
          await insert('c').execute(trx);
          return 'c';
        }),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.equal((results[1] as PromiseRejectedResult).reason.message, 'b fails after writing');
      assert.deepEqual(seen, [['a']]);
      assert.deepEqual(await names(db), ['a', 'c']);
      // The transaction was closed: a later write gets a batch of its own.
      await writeTransaction(db, async (trx) => {
        await insert('d').execute(trx);
      });
      assert.deepEqual(await names(db), ['a', 'c', 'd']);
    } finally {
      await db.close();
    }
  });

  it('acknowledges nothing of a batch whose commit fails', async () => {
    const db = await freshDb();
    try {
      const results = await Promise.allSettled([
        writeTransaction(db, async (trx) => {
          await insert('kept only if the batch commits').execute(trx);
        }),
        writeTransaction(db, async (trx) => {
          // A deferred foreign-key violation is only detected by COMMIT.
          await sql`pragma defer_foreign_keys = on`.execute(trx);
          await sql`insert into item (name, parent_id) values ('orphan', 99)`.execute(trx);
        }),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['rejected', 'rejected'],
      );
      assert.match(String((results[0] as PromiseRejectedResult).reason), /FOREIGN KEY/);
      assert.deepEqual(await names(db), []);
      // The next batch starts clean.
      await writeTransaction(db, async (trx) => {
        await insert('after').execute(trx);
      });
      assert.deepEqual(await names(db), ['after']);
    } finally {
      await db.close();
    }
  });

  it('does not answer a write before its batch is committed', async () => {
    const db = await freshDb();
    try {
      const order: string[] = [];
      const first = writeTransaction(db, async (trx) => {
        await insert('x').execute(trx);
        order.push('x written');
      }).then(() => order.push('x answered'));
      const second = writeTransaction(db, async (trx) => {
        await insert('y').execute(trx);
        order.push('y written');
      }).then(() => order.push('y answered'));
      await Promise.all([first, second]);
      assert.deepEqual(order, ['x written', 'y written', 'x answered', 'y answered']);
    } finally {
      await db.close();
    }
  });

  it('with a WAL sync of its own, answers a batch and lets reads in only once the sync is done', async () => {
    const kysely = (await openDatabase({ engine: 'sqlite', location: ':memory:' })).kysely;
    try {
      await sql`create table item (name text not null)`.execute(kysely);
      let finishSync: () => void = () => {};
      let syncs = 0;
      const group = new GroupCommit(kysely, () => {
        syncs += 1;
        return new Promise<void>((resolve) => {
          finishSync = resolve;
        });
      });
      const order: string[] = [];
      const write = group
        .run(async (trx) => {
          await sql`insert into item (name) values ('x')`.execute(trx);
          // The batch commits without a sync of its own: the thread does it.
          const level = await sql<{ synchronous: number }>`pragma synchronous`.execute(trx);
          order.push(`written at synchronous ${level.rows[0].synchronous}`);
        })
        .then(() => order.push('answered'));
      const read = (async () => {
        await new Promise((resolve) => setImmediate(resolve));
        const rows = await sql<{ n: number }>`select count(*) as n from item`.execute(kysely);
        order.push(`read ${rows.rows[0].n}`);
      })();
      while (syncs === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(order, ['written at synchronous 1']);
      finishSync();
      await Promise.all([write, read]);
      assert.deepEqual(order, ['written at synchronous 1', 'answered', 'read 1']);
      // Every other write on the connection syncs its own commit again (2 = FULL).
      const level = await sql<{ synchronous: number }>`pragma synchronous`.execute(kysely);
      assert.equal(level.rows[0].synchronous, 2);
    } finally {
      await kysely.destroy();
    }
  });
});
