import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CompiledQuery, Kysely, SqliteDialect, sql } from 'kysely';
import type { JsonValue } from '../json/json-value.ts';
import type { Dialect, Unlisten } from './dialect.ts';
import { GroupCommit } from './group-commit.ts';
import type { Database } from './schema.ts';
import { CHECKPOINT_BACKSTOP_PAGES, SqliteWalThread } from './sqlite-wal-thread.ts';

const DATA_VERSION = CompiledQuery.raw('select data_version as version from pragma_data_version');
const POLL_MS = 100;

/**
 * SQLite has no notifications: data_version moves when another connection or process commits,
 * so it is read every POLL_MS. This process's own commits do not move it; they are announced in
 * process by their writer.
 */
async function pollCommits(
  kysely: Kysely<Database>,
  onChange: (payload: string | undefined) => void,
): Promise<Unlisten> {
  const read = async () => Number((await kysely.executeQuery<{ version: number }>(DATA_VERSION)).rows[0]?.version);
  let last = await read();
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    read().then(
      (version) => {
        running = false;
        if (version === last) return;
        last = version;
        onChange(undefined);
      },
      () => {
        running = false;
      },
    );
  }, POLL_MS);
  timer.unref();
  return async () => clearInterval(timer);
}

export const sqliteDialect: Dialect = {
  engine: 'sqlite',
  async open(location, options) {
    if (location !== ':memory:') mkdirSync(dirname(location), { recursive: true });
    const { NodeSqliteDatabase } = await import('./node-sqlite.ts');
    const database = new NodeSqliteDatabase(location, options.sqliteSynchronous);
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    const synchronous = options.sqliteSynchronous ?? 'FULL';
    let walThread: SqliteWalThread | undefined;
    if (options.sqliteWalThread && location !== ':memory:') {
      database.raw.exec(`PRAGMA wal_autocheckpoint = ${CHECKPOINT_BACKSTOP_PAGES}`);
      walThread = SqliteWalThread.start(location, synchronous);
    }
    // With SQLITE_SYNCHRONOUS=normal nothing waits for a sync: the thread only checkpoints.
    const syncWal = walThread !== undefined && synchronous === 'FULL' ? walThread : undefined;
    return {
      kysely,
      groupCommit: new GroupCommit(kysely, syncWal && (() => syncWal.sync())),
      listen: (_channel, onChange) => pollCommits(kysely, onChange),
      beforeClose: async () => walThread?.stop(),
    };
  },
  async notify() {
    // Listeners on SQLite poll the database's data_version (pollCommits).
  },
  timestamp: (value) => value.toISOString(),
  readTimestamp: (value) => (value instanceof Date ? value : new Date(value)),
  readBoolean: (value) => value === true || value === 1,
  json: (value) => (value === undefined || value === null ? null : JSON.stringify(value)),
  readJson: (value) => (value === null || value === undefined ? null : (JSON.parse(value as string) as JsonValue)),
  // SQLite's default BINARY collation is code-point order already; NULLs go where PostgreSQL puts them.
  orderByText: (column, descending) =>
    descending ? sql`${sql.ref(column)} desc nulls first` : sql`${sql.ref(column)} asc nulls last`,
  locksRowsForUpdate: false,
  async syncIdentity() {
    // SQLite's autoincrement already continues after the largest id.
  },
  readSnapshot: (db, fn) =>
    db.transaction().execute(async (trx) => {
      // In WAL mode a deferred transaction's first read fixes what it sees: writers go on
      // appending to the WAL, and every later read here still sees the database as of this one.
      await sql`select count(*) from sqlite_schema`.execute(trx);
      return fn(trx);
    }),
  // VACUUM INTO reads the database in one read transaction, as the snapshot above, and writes
  // every page of it, compacted, to the new file; writers are not held up.
  async copyToFile(db, path) {
    await sql`vacuum into ${path}`.execute(db);
  },
};
