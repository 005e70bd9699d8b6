import type { Kysely, RawBuilder, Transaction } from 'kysely';
import type { JsonValue } from '../json/json-value.ts';
import type { OpenOptions } from './database.ts';
import type { GroupCommit } from './group-commit.ts';
import { postgresDialect } from './postgres-dialect.ts';
import type { Database, DbBoolean, DbTimestamp } from './schema.ts';
import { sqliteDialect } from './sqlite-dialect.ts';

export type Engine = 'sqlite' | 'postgres';

/** Stops a listener. */
export type Unlisten = () => Promise<void>;

export interface OpenDatabase {
  kysely: Kysely<Database>;
  groupCommit?: GroupCommit;
  /**
   * Calls `onChange` when another connection or process commits: with the payload of a NOTIFY
   * on `channel` (PostgreSQL), or with none when the engine can only tell that something was
   * committed (SQLite, polled). Also called with none after a lost connection is back.
   */
  listen(channel: string, onChange: (payload: string | undefined) => void): Promise<Unlisten>;
  /** Stops what the engine runs beside the connection (SQLite's WAL thread) before it closes. */
  beforeClose?: () => Promise<void>;
}

/** Where a query runs: the database, or the transaction of a write. */
export type Executor = Kysely<Database> | Transaction<Database>;

/**
 * What differs between SQLite and PostgreSQL for every table: value encodings, identities, text
 * ordering, row locks and the commit state. A domain's own engine-specific indexes live in its
 * `storage/` folder; everything else is portable Kysely.
 */
export interface Dialect {
  readonly engine: Engine;
  /** Connects to the database at `location`; SQLite's writes share transactions through group commit. */
  open(location: string, options: OpenOptions): Promise<OpenDatabase>;
  /**
   * Announces a change on `channel` to every other connection and process, when the transaction
   * of `db` commits (PostgreSQL's NOTIFY); a no-op where listeners poll instead.
   */
  notify(db: Executor, channel: string, payload: string): Promise<void>;
  timestamp(value: Date): DbTimestamp;
  readTimestamp(value: DbTimestamp): Date;
  readBoolean(value: DbBoolean): boolean;
  /** A JSON value for a JSON column; None is SQL NULL, never JSON null. */
  json(value: JsonValue | undefined): unknown;
  readJson(value: unknown): JsonValue | undefined;
  /** A text column in code-point (byte) order, as PostHog orders titles, with NULLs where PostgreSQL puts them. */
  orderByText(column: string, descending: boolean): RawBuilder<unknown>;
  /** Whether rows read for an update must be locked (SELECT … FOR UPDATE); SQLite's writer holds the database. */
  readonly locksRowsForUpdate: boolean;
  /** After inserting an explicit id into an identity column, moves its sequence past it. */
  syncIdentity(db: Executor, table: keyof Database): Promise<void>;
  /**
   * Runs fn in one read-only transaction that sees the database as it was at one moment, while
   * other connections and processes go on writing (an export from a running server).
   */
  readSnapshot<T>(db: Kysely<Database>, fn: (trx: Executor) => Promise<T>): Promise<T>;
  /**
   * Writes a consistent copy of the whole database to a new file while it is in use; undefined
   * where the engine's own tools do that (pg_dump).
   */
  readonly copyToFile?: (db: Kysely<Database>, path: string) => Promise<void>;
}

const DIALECTS: Record<Engine, Dialect> = { sqlite: sqliteDialect, postgres: postgresDialect };

export function dialectFor(engine: Engine): Dialect {
  return DIALECTS[engine];
}
