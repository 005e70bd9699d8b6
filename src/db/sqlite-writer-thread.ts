import { parentPort, workerData } from 'node:worker_threads';
import { CompiledQuery, Kysely, SqliteDialect } from 'kysely';
import type { Db } from './database.ts';
import { GroupCommit } from './group-commit.ts';
import { NodeSqliteDatabase } from './node-sqlite.ts';
import type { Database } from './schema.ts';
import { sqliteDialect } from './sqlite-dialect.ts';

// The thread that owns a SQLite database's writing connection (sqlite-connections.ts). It runs
//  - statements sent one at a time by the server's thread, in "turns": a turn holds the
//    connection from its first statement until it is released, as a transaction must;
//  - whole write jobs (a module's `createWriterJobs(db)` runs them), which share group commits
//    here exactly as they would on the server's thread (group-commit.ts).
// Its SQLite work — index and FTS5 upkeep, the COMMIT's sync to disk — and a job's own
// JavaScript run here, off the server's event loop.

export interface WriterOptions {
  path: string;
  synchronous: 'FULL' | 'NORMAL';
}

export type WriterRequest =
  | { op: 'statement'; id: number; turn: number; sql: string; parameters: unknown[] }
  | { op: 'release'; turn: number }
  | { op: 'job'; id: number; module: string; payload: unknown }
  | { op: 'close' };

export interface SerializedError {
  message: string;
  name: string;
  code?: unknown;
  errcode?: unknown;
  errstr?: unknown;
}

export type WriterReply =
  | { id: number; rows: unknown[]; numAffectedRows?: bigint; insertId?: bigint }
  | { id: number; value: unknown }
  | { id: number; error: SerializedError };

/** What a job module exports: given the thread's database, the function that runs one job. */
export type WriterJobs = (db: Db) => (payload: unknown) => Promise<unknown>;

export function serializeError(caught: unknown): SerializedError {
  const error = caught as Error & { code?: unknown; errcode?: unknown; errstr?: unknown };
  return {
    message: String(error?.message ?? error),
    name: String(error?.name ?? 'Error'),
    code: error?.code,
    errcode: error?.errcode,
    errstr: error?.errstr,
  };
}

interface Turn {
  /** The statements of the turn, one after another. */
  chain: Promise<unknown>;
  /** The connection, once the turn holds it. */
  connection: Promise<Kysely<Database>>;
  release(): void;
}

if (parentPort !== null && (workerData as { role?: string } | null)?.role === 'sqlite-writer') {
  const port = parentPort;
  const options = (workerData as { options: WriterOptions }).options;
  let connection: NodeSqliteDatabase;
  try {
    connection = new NodeSqliteDatabase(options.path, options.synchronous);
    port.postMessage({ ready: true });
  } catch (error) {
    port.postMessage({ ready: false, message: String((error as Error)?.message ?? error) });
    throw error;
  }
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: connection }) });
  const db: Db = {
    kysely,
    dialect: sqliteDialect,
    groupCommit: new GroupCommit(kysely),
    listen: async () => async () => {},
    close: () => kysely.destroy(),
  };
  const turns = new Map<number, Turn>();
  const jobs = new Map<string, Promise<(payload: unknown) => Promise<unknown>>>();

  const turnOf = (id: number): Turn => {
    let turn = turns.get(id);
    if (turn !== undefined) return turn;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const connection = new Promise<Kysely<Database>>((resolve, reject) => {
      kysely
        .connection()
        .execute(async (bound) => {
          resolve(bound);
          await held;
        })
        .catch(reject);
    });
    turn = { chain: connection, connection, release };
    turns.set(id, turn);
    return turn;
  };

  port.on('message', (message: WriterRequest) => {
    switch (message.op) {
      case 'statement': {
        const turn = turnOf(message.turn);
        turn.chain = turn.chain
          .then(async () => {
            const bound = await turn.connection;
            const result = await bound.executeQuery(CompiledQuery.raw(message.sql, message.parameters));
            port.postMessage({
              id: message.id,
              rows: result.rows,
              numAffectedRows: result.numAffectedRows,
              insertId: result.insertId,
            } satisfies WriterReply);
          })
          .catch((error: unknown) => port.postMessage({ id: message.id, error: serializeError(error) }));
        return;
      }
      case 'release': {
        const turn = turns.get(message.turn);
        if (turn === undefined) return;
        turns.delete(message.turn);
        void turn.chain.finally(() => turn.release());
        return;
      }
      case 'job': {
        let run = jobs.get(message.module);
        if (run === undefined) {
          run = import(message.module).then((module: { createWriterJobs: WriterJobs }) => module.createWriterJobs(db));
          jobs.set(message.module, run);
        }
        run
          .then((runJob) => runJob(message.payload))
          .then(
            (value) => port.postMessage({ id: message.id, value } satisfies WriterReply),
            (error: unknown) => port.postMessage({ id: message.id, error: serializeError(error) }),
          );
        return;
      }
      case 'close': {
        void kysely.destroy().then(() => {
          port.postMessage({ closed: true });
          port.close();
        });
        return;
      }
    }
  });
}
