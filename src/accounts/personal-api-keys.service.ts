import { type Db, writeTransaction } from '../db/database.ts';
import { randomToken } from '../db/ids.ts';
import { notFound, validationFailed } from '../http/errors.ts';
import type { AccountsRepository, PersonalApiKey } from './accounts.repository.ts';
import { type KeyFields, type KeyOwnerReach, parseKeyFields } from './api-key-fields.ts';
import { generateKeyValue, hashKeyValue, maskKeyValue } from './api-keys.ts';
import type { Caller } from './caller.ts';
import { refuseKeyCallers, requireRecentSignIn } from './caller-access.ts';
import type { Clock } from './clock.ts';
import { type KeyCallerChanges, writeKeyCallerChange } from './personal-api-key-source.ts';

const MAX_API_KEYS_PER_USER = 10;

/** A key and, only in the answers to create and roll, its raw value. */
export interface PresentedKey {
  key: PersonalApiKey;
  value: string | null;
}

/** The projects and organizations a user belongs to: what their keys may be limited to. */
export async function reachOf(repo: AccountsRepository, userId: number): Promise<KeyOwnerReach> {
  const organizations = (await repo.membershipsOf(userId)).map((membership) => membership.organizationId);
  return { projects: new Set(await repo.projectIdsOf(organizations)), organizations: new Set(organizations) };
}

/** Creates a key from validated fields, within the user's limit of 10; returns it with its raw value. */
export async function insertNewKey(
  repo: AccountsRepository,
  userId: number,
  fields: Required<KeyFields>,
  now: Date,
): Promise<PresentedKey> {
  if ((await repo.countKeysOf(userId)) >= MAX_API_KEYS_PER_USER) {
    throw validationFailed(
      null,
      `You can only have ${MAX_API_KEYS_PER_USER} personal API keys. Remove an existing key before creating a new one.`,
    );
  }
  const value = generateKeyValue();
  const key: PersonalApiKey = {
    id: randomToken(32),
    userId,
    label: fields.label,
    maskValue: maskKeyValue(value),
    scopes: fields.scopes,
    scopedTeams: fields.scopedTeams,
    scopedOrganizations: fields.scopedOrganizations,
    createdAt: now,
    lastUsedAt: null,
    lastRolledAt: null,
  };
  await repo.insertKey({ ...key, secureValue: hashKeyValue(value) });
  return { key, value };
}

/**
 * /api/personal_api_keys/ as PostHog's PersonalAPIKeyViewSet answers it: a session manages its
 * user's keys (writes are sensitive actions); a key may only read itself.
 */
export class PersonalApiKeysService {
  readonly #db: Db;
  readonly #repo: AccountsRepository;
  readonly #clock: Clock;
  readonly #sensitiveAgeMs: number;
  /** Told of a key that changed or is gone, so that no process's cache keeps accepting it. */
  readonly #keyCallers: KeyCallerChanges;

  constructor(
    db: Db,
    repo: AccountsRepository,
    options: { clock: Clock; sensitiveActionAgeSeconds: number; keyCallers: KeyCallerChanges },
  ) {
    this.#db = db;
    this.#repo = repo;
    this.#clock = options.clock;
    this.#sensitiveAgeMs = options.sensitiveActionAgeSeconds * 1000;
    this.#keyCallers = options.keyCallers;
  }

  #write<T>(work: (repo: AccountsRepository) => Promise<T>): Promise<T> {
    return writeTransaction(this.#db, (trx) => work(this.#repo.within(trx)));
  }

  /** Changes one of the user's keys, announced to every process's key cache. */
  #changeKey<T>(userId: number, work: (repo: AccountsRepository) => Promise<T>): Promise<T> {
    return writeKeyCallerChange(this.#db, this.#keyCallers, userId, (trx) => work(this.#repo.within(trx)));
  }

  /** PostHog's order for writes: a recent sign-in (sessions), then no key callers. */
  #checkWrite(caller: Caller): void {
    requireRecentSignIn(caller, this.#clock(), this.#sensitiveAgeMs);
    refuseKeyCallers(caller);
  }

  async list(caller: Caller): Promise<PersonalApiKey[]> {
    refuseKeyCallers(caller);
    return this.#repo.listKeysOf(caller.user.id);
  }

  async create(caller: Caller, body: unknown): Promise<PresentedKey> {
    this.#checkWrite(caller);
    const reach = await reachOf(this.#repo, caller.user.id);
    const fields = parseKeyFields(body, { partial: false }, reach) as Required<KeyFields>;
    return this.#write((repo) => insertNewKey(repo, caller.user.id, fields, new Date(this.#clock())));
  }

  /** One of the caller's keys; "@current" is the key the request came with. A key reads only itself. */
  async retrieve(caller: Caller, keyId: string): Promise<PersonalApiKey> {
    if (keyId === '@current') {
      if (caller.key === undefined) throw notFound();
      return caller.key;
    }
    const key = await this.#repo.findKeyOf(caller.user.id, keyId);
    if (!key) throw notFound();
    if (caller.key !== undefined && caller.key.id !== key.id) refuseKeyCallers(caller);
    return key;
  }

  async update(caller: Caller, keyId: string, body: unknown, partial: boolean): Promise<PersonalApiKey> {
    this.#checkWrite(caller);
    const existing = await this.#repo.findKeyOf(caller.user.id, keyId);
    if (!existing) throw notFound();
    const fields = parseKeyFields(body, { partial }, await reachOf(this.#repo, caller.user.id));
    const updated = await this.#changeKey(caller.user.id, async (repo) => {
      await repo.updateKey(existing.id, fields);
      return repo.findKeyOf(caller.user.id, existing.id);
    });
    if (!updated) throw notFound();
    return updated;
  }

  async destroy(caller: Caller, keyId: string): Promise<void> {
    this.#checkWrite(caller);
    const existing = await this.#repo.findKeyOf(caller.user.id, keyId);
    if (!existing) throw notFound();
    await this.#changeKey(caller.user.id, (repo) => repo.deleteKey(existing.id));
  }

  /** A new secret for the key (same id, label and scopes); the old value stops working. */
  async roll(caller: Caller, keyId: string): Promise<PresentedKey> {
    this.#checkWrite(caller);
    const existing = await this.#repo.findKeyOf(caller.user.id, keyId);
    if (!existing) throw notFound();
    const value = generateKeyValue();
    const rolledAt = new Date(this.#clock());
    const rolled = await this.#changeKey(caller.user.id, async (repo) => {
      await repo.rollKey(existing.id, { secureValue: hashKeyValue(value), maskValue: maskKeyValue(value), rolledAt });
      return repo.findKeyOf(caller.user.id, existing.id);
    });
    if (!rolled) throw notFound();
    return { key: rolled, value };
  }
}
