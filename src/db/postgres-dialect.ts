import { Kysely, PostgresDialect, sql } from 'kysely';
import type { JsonValue } from '../json/json-value.ts';
import type { Dialect, Unlisten } from './dialect.ts';
import { NamedStatementPool } from './postgres-pool.ts';
import type { Database } from './schema.ts';

const RECONNECT_MS = 1_000;

/**
 * LISTEN on a connection of its own (a pooled one would be handed to queries). A lost connection
 * is opened again; notifications sent meanwhile are lost, so the listener is then told that
 * anything may have changed.
 */
async function listenOn(
  pg: typeof import('pg').default,
  location: string,
  channel: string,
  onChange: (payload: string | undefined) => void,
): Promise<Unlisten> {
  let stopped = false;
  let client: import('pg').Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: location });
    next.on('notification', (message) => {
      if (message.channel === channel) onChange(message.payload);
    });
    next.on('error', () => {
      if (stopped || client !== next) return;
      client = undefined;
      void next.end().catch(() => {});
      retry = setTimeout(reconnect, RECONNECT_MS);
    });
    await next.connect();
    await next.query(`listen ${escapeIdentifier(channel)}`);
    client = next;
  };
  const reconnect = () => {
    if (stopped) return;
    connect().then(
      () => onChange(undefined),
      () => {
        retry = setTimeout(reconnect, RECONNECT_MS);
      },
    );
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}

function escapeIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

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
      listen: (channel, onChange) => listenOn(pg, location, channel, onChange),
    };
  },
  async notify(db, channel, payload) {
    await sql`select pg_notify(${channel}, ${payload})`.execute(db);
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
  readSnapshot: (db, fn) =>
    db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(fn),
};
