import { type Kysely, type Migration, Migrator, sql, type Transaction } from 'kysely';
import { type Dialect, dialectFor, type Engine, type Executor, type OpenDatabase } from './dialect.ts';
import { isMissingTable } from './driver-errors.ts';
import type { GroupCommit } from './group-commit.ts';
import { MIGRATIONS } from './migrations/migration-list.ts';
import type { MigrationSteps } from './migrations/migration-steps.ts';
import type { Database } from './schema.ts';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** SQLite: the writes of concurrent requests share transactions (see group-commit.ts). */
  groupCommit?: GroupCommit;
  /** Hears the commits of other connections and processes (Dialect.notify). */
  listen: OpenDatabase['listen'];
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

export interface OpenOptions {
  poolSize?: number;
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  pgPreparedStatements?: boolean;
  /**
   * SQLite file: WAL checkpoints and group commits' syncs on a thread of their own
   * (sqlite-wal-thread.ts); the server's choice.
   */
  sqliteWalThread?: boolean;
}

export async function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<Db> {
  const dialect = dialectFor(target.engine);
  const { kysely, groupCommit, listen, beforeClose } = await dialect.open(target.location, options);
  return {
    kysely,
    dialect,
    groupCommit,
    listen,
    close: async () => {
      await beforeClose?.();
      await kysely.destroy();
    },
  };
}

const MIGRATION_TABLE = 'notebooks_migrations';

/** The names of the migrations applied to the database, in the order they applied; none before the first. */
export async function appliedMigrations(db: Executor): Promise<string[]> {
  try {
    const rows = await sql<{
      name: string;
    }>`select name from ${sql.table(MIGRATION_TABLE)} order by timestamp, name`.execute(db);
    return rows.rows.map((row) => row.name);
  } catch (error) {
    if (isMissingTable(error)) return [];
    throw error;
  }
}

/** Applies every pending migration; `steps` are the data rebuilds a migration may ask for. */
export async function migrate(db: Db, steps: MigrationSteps): Promise<string[]> {
  const migrations: Record<string, Migration> = Object.fromEntries(
    MIGRATIONS.map(([name, up]) => [name, { up: (kysely: Kysely<unknown>) => up(kysely, db.dialect.engine, steps) }]),
  );
  const migrator = new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => migrations },
    migrationTableName: MIGRATION_TABLE,
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
