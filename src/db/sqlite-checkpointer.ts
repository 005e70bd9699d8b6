import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/**
 * Copies the WAL back into a SQLite database file on a thread of its own. SQLite's writer does it
 * in its COMMIT every 1,000 pages by default (wal_autocheckpoint): on the event loop's thread,
 * since node:sqlite is synchronous, that is a commit of 10–30 ms every few group commits, with
 * every request waiting. Here a second connection, owned by a worker thread, runs a PASSIVE
 * checkpoint every CHECKPOINT_EVERY_MS: it copies what readers no longer need while the writer
 * goes on appending, and once it has caught up SQLite starts the WAL over at the next write.
 * The writer keeps a high autocheckpoint of its own (CHECKPOINT_BACKSTOP_PAGES) in case the thread
 * falls behind.
 */
export const CHECKPOINT_EVERY_MS = 50;
export const CHECKPOINT_BACKSTOP_PAGES = 10_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.path);
db.exec('PRAGMA synchronous = ' + workerData.synchronous);
db.exec('PRAGMA busy_timeout = 0');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try {
    checkpoint.get();
  } catch (error) {
    // SQLITE_BUSY: another checkpoint runs (the writer's backstop); the next tick tries again.
    if (!/busy|locked/i.test(String(error && error.message))) parentPort.postMessage({ error: String(error && error.message) });
  }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export class SqliteCheckpointer {
  readonly #worker: Worker;
  #stopped: Promise<void> | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /** Starts checkpointing the database file at `path` (in WAL mode, opened by the caller). */
  static start(path: string, synchronous: 'FULL' | 'NORMAL'): SqliteCheckpointer {
    // A checkpoint that fails (an I/O error) is retried on the next tick; the warning says why.
    const report = (message: string) => process.emitWarning(`WAL checkpoint: ${message}`);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, synchronous, everyMs: CHECKPOINT_EVERY_MS },
      // A checkpoint needs no page cache of its own to speak of, nor a large heap.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    worker.on('message', (message: { error?: string }) => {
      if (message.error !== undefined) report(message.error);
    });
    worker.on('error', (error) => report(error.message));
    worker.unref();
    return new SqliteCheckpointer(worker);
  }

  /** Stops the thread after its current checkpoint, its connection closed. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      const exited = once(this.#worker, 'exit');
      this.#worker.postMessage('stop');
      await exited;
    })();
    return this.#stopped;
  }
}
