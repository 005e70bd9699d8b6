import type { Kysely, Transaction } from 'kysely';
import type { Dialect } from '../db/dialect.ts';
import type { Database } from '../db/schema.ts';
import type { AccountsRepository, User } from './accounts.repository.ts';

export interface Session {
  idHash: string;
  userId: number;
  createdAt: Date;
  authenticatedAt: Date;
  expiresAt: Date;
}

/** Sessions, found by the SHA-256 of the id their cookie holds. */
export class SessionsRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: Dialect;
  readonly #accounts: AccountsRepository;

  constructor(db: Kysely<Database>, dialect: Dialect, accounts: AccountsRepository) {
    this.#db = db;
    this.#dialect = dialect;
    this.#accounts = accounts;
  }

  within(trx: Transaction<Database>): SessionsRepository {
    return new SessionsRepository(trx, this.#dialect, this.#accounts.within(trx));
  }

  async insert(session: Session): Promise<void> {
    const d = this.#dialect;
    await this.#db
      .insertInto('sessions')
      .values({
        id_hash: session.idHash,
        user_id: session.userId,
        created_at: d.timestamp(session.createdAt),
        authenticated_at: d.timestamp(session.authenticatedAt),
        expires_at: d.timestamp(session.expiresAt),
      })
      .execute();
  }

  /** The session with this id hash if it has not expired at `now`, and its user if active. */
  async findActive(idHash: string, now: Date): Promise<{ session: Session; user: User } | undefined> {
    const d = this.#dialect;
    const row = await this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('id_hash', '=', idHash)
      .where('expires_at', '>', d.timestamp(now))
      .executeTakeFirst();
    if (!row) return undefined;
    const user = await this.#accounts.findUserById(row.user_id);
    if (!user?.isActive) return undefined;
    return {
      user,
      session: {
        idHash: row.id_hash,
        userId: row.user_id,
        createdAt: d.readTimestamp(row.created_at),
        authenticatedAt: d.readTimestamp(row.authenticated_at),
        expiresAt: d.readTimestamp(row.expires_at),
      },
    };
  }

  async extend(idHash: string, expiresAt: Date): Promise<void> {
    await this.#db
      .updateTable('sessions')
      .set({ expires_at: this.#dialect.timestamp(expiresAt) })
      .where('id_hash', '=', idHash)
      .execute();
  }

  async delete(idHash: string): Promise<void> {
    await this.#db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  /** Ends every session of the user but `keep` (the one a password was just changed in). */
  async deleteAllOf(userId: number, keep?: string): Promise<void> {
    await this.#db
      .deleteFrom('sessions')
      .where('user_id', '=', userId)
      .$if(keep !== undefined, (query) => query.where('id_hash', '!=', keep as string))
      .execute();
  }

  async deleteExpired(now: Date): Promise<void> {
    await this.#db.deleteFrom('sessions').where('expires_at', '<=', this.#dialect.timestamp(now)).execute();
  }
}
