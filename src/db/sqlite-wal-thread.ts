import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/**
 * The slow parts of SQLite's write-ahead log, on a thread of their own. node:sqlite is
 * synchronous, so whatever a connection does on the event loop's thread, every request waits for:
 *
 * - Checkpoints. The writer copies the WAL back into the database file in its COMMIT every 1,000
 *   pages by default (wal_autocheckpoint): a commit of 10–30 ms every few group commits. Here a
 *   second connection, owned by a worker thread, runs a PASSIVE checkpoint every
 *   CHECKPOINT_EVERY_MS: it copies what readers no longer need while the writer goes on appending,
 *   and once it has caught up SQLite starts the WAL over at the next write. The writer keeps a high
 *   autocheckpoint of its own (CHECKPOINT_BACKSTOP_PAGES) in case the thread falls behind.
 * - The sync of a group commit. The group commit writes its COMMIT with `synchronous = NORMAL`
 *   (the WAL's frames are written, not yet synced) and asks this thread to fdatasync the WAL
 *   before it answers any write of the batch or lets any read use the connection (group-commit.ts):
 *   a write is acknowledged, and seen, only once it is on disk, as with `FULL`, but the event loop
 *   goes on with other requests' work during the sync. Syncs asked for while one runs share the next.
 *   A sync that fails leaves committed frames of unknown durability: the process stops, as
 *   PostgreSQL does, and SQLite's recovery at the next start decides.
 */
export const CHECKPOINT_EVERY_MS = 50;
export const CHECKPOINT_BACKSTOP_PAGES = 10_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const { openSync, fdatasyncSync, closeSync } = require('node:fs');
const db = new DatabaseSync(workerData.path);
db.exec('PRAGMA synchronous = ' + workerData.synchronous);
db.exec('PRAGMA busy_timeout = 0');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try {
    checkpoint.get();
  } catch (error) {
    // SQLITE_BUSY: another checkpoint runs (the writer's backstop); the next tick tries again.
    if (!/busy|locked/i.test(String(error && error.message))) parentPort.postMessage({ warning: String(error && error.message) });
  }
}, workerData.everyMs);
// The WAL exists from the first commit until the last connection closes (this one, among them).
let wal;
let asked = 0;
let scheduled = false;
function syncAll() {
  scheduled = false;
  const upTo = asked;
  try {
    wal ??= openSync(workerData.path + '-wal', 'r');
    fdatasyncSync(wal);
    parentPort.postMessage({ synced: upTo });
  } catch (error) {
    parentPort.postMessage({ failed: upTo, message: String(error && error.message) });
  }
}
parentPort.on('message', (message) => {
  if (message === 'stop') {
    clearInterval(timer);
    if (wal !== undefined) closeSync(wal);
    db.close();
    parentPort.close();
    return;
  }
  asked = Math.max(asked, message.sync);
  if (!scheduled) {
    scheduled = true;
    setImmediate(syncAll);
  }
});
`;

type Reply = { synced: number } | { failed: number; message: string } | { warning: string };

export class SqliteWalThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { resolve(): void; reject(error: Error): void }>();
  #asked = 0;
  #stopped: Promise<void> | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (reply: Reply) => {
      if ('warning' in reply) {
        process.emitWarning(`WAL checkpoint: ${reply.warning}`);
        return;
      }
      const upTo = 'synced' in reply ? reply.synced : reply.failed;
      const failure = 'failed' in reply ? new Error(`WAL sync failed: ${reply.message}`) : undefined;
      for (const [id, waiter] of this.#waiting) {
        if (id > upTo) continue;
        this.#waiting.delete(id);
        if (failure === undefined) waiter.resolve();
        else waiter.reject(failure);
      }
      if (this.#waiting.size === 0) worker.unref();
      if (failure !== undefined) {
        process.nextTick(() => {
          throw failure;
        });
      }
    });
    worker.on('error', (error) => process.emitWarning(`WAL thread: ${error.message}`));
    worker.unref();
  }

  /** Starts the thread for the database file at `path` (in WAL mode, opened by the caller). */
  static start(path: string, synchronous: 'FULL' | 'NORMAL'): SqliteWalThread {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, synchronous, everyMs: CHECKPOINT_EVERY_MS },
      // A checkpoint needs no page cache of its own to speak of, nor a large heap.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    return new SqliteWalThread(worker);
  }

  /** Resolves once everything committed to the WAL before the call is on disk. */
  sync(): Promise<void> {
    const id = ++this.#asked;
    return new Promise<void>((resolve, reject) => {
      // A sync under way keeps the process alive; an idle thread does not.
      if (this.#waiting.size === 0) this.#worker.ref();
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ sync: id });
    });
  }

  /** Stops the thread after its current checkpoint or sync, its connection closed. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      const exited = once(this.#worker, 'exit');
      this.#worker.postMessage('stop');
      await exited;
    })();
    return this.#stopped;
  }
}
