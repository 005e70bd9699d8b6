import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { ADMIN_URL, createTestDatabase, postgresAvailable } from '../support/harness.ts';

const POSTGRES_REACHABLE = await postgresAvailable();

describe('PostgreSQL connections', { skip: POSTGRES_REACHABLE ? false : 'PostgreSQL not reachable' }, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;

  before(async () => {
    database = await createTestDatabase('postgres');
    db = await openDatabase(database.target, { poolSize: 3 });
  });

  after(async () => {
    await db?.close();
    await database?.drop();
  });

  it('survives PostgreSQL ending idle connections, and the next query opens a new one', async () => {
    const pids = await Promise.all(
      [1, 2, 3].map(
        async () =>
          (await sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.05)`.execute(db.kysely)).rows[0].pid,
      ),
    );
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      const { rows } = await admin.query(
        'select count(*)::int as ended from (select pg_terminate_backend(pid) from unnest($1::int[]) as pid) as t',
        [pids],
      );
      assert.ok(rows[0].ended >= 1);
    } finally {
      await admin.end();
    }
    await sleep(100); // the 'error' events arrive while the connections sit idle in the pool
    const { rows } = await sql<{ answer: number }>`select 42 as answer`.execute(db.kysely);
    assert.equal(rows[0].answer, 42);
  });

  it('prepares named statements, unless PG_PREPARED_STATEMENTS=off (a transaction-mode pooler)', async () => {
    const named = async (options: { pgPreparedStatements?: boolean }) => {
      const one = await openDatabase(database.target, { poolSize: 1, ...options });
      try {
        for (let i = 0; i < 2; i++) await sql`select ${i}::int as n`.execute(one.kysely);
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(
          one.kysely,
        );
        return rows[0].n;
      } finally {
        await one.close();
      }
    };
    assert.ok((await named({})) >= 1);
    assert.equal(await named({ pgPreparedStatements: false }), 0);
  });

  it('plans every execution of a named statement for its values', async () => {
    const { rows } = await sql<{ mode: string }>`select current_setting('plan_cache_mode') as mode`.execute(db.kysely);
    assert.equal(rows[0].mode, 'force_custom_plan');
  });
});
