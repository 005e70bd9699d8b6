import { Worker } from 'node:worker_threads';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type Dialect as KyselyDialect,
  type QueryCompiler,
  type QueryResult,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { NodeSqliteDatabase } from './node-sqlite.ts';
import type { SerializedError, WriterOptions, WriterReply, WriterRequest } from './sqlite-writer-thread.ts';

// A SQLite database file served by two connections: a reading one on the event loop's thread and
// a writing one owned by a worker thread (sqlite-writer-thread.ts). In WAL mode readers never
// wait for the writer, so a list or a retrieve is answered while a group commit is being written
// and synced, and the write's SQLite work runs on another core.
//
// What goes where: a transaction, anything run on a connection that began one or wrote, and every
// statement that is not a SELECT run on the writer; a SELECT on its own runs on the reader,
// which sees every transaction committed before it started. The reader is `query_only`: a
// statement sent to it by mistake fails instead of writing.

const READ = /^\s*select\b/i;

function isRead(query: CompiledQuery): boolean {
  return SelectQueryNode.is(query.query) || READ.test(query.sql);
}

function resultOf<R>(
  rows: unknown[],
  changes: number | bigint | undefined,
  lastInsertRowid: number | bigint | undefined,
  reader: boolean,
): QueryResult<R> {
  if (reader) return { rows: rows as R[] };
  return {
    numAffectedRows: changes !== undefined && changes !== null ? BigInt(changes) : undefined,
    insertId: lastInsertRowid !== undefined && lastInsertRowid !== null ? BigInt(lastInsertRowid) : undefined,
    rows: rows as R[],
  };
}

/** The worker thread that owns the writing connection: statements in turns, and whole jobs. */
export class WriterThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(reply: WriterReply): void; reject(error: Error): void }>();
  #nextId = 1;
  #nextTurn = 1;
  #failure: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (reply: WriterReply | { closed: true }) => {
      if (!('id' in reply)) return;
      const waiting = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      waiting?.resolve(reply);
    });
    const fail = (error: Error) => {
      this.#failure ??= error;
      for (const waiting of this.#pending.values()) waiting.reject(error);
      this.#pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the SQLite writer thread exited (${code})`)));
  }

  static async start(options: WriterOptions): Promise<WriterThread> {
    const worker = new Worker(new URL('./sqlite-writer-thread.ts', import.meta.url), {
      workerData: { role: 'sqlite-writer', options },
    });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: { ready?: boolean; message?: string }) => {
        if (message.ready === undefined) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        if (message.ready) resolve();
        else reject(new Error(message.message));
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    return new WriterThread(worker);
  }

  #send(request: WriterRequest & { id: number }): Promise<WriterReply> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise<WriterReply>((resolve, reject) => {
      this.#pending.set(request.id, { resolve, reject });
      this.#worker.postMessage(request);
    });
  }

  newTurn(): number {
    return this.#nextTurn++;
  }

  async statement<R>(turn: number, query: CompiledQuery): Promise<QueryResult<R>> {
    const reply = await this.#send({
      op: 'statement',
      id: this.#nextId++,
      turn,
      sql: query.sql,
      parameters: [...query.parameters],
    });
    if ('error' in reply) throw revive(reply.error);
    if (!('rows' in reply)) throw new Error('the SQLite writer answered a statement with no rows');
    return { rows: reply.rows as R[], numAffectedRows: reply.numAffectedRows, insertId: reply.insertId };
  }

  release(turn: number): void {
    if (this.#failure === undefined) this.#worker.postMessage({ op: 'release', turn } satisfies WriterRequest);
  }

  /** Runs one job of `module` (its createWriterJobs) on the writer's thread. */
  async job(module: string, payload: unknown): Promise<unknown> {
    const reply = await this.#send({ op: 'job', id: this.#nextId++, module, payload });
    if ('error' in reply) throw revive(reply.error);
    if (!('value' in reply)) throw new Error('the SQLite writer answered a job with no value');
    return reply.value;
  }

  async close(): Promise<void> {
    if (this.#failure === undefined) {
      const closed = new Promise<void>((resolve) => {
        this.#worker.on('message', (message: { closed?: boolean }) => {
          if (message.closed) resolve();
        });
        this.#worker.once('exit', () => resolve());
      });
      this.#worker.postMessage({ op: 'close' } satisfies WriterRequest);
      await closed;
    }
    await this.#worker.terminate();
  }
}

/** The driver's error as it was thrown on the writer's thread: callers read its code and errcode. */
function revive(serialized: SerializedError): Error {
  const error = new Error(serialized.message) as Error & Record<string, unknown>;
  error.name = serialized.name;
  if (serialized.code !== undefined) error.code = serialized.code;
  if (serialized.errcode !== undefined) error.errcode = serialized.errcode;
  if (serialized.errstr !== undefined) error.errstr = serialized.errstr;
  return error;
}

class SplitConnection implements DatabaseConnection {
  readonly #driver: SplitDriver;
  /** Set once this connection has taken the writer: everything after runs there, in that turn. */
  #turn: number | undefined;

  constructor(driver: SplitDriver) {
    this.#driver = driver;
  }

  takeWriter(): number {
    this.#turn ??= this.#driver.writer.newTurn();
    return this.#turn;
  }

  releaseWriter(): void {
    if (this.#turn !== undefined) this.#driver.writer.release(this.#turn);
    this.#turn = undefined;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#turn === undefined && isRead(query)) return this.#driver.read<R>(query);
    return this.#driver.writer.statement<R>(this.takeWriter(), query);
  }

  // biome-ignore lint/correctness/useYield: streaming is not offered; nothing here asks for it.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on SQLite');
  }
}

class SplitDriver implements Driver {
  readonly #options: WriterOptions;
  #reader: NodeSqliteDatabase | undefined;
  #writer: WriterThread | undefined;

  constructor(options: WriterOptions) {
    this.#options = options;
  }

  get writer(): WriterThread {
    if (this.#writer === undefined) throw new Error('the SQLite database is not open');
    return this.#writer;
  }

  async init(): Promise<void> {
    // The writer first: it creates the file and puts it in WAL mode before the reader opens it.
    this.#writer = await WriterThread.start(this.#options);
    this.#reader = new NodeSqliteDatabase(this.#options.path, this.#options.synchronous);
    this.#reader.raw.exec('PRAGMA query_only = ON');
  }

  async read<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#reader === undefined) throw new Error('the SQLite database is not open');
    const statement = this.#reader.prepare(query.sql);
    if (statement.reader) return { rows: statement.all(query.parameters) as R[] };
    const { changes, lastInsertRowid } = statement.run(query.parameters);
    return resultOf<R>([], changes, lastInsertRowid, false);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new SplitConnection(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as SplitConnection).takeWriter();
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as SplitConnection).releaseWriter();
  }

  async destroy(): Promise<void> {
    this.#reader?.close();
    this.#reader = undefined;
    await this.#writer?.close();
    this.#writer = undefined;
  }
}

/** Kysely's SQLite dialect over a reading connection here and a writing one on a worker thread. */
export class SplitSqliteDialect implements KyselyDialect {
  readonly #options: WriterOptions;
  #driver: SplitDriver | undefined;

  constructor(options: WriterOptions) {
    this.#options = options;
  }

  /** The writer's thread, once the first query has opened the connections. */
  get writer(): WriterThread {
    if (this.#driver === undefined) throw new Error('the SQLite database is not open');
    return this.#driver.writer;
  }

  createDriver(): Driver {
    this.#driver = new SplitDriver(this.#options);
    return this.#driver;
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
