import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Dialect } from '../db/dialect.ts';
import type { Database, OrganizationInviteTable } from '../db/schema.ts';
import type { AccountsRepository, Organization, User } from './accounts.repository.ts';

export interface Invite {
  id: string;
  organizationId: string;
  targetEmail: string;
  firstName: string;
  level: number;
  createdById: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An invite as the API shows it: with who made it. */
export interface InviteWithCreator extends Invite {
  createdBy: User | null;
}

/** Pending organization invites; using or revoking one deletes it. */
export class InvitesRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: Dialect;
  readonly #accounts: AccountsRepository;

  constructor(db: Kysely<Database>, dialect: Dialect, accounts: AccountsRepository) {
    this.#db = db;
    this.#dialect = dialect;
    this.#accounts = accounts;
  }

  within(trx: Transaction<Database>): InvitesRepository {
    return new InvitesRepository(trx, this.#dialect, this.#accounts.within(trx));
  }

  #invite(row: Selectable<OrganizationInviteTable>): Invite {
    const d = this.#dialect;
    return {
      id: row.id,
      organizationId: row.organization_id,
      targetEmail: row.target_email,
      firstName: row.first_name,
      level: row.level,
      createdById: row.created_by_id,
      createdAt: d.readTimestamp(row.created_at),
      updatedAt: d.readTimestamp(row.updated_at),
    };
  }

  async #withCreators(invites: Invite[]): Promise<InviteWithCreator[]> {
    const ids = [...new Set(invites.map((invite) => invite.createdById).filter((id) => id !== null))];
    const users = await this.#accounts.findUsersByIds(ids);
    return invites.map((invite) => ({
      ...invite,
      createdBy: invite.createdById === null ? null : (users.get(invite.createdById) ?? null),
    }));
  }

  async insert(invite: Invite): Promise<void> {
    const d = this.#dialect;
    await this.#db
      .insertInto('organization_invites')
      .values({
        id: invite.id,
        organization_id: invite.organizationId,
        target_email: invite.targetEmail,
        first_name: invite.firstName,
        level: invite.level,
        created_by_id: invite.createdById,
        created_at: d.timestamp(invite.createdAt),
        updated_at: d.timestamp(invite.updatedAt),
      })
      .execute();
  }

  /** The organization's invites, newest first. */
  async list(
    organizationId: string,
    limit: number,
    offset: number,
  ): Promise<{ count: number; invites: InviteWithCreator[] }> {
    const base = this.#db.selectFrom('organization_invites').where('organization_id', '=', organizationId);
    const count = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await base
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute();
    return { count: Number(count.n), invites: await this.#withCreators(rows.map((row) => this.#invite(row))) };
  }

  async find(id: string): Promise<InviteWithCreator | undefined> {
    const row = await this.#db.selectFrom('organization_invites').selectAll().where('id', '=', id).executeTakeFirst();
    return row && (await this.#withCreators([this.#invite(row)]))[0];
  }

  /** The invite with its organization, for a visitor who holds its id. */
  async findWithOrganization(id: string): Promise<{ invite: Invite; organization: Organization } | undefined> {
    const row = await this.#db.selectFrom('organization_invites').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const organization = await this.#accounts.findOrganization(row.organization_id);
    return organization && { invite: this.#invite(row), organization };
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom('organization_invites').where('id', '=', id).execute();
  }

  /** Removes the organization's invites for this address (a new one replaces them; a used one is gone). */
  async deleteFor(organizationId: string, targetEmail: string): Promise<void> {
    await this.#db
      .deleteFrom('organization_invites')
      .where('organization_id', '=', organizationId)
      .where('target_email', '=', targetEmail)
      .execute();
  }
}
