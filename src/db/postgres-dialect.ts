import { CompiledQuery, sql } from 'kysely';
import type { JsonValue } from '../json/json-value.ts';
import { readCommitState } from './commit-state.ts';
import type { Dialect } from './dialect.ts';

// The current snapshot (xmin:xmax:in-progress xids). A commit or abort anywhere in the cluster
// either leaves the in-progress list or moves xmax, so an unchanged snapshot means no
// transaction has finished since, and the same rows are visible.
const COMMIT_STATE = CompiledQuery.raw('select pg_current_snapshot()::text as state');

export const postgresDialect: Dialect = {
  engine: 'postgres',
  timestamp: (value) => value,
  readTimestamp: (value) => (value instanceof Date ? value : new Date(value)),
  readBoolean: (value) => value === true || value === 1,
  // None is SQL NULL in Django's JSONField(null=True), never JSON null: `contains=x:false` keeps NULL content.
  json: (value) => (value === undefined || value === null ? null : JSON.stringify(value)),
  readJson: (value) => (value === null ? null : (value as JsonValue)),
  orderByText: (column, descending) => sql`${sql.ref(column)} collate "C" ${descending ? sql`desc` : sql`asc`}`,
  locksRowsForUpdate: true,
  async syncIdentity(db, table) {
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), (select max(id) from ${sql.table(table)}))`.execute(db);
  },
  commitState: (db) => readCommitState(db, COMMIT_STATE),
};
