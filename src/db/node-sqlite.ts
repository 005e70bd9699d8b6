import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

// Kysely's SqliteDialect speaks the better-sqlite3 interface; node:sqlite is close but binds
// parameters as varargs, has no `reader` flag and refuses booleans. This adapter bridges the two
// and caches prepared statements, since Kysely prepares every query anew.
const STATEMENT_CACHE_LIMIT = 500;

function toSqlite(value: unknown): SQLInputValue {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  return value as SQLInputValue;
}

function bind(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  return parameters.map(toSqlite);
}

class NodeSqliteStatement implements SqliteStatement {
  readonly reader: boolean;
  readonly #statement: StatementSync;

  constructor(statement: StatementSync) {
    this.#statement = statement;
    this.reader = statement.columns().length > 0;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.#statement.all(...bind(parameters));
  }

  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.#statement.run(...bind(parameters));
  }

  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.#statement.iterate(...bind(parameters));
  }
}

export class NodeSqliteDatabase implements SqliteDatabase {
  readonly raw: DatabaseSync;
  readonly #statements = new Map<string, NodeSqliteStatement>();

  constructor(path: string, synchronous: 'FULL' | 'NORMAL' = 'FULL') {
    this.raw = new DatabaseSync(path);
    this.raw.exec('PRAGMA journal_mode = WAL');
    // FULL: a commit is on disk before the write is acknowledged, so an acknowledged write
    // survives power loss too (NORMAL in WAL mode only survives a process crash). PostgreSQL's
    // default synchronous_commit gives the same promise.
    this.raw.exec(`PRAGMA synchronous = ${synchronous}`);
    this.raw.exec('PRAGMA foreign_keys = ON');
    // 64 MiB of page cache (the default is 2 MiB): the list indexes of a big project stay in
    // memory instead of being read back from the OS for every request.
    this.raw.exec('PRAGMA cache_size = -65536');
    this.raw.exec('PRAGMA temp_store = MEMORY');
    this.raw.exec('PRAGMA busy_timeout = 5000');
  }

  prepare(sql: string): NodeSqliteStatement {
    const cached = this.#statements.get(sql);
    if (cached) return cached;
    const statement = new NodeSqliteStatement(this.raw.prepare(sql));
    if (this.#statements.size >= STATEMENT_CACHE_LIMIT) {
      const oldest = this.#statements.keys().next().value;
      if (oldest !== undefined) this.#statements.delete(oldest);
    }
    this.#statements.set(sql, statement);
    return statement;
  }

  close(): void {
    this.#statements.clear();
    if (this.raw.isOpen) this.raw.close();
  }
}
