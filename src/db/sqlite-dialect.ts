import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CompiledQuery, Kysely, SqliteDialect, sql } from 'kysely';
import type { JsonValue } from '../json/json-value.ts';
import { readCommitState } from './commit-state.ts';
import type { Dialect } from './dialect.ts';
import { GroupCommit } from './group-commit.ts';
import type { Database } from './schema.ts';

// data_version changes when another connection (or process) commits; total_changes() counts
// this connection's own row changes, rolled back ones included.
const COMMIT_STATE = CompiledQuery.raw(
  "select total_changes() || ':' || data_version as state from pragma_data_version",
);

export const sqliteDialect: Dialect = {
  engine: 'sqlite',
  async open(location, options) {
    if (location !== ':memory:') mkdirSync(dirname(location), { recursive: true });
    const { NodeSqliteDatabase } = await import('./node-sqlite.ts');
    const kysely = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new NodeSqliteDatabase(location, options.sqliteSynchronous) }),
    });
    return { kysely, groupCommit: new GroupCommit(kysely) };
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
  commitState: (db) => readCommitState(db, COMMIT_STATE),
};
