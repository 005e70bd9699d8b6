import { TtlCache } from '../cache/ttl-cache.ts';
import type { AccountsRepository, User } from './accounts.repository.ts';

const TTL_MS = 10_000;
const LIMIT = 10_000;

/**
 * Users rendered as created_by / last_modified_by, remembered for 10 seconds: every list and
 * detail response names users, and they change rarely (a renamed user shows within 10 s).
 */
export class UserCache {
  readonly #accounts: AccountsRepository;
  readonly #entries = new TtlCache<number, User>(TTL_MS, LIMIT);

  constructor(accounts: AccountsRepository) {
    this.#accounts = accounts;
  }

  async byIds(ids: Iterable<number | null>): Promise<Map<number, User>> {
    return (await this.byIdsUntil(ids)).users;
  }

  /** The users, and until when every one of them may be shown as it is (the earliest expiry). */
  async byIdsUntil(ids: Iterable<number | null>): Promise<{ users: Map<number, User>; until: number }> {
    const now = Date.now();
    let until = now + TTL_MS;
    const found = new Map<number, User>();
    const missing: number[] = [];
    for (const id of ids) {
      if (id === null || found.has(id)) continue;
      const entry = this.#entries.entry(id, now);
      if (entry) {
        found.set(id, entry.value);
        until = Math.min(until, entry.expires);
      } else if (!missing.includes(id)) missing.push(id);
    }
    if (missing.length > 0) {
      for (const [id, user] of await this.#accounts.findUsersByIds(missing)) {
        found.set(id, user);
        this.#entries.set(id, user, now);
      }
    }
    return { users: found, until };
  }
}
