import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import pg from 'pg';
import type { Engine } from '../../src/db/dialect.ts';
import { createTestDatabase } from './harness.ts';

/** A fresh database a spawned server can open by URL, and that a test can read past the server. */
export interface FileDatabase {
  url: string;
  /** The SQLite file; null on PostgreSQL. */
  sqliteFile: string | null;
  /** Runs one statement on a connection of its own ($1, $2… parameters on both engines). */
  execute(statement: string, parameters?: SQLInputValue[]): Promise<void>;
  /** Runs one query on a connection of its own and returns its rows. */
  query<T>(statement: string, parameters?: SQLInputValue[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** A SQLite file in a temporary directory, or a fresh PostgreSQL database. */
export async function createFileDatabase(engine: Engine): Promise<FileDatabase> {
  const database = await createTestDatabase(engine, { sqliteFile: true });
  if (engine === 'sqlite') {
    const file = database.target.location;
    const run = <T>(statement: string, parameters: SQLInputValue[], all: boolean): T[] => {
      const connection = new DatabaseSync(file);
      try {
        connection.exec('PRAGMA busy_timeout = 5000');
        const prepared = connection.prepare(statement.replace(/\$\d+/g, '?'));
        if (all) return prepared.all(...parameters) as T[];
        prepared.run(...parameters);
        return [];
      } finally {
        connection.close();
      }
    };
    return {
      url: database.url,
      sqliteFile: file,
      async execute(statement, parameters = []) {
        if (parameters.length === 0) {
          const connection = new DatabaseSync(file);
          try {
            connection.exec('PRAGMA busy_timeout = 5000');
            connection.exec(statement);
          } finally {
            connection.close();
          }
          return;
        }
        run(statement, parameters, false);
      },
      query: async (statement, parameters = []) => run(statement, parameters, true),
      drop: database.drop,
    };
  }
  const withClient = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: database.url, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    url: database.url,
    sqliteFile: null,
    execute: (statement, parameters = []) =>
      withClient(async (client) => void (await client.query(statement, parameters))),
    query: <T>(statement: string, parameters: SQLInputValue[] = []) =>
      withClient(async (client) => (await client.query(statement, parameters)).rows as T[]),
    drop: database.drop,
  };
}
