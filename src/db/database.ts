import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration, type Transaction } from 'kysely';
import type { Database } from './schema.ts';
import { dialectFor, type Dialect, type Engine } from './dialect.ts';
import { GroupCommit } from './group-commit.ts';
import { NamedStatementPool } from './postgres-pool.ts';
import { MIGRATIONS } from './migrations/migration-list.ts';
import type { MigrationSteps } from './migrations/migration-steps.ts';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** SQLite: the writes of concurrent requests share transactions (see group-commit.ts). */
  groupCommit?: GroupCommit;
  close(): Promise<void>;
}

export interface DatabaseTarget {
  engine: Engine;
  /** PostgreSQL connection string, or the SQLite file path (":memory:" allowed). */
  location: string;
}

/** `postgres://…`/`postgresql://…` → PostgreSQL; `sqlite:<path>` → SQLite. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//.test(url)) return { engine: 'postgres', location: url };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new Error('DATABASE_URL "sqlite:" needs a file path, e.g. sqlite:./data/notebooks.db');
    return { engine: 'sqlite', location: path };
  }
  throw new Error(`DATABASE_URL must start with postgres://, postgresql:// or sqlite: (got "${url.split(':')[0]}:…")`);
}

export async function openDatabase(
  target: DatabaseTarget,
  options: { poolSize?: number; sqliteSynchronous?: 'FULL' | 'NORMAL'; pgPreparedStatements?: boolean } = {},
): Promise<Db> {
  const dialect = dialectFor(target.engine);
  let kysely: Kysely<Database>;
  if (target.engine === 'postgres') {
    // Loaded only when used: a SQLite server starts without the PostgreSQL driver.
    const { default: pg } = await import('pg');
    // PostgreSQL returns int8 (count(*)) as a string; our counts fit in a JS number.
    pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
    const pool = new pg.Pool({ connectionString: target.location, max: options.poolSize ?? 10 });
    // A connection that PostgreSQL ends between queries (a restart, pg_terminate_backend, a
    // dropped database) reports it as an 'error' event, an uncaught exception without a
    // listener; the pool discards that client and the next query opens a new connection.
    pool.on('error', () => {});
    pool.on('connect', (client) => {
      client.on('error', () => {});
      // Each execution of a named statement is planned for its values, as an unnamed one is;
      // the SET is queued ahead of the connection's first query.
      void client.query('set plan_cache_mode = force_custom_plan').catch(() => {});
    });
    // Named statements need a server session per connection: PG_PREPARED_STATEMENTS=off for a
    // pooler in transaction mode (PgBouncer before 1.21).
    const prepared = options.pgPreparedStatements ?? true;
    kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: prepared ? new NamedStatementPool(pool) : pool }) });
  } else {
    if (target.location !== ':memory:') mkdirSync(dirname(target.location), { recursive: true });
    const { NodeSqliteDatabase } = await import('./node-sqlite.ts');
    const database = new NodeSqliteDatabase(target.location, options.sqliteSynchronous);
    kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  }
  const groupCommit = target.engine === 'sqlite' ? new GroupCommit(kysely) : undefined;
  return { kysely, dialect, groupCommit, close: () => kysely.destroy() };
}

/** Applies every pending migration; `steps` are the data rebuilds a migration may ask for. */
export async function migrate(db: Db, steps: MigrationSteps): Promise<string[]> {
  const migrations: Record<string, Migration> = Object.fromEntries(
    MIGRATIONS.map(([name, up]) => [name, { up: (kysely: Kysely<unknown>) => up(kysely, db.dialect.engine, steps) }]),
  );
  const migrator = new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'notebooks_migrations',
    migrationLockTableName: 'notebooks_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Runs fn in a write transaction. SQLite: in the next group commit (group-commit.ts), which
 * takes the write lock up front (BEGIN IMMEDIATE) so that a second process waits on
 * busy_timeout instead of failing when its read snapshot goes stale. PostgreSQL: an ordinary
 * transaction (rows are locked with SELECT … FOR UPDATE).
 */
export async function writeTransaction<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (db.groupCommit === undefined) return db.kysely.transaction().execute(fn);
  return db.groupCommit.run(fn);
}
