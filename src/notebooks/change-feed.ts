import type { Db } from '../db/database.ts';
import type { Unlisten } from '../db/dialect.ts';
import type { NotebooksRepository, RecordedChange } from './notebooks.repository.ts';

/** The channel every notebook write is announced on, with its project id as the payload. */
export const NOTEBOOK_CHANGES_CHANNEL = 'notebook_changes';

const BATCH = 500;

/** Told by this process's writers when a write has committed. */
export interface ChangeAnnouncer {
  committed(teamId: number): void;
}

export interface ChangeListener {
  /** Changes after the last one delivered, in order. */
  changes(changes: RecordedChange[]): void;
  /** The changes after `after` are no longer kept (or `after` was never reached): start over. */
  reset(): void;
}

interface Subscription {
  teamId: number;
  after: number;
  listener: ChangeListener;
}

/**
 * Delivers each project's notebook changes, in commit order, to the streams watching it. A
 * write in this process says so directly; a write in another process is heard through the
 * database (Db.listen: PostgreSQL's NOTIFY, or SQLite's data_version polled). Either way the
 * changes are then read from notebook_changes after the last one each stream has seen, so a
 * missed announcement delays a change but never loses it.
 */
export class ChangeFeed implements ChangeAnnouncer {
  readonly #db: Db;
  readonly #repo: NotebooksRepository;
  readonly #projects = new Map<number, Set<Subscription>>();
  /** Projects being read, and whether another read must follow. */
  readonly #reading = new Map<number, { again: boolean }>();
  #listening: Promise<Unlisten> | undefined;

  constructor(db: Db, repo: NotebooksRepository) {
    this.#db = db;
    this.#repo = repo;
  }

  /**
   * Watches a project from the change after `after` (undefined: from now on). Returns the
   * function that stops watching.
   */
  async subscribe(teamId: number, after: number | undefined, listener: ChangeListener): Promise<() => void> {
    this.#listening ??= this.#db.listen(NOTEBOOK_CHANGES_CHANNEL, (payload) => this.#heard(payload));
    await this.#listening;
    const current = await this.#repo.changeCount(teamId);
    const subscription: Subscription = { teamId, after: after ?? current, listener };
    if (subscription.after > current) {
      subscription.after = current;
      listener.reset();
    }
    let subscriptions = this.#projects.get(teamId);
    if (subscriptions === undefined) {
      subscriptions = new Set();
      this.#projects.set(teamId, subscriptions);
    }
    subscriptions.add(subscription);
    if (subscription.after < current) this.committed(teamId);
    return () => {
      subscriptions.delete(subscription);
      if (subscriptions.size === 0 && this.#projects.get(teamId) === subscriptions) this.#projects.delete(teamId);
    };
  }

  get subscriptions(): number {
    let count = 0;
    for (const subscriptions of this.#projects.values()) count += subscriptions.size;
    return count;
  }

  committed(teamId: number): void {
    if (!this.#projects.has(teamId)) return;
    const reading = this.#reading.get(teamId);
    if (reading !== undefined) {
      reading.again = true;
      return;
    }
    const state = { again: false };
    this.#reading.set(teamId, state);
    void this.#read(teamId, state);
  }

  async close(): Promise<void> {
    this.#projects.clear();
    const listening = this.#listening;
    this.#listening = undefined;
    if (listening !== undefined) await (await listening)();
  }

  #heard(payload: string | undefined): void {
    const teamId = payload === undefined ? Number.NaN : Number(payload);
    if (Number.isInteger(teamId)) this.committed(teamId);
    else for (const id of this.#projects.keys()) this.committed(id);
  }

  async #read(teamId: number, state: { again: boolean }): Promise<void> {
    try {
      do {
        state.again = false;
        await this.#deliver(teamId);
      } while (state.again);
    } catch {
      // The database was unreachable: the next announcement, or the next heard commit, reads again.
    } finally {
      this.#reading.delete(teamId);
    }
  }

  async #deliver(teamId: number): Promise<void> {
    for (;;) {
      const subscriptions = this.#projects.get(teamId);
      if (subscriptions === undefined || subscriptions.size === 0) return;
      const from = Math.min(...[...subscriptions].map((subscription) => subscription.after));
      const changes = await this.#repo.changesAfter(teamId, from, BATCH);
      if (changes.length === 0) return;
      for (const subscription of subscriptions) {
        const fresh = changes.filter((change) => change.seq > subscription.after);
        if (fresh.length === 0) continue;
        if (fresh[0].seq > subscription.after + 1) {
          // What came between was pruned (the stream resumed from too far back).
          subscription.after = changes[changes.length - 1].seq;
          subscription.listener.reset();
          continue;
        }
        subscription.after = fresh[fresh.length - 1].seq;
        subscription.listener.changes(fresh);
      }
      if (changes.length < BATCH) return;
    }
  }
}
