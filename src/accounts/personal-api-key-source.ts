import type { FastifyRequest } from 'fastify';
import { TtlCache } from '../cache/ttl-cache.ts';
import type { BackgroundWrites } from '../db/background-writes.ts';
import { findPersonalApiKey } from '../http/credentials.ts';
import { authenticationFailed } from '../http/errors.ts';
import type { AccountsRepository } from './accounts.repository.ts';
import { hashKeyValue } from './api-keys.ts';
import type { Caller } from './caller.ts';
import type { CredentialSource } from './credential-source.ts';

const CACHE_MS = 10_000;
const CACHE_LIMIT = 10_000;
const LAST_USED_EVERY_MS = 3_600_000;

/**
 * Personal API keys, found where PostHog looks for them. A short-lived cache of hash → caller
 * keeps the hot path to one hash and one map lookup: a key deleted, rolled or changed through
 * this process is forgotten at once (forget), while other processes may still accept it for up to
 * CACHE_MS, as they do a deactivated user.
 */
export class PersonalApiKeySource implements CredentialSource {
  readonly #accounts: AccountsRepository;
  readonly #background: BackgroundWrites;
  readonly #callers = new TtlCache<string, Caller>(CACHE_MS, CACHE_LIMIT);

  constructor(accounts: AccountsRepository, options: { background: BackgroundWrites }) {
    this.#accounts = accounts;
    this.#background = options.background;
  }

  /** Drops what this process remembers of the key with this stored hash. */
  forget(secureValue: string): void {
    this.#callers.delete(secureValue);
  }

  async authenticate(request: FastifyRequest): Promise<Caller | undefined> {
    const found = findPersonalApiKey(request);
    if (!found) return undefined;
    if (found.value.startsWith('pha_')) throw authenticationFailed('Invalid access token.');
    const keyHash = hashKeyValue(found.value);
    const now = Date.now();
    const cached = this.#callers.get(keyHash, now);
    if (cached) return cached;
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
    this.#callers.set(keyHash, caller, now);
    return caller;
  }
}
