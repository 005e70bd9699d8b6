import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

type Work<T> = (trx: Transaction<Database>) => Promise<T>;

interface Job {
  work: Work<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

// A batch is bounded so that one slow batch cannot hold many answers back.
const MAX_BATCH = 64;

/**
 * Group commit for SQLite's single writer. The writes that arrive while a batch is being
 * written run together in the next transaction, each in its own savepoint: a write that fails
 * (a version conflict, a bad value) is rolled back alone, and none is answered before the one
 * COMMIT that makes the whole batch durable. A commit — the WAL sync and the FTS5 segment it
 * flushes — is most of a small write's cost, so ten concurrent saves cost about one.
 *
 * Writes in a batch run one after another on the one connection, so each sees the writes
 * before it exactly as separate transactions in that order would; readers wait for the
 * connection and never see a batch before it commits.
 */
export class GroupCommit {
  readonly #db: Kysely<Database>;
  readonly #syncWal: (() => Promise<void>) | undefined;
  #queue: Job[] = [];
  #scheduled = false;

  /**
   * `syncWal`: where a thread syncs the WAL (sqlite-wal-thread.ts), the batch commits without
   * syncing and waits for it, holding the connection, before anything sees or answers it.
   */
  constructor(db: Kysely<Database>, syncWal?: () => Promise<void>) {
    this.#db = db;
    this.#syncWal = syncWal;
  }

  run<T>(work: Work<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work: work as Work<unknown>, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // setImmediate, not a microtask: requests whose bytes arrived meanwhile are parsed and
    // queued first, and join this batch.
    setImmediate(() => {
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#queue.splice(0, MAX_BATCH);
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await this.#db.connection().execute(async (connection) => {
        const trx = connection as unknown as Transaction<Database>;
        // The safety level can only change outside a transaction.
        if (this.#syncWal !== undefined) await sql`pragma synchronous = normal`.execute(connection);
        try {
          await sql`begin immediate`.execute(connection);
          try {
            for (const job of batch) {
              await sql`savepoint write`.execute(connection);
              try {
                outcomes.push({ ok: true, value: await job.work(trx) });
                await sql`release write`.execute(connection);
              } catch (error) {
                outcomes.push({ ok: false, error });
                // If SQLite already rolled the whole transaction back (I/O error, disk full),
                // the savepoint is gone and this throws: the batch fails as a whole below.
                await sql`rollback to write`.execute(connection);
                await sql`release write`.execute(connection);
              }
            }
            await sql`commit`.execute(connection);
          } catch (error) {
            await sql`rollback`.execute(connection).catch(() => undefined);
            throw error;
          }
        } finally {
          // Every other write on the connection syncs its own commit.
          if (this.#syncWal !== undefined)
            await sql`pragma synchronous = full`.execute(connection).catch(() => undefined);
        }
        await this.#syncWal?.();
      });
    } catch (error) {
      // Nothing of the batch is acknowledged: every write in it fails (a failed WAL sync also stops the process).
      for (const job of batch) job.reject(error);
      this.#next();
      return;
    }
    batch.forEach((job, index) => {
      const outcome = outcomes[index];
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
    this.#next();
  }

  #next(): void {
    this.#scheduled = false;
    if (this.#queue.length > 0) this.#schedule();
  }
}
