import type { FastifyRequest } from 'fastify';
import type { Transaction } from 'kysely';
import { TtlCache } from '../cache/ttl-cache.ts';
import type { BackgroundWrites } from '../db/background-writes.ts';
import { type Db, writeTransaction } from '../db/database.ts';
import type { Executor, Unlisten } from '../db/dialect.ts';
import type { Database } from '../db/schema.ts';
import { findPersonalApiKey } from '../http/credentials.ts';
import { authenticationFailed } from '../http/errors.ts';
import type { AccountsRepository } from './accounts.repository.ts';
import { hashKeyValue } from './api-keys.ts';
import type { Caller } from './caller.ts';
import { type Clock, systemClock } from './clock.ts';
import type { CredentialSource } from './credential-source.ts';

/** The channel a change to a user's key callers is announced on, with the user's id as the payload. */
export const KEY_CALLERS_CHANNEL = 'personal_api_keys';

const CACHE_MS = 10_000;
const CACHE_LIMIT = 10_000;
const LAST_USED_EVERY_MS = 3_600_000;

/**
 * Told by writers when what a key caller holds has changed: one of the user's keys (rolled,
 * deleted, its scopes or limits), the user (deactivated) or their memberships.
 */
export interface KeyCallerChanges {
  /** In the write's transaction: every other process is told once, and only if, it commits. */
  announce(trx: Executor, userId: number): Promise<void>;
  /** After the commit: this process reads the user's keys again. */
  committed(userId: number): void;
}

/**
 * Runs a write that changes what the user's key callers hold, in one transaction that announces
 * it; once it has committed, this process forgets the user's callers too.
 */
export async function writeKeyCallerChange<T>(
  db: Db,
  changes: KeyCallerChanges | undefined,
  userId: number,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  const result = await writeTransaction(db, async (trx) => {
    const done = await work(trx);
    await changes?.announce(trx, userId);
    return done;
  });
  changes?.committed(userId);
  return result;
}

/**
 * Personal API keys, found where PostHog looks for them. A short-lived cache of hash → caller
 * keeps the hot path to one hash and one map lookup. A change to a key, its user or the user's
 * memberships is forgotten at once by the process that made it (committed), and by the others
 * as soon as they hear of it through the database (listen: PostgreSQL's NOTIFY, or on SQLite any
 * commit of another process). Without a listener, or while it is reconnecting, an entry still
 * lasts at most CACHE_MS.
 */
export class PersonalApiKeySource implements CredentialSource, KeyCallerChanges {
  readonly #db: Db;
  readonly #accounts: AccountsRepository;
  readonly #background: BackgroundWrites;
  readonly #clock: Clock;
  readonly #callers = new TtlCache<string, Caller>(CACHE_MS, CACHE_LIMIT);
  /**
   * Moves on every change heard: a caller read from the database before a change and stored
   * after it was forgotten would otherwise stay for CACHE_MS.
   */
  #changes = 0;
  #listening: Promise<Unlisten> | undefined;

  constructor(db: Db, accounts: AccountsRepository, options: { background: BackgroundWrites; clock?: Clock }) {
    this.#db = db;
    this.#accounts = accounts;
    this.#background = options.background;
    this.#clock = options.clock ?? systemClock;
  }

  /** Starts hearing the changes other processes make; rejects (leaving only CACHE_MS) if it cannot. */
  async listen(): Promise<void> {
    this.#listening ??= this.#db.listen(KEY_CALLERS_CHANNEL, (payload) => this.#heard(payload));
    try {
      await this.#listening;
    } catch (error) {
      this.#listening = undefined;
      throw error;
    }
  }

  async close(): Promise<void> {
    const listening = this.#listening;
    this.#listening = undefined;
    const unlisten = await listening?.catch(() => undefined);
    await unlisten?.();
  }

  async announce(trx: Executor, userId: number): Promise<void> {
    await this.#db.dialect.notify(trx, KEY_CALLERS_CHANNEL, String(userId));
  }

  committed(userId: number): void {
    this.#changes += 1;
    this.#callers.deleteWhere((caller) => caller.user.id === userId);
  }

  #heard(payload: string | undefined): void {
    const userId = payload === undefined ? Number.NaN : Number(payload);
    if (Number.isSafeInteger(userId)) {
      this.committed(userId);
      return;
    }
    // SQLite (another process committed something) or a reconnected listener: anything may have changed.
    this.#changes += 1;
    this.#callers.clear();
  }

  async authenticate(request: FastifyRequest): Promise<Caller | undefined> {
    const found = findPersonalApiKey(request);
    if (!found) return undefined;
    if (found.value.startsWith('pha_')) throw authenticationFailed('Invalid access token.');
    const keyHash = hashKeyValue(found.value);
    const now = this.#clock();
    const cached = this.#callers.get(keyHash, now);
    if (cached) return cached;
    const changes = this.#changes;
    const match = await this.#accounts.findKeyBySecureValue(keyHash);
    if (!match) throw authenticationFailed(`Personal API key found in request ${found.source} is invalid.`);
    const memberships = new Map(
      (await this.#accounts.membershipsOf(match.user.id)).map((m) => [m.organizationId, m.level]),
    );
    const caller: Caller = { user: match.user, key: match.key, memberships, rateLimitIdentity: keyHash };
    if (match.key.lastUsedAt === null || now - match.key.lastUsedAt.getTime() > LAST_USED_EVERY_MS) {
      const keyId = match.key.id;
      this.#background.run(() => this.#accounts.touchKey(keyId, new Date(now)));
      match.key.lastUsedAt = new Date(now);
    }
    if (changes === this.#changes) this.#callers.set(keyHash, caller, now);
    return caller;
  }
}
