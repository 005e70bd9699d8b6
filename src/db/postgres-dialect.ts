import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import type { JsonValue } from '../json/json-value.ts';
import { readCommitState } from './commit-state.ts';
import type { Dialect } from './dialect.ts';
import { NamedStatementPool } from './postgres-pool.ts';
import type { Database } from './schema.ts';

// The current snapshot (xmin:xmax:in-progress xids). A commit or abort anywhere in the cluster
// either leaves the in-progress list or moves xmax, so an unchanged snapshot means no
// transaction has finished since, and the same rows are visible.
const COMMIT_STATE = CompiledQuery.raw('select pg_current_snapshot()::text as state');

export const postgresDialect: Dialect = {
  engine: 'postgres',
  async open(location, options) {
    // Loaded only when used: a SQLite server starts without the PostgreSQL driver.
    const { default: pg } = await import('pg');
    // PostgreSQL returns int8 (count(*)) as a string; our counts fit in a JS number.
    pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
    const pool = new pg.Pool({ connectionString: location, max: options.poolSize ?? 10 });
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
    return {
      kysely: new Kysely<Database>({
        dialect: new PostgresDialect({ pool: prepared ? new NamedStatementPool(pool) : pool }),
      }),
    };
  },
  timestamp: (value) => value,
  readTimestamp: (value) => (value instanceof Date ? value : new Date(value)),
  readBoolean: (value) => value === true || value === 1,
  // None is SQL NULL in Django's JSONField(null=True), never JSON null: `contains=x:false` keeps NULL content.
  json: (value) => (value === undefined || value === null ? null : JSON.stringify(value)),
  readJson: (value) => (value === null ? null : (value as JsonValue)),
  orderByText: (column, descending) => sql`${sql.ref(column)} collate "C" ${descending ? sql`desc` : sql`asc`}`,
  locksRowsForUpdate: true,
  async syncIdentity(db, table) {
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), (select max(id) from ${sql.table(table)}))`.execute(
      db,
    );
  },
  commitState: (db) => readCommitState(db, COMMIT_STATE),
};
