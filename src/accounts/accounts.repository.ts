import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Dialect } from '../db/dialect.ts';
import { isUniqueViolationOf } from '../db/driver-errors.ts';
import { uuidv7 } from '../db/ids.ts';
import type { Database, MembershipTable, PersonalApiKeyTable, UserTable } from '../db/schema.ts';

export interface Organization {
  id: string;
  name: string;
  createdAt: Date;
}

export interface Project {
  id: number;
  uuid: string;
  organizationId: string;
  name: string;
  timezone: string;
  apiToken: string;
  createdAt: Date;
}

export interface User {
  id: number;
  uuid: string;
  distinctId: string | null;
  email: string;
  firstName: string;
  lastName: string;
  isActive: boolean;
  isEmailVerified: boolean | null;
  roleAtOrganization: string | null;
  dateJoined: Date;
  /** Whether the user can sign in with a password (the hash itself never leaves the repository but for checking). */
  hasPassword: boolean;
  lastLogin: Date | null;
}

/** A new user: what insertUser writes. */
export type NewUser = Omit<User, 'id' | 'hasPassword' | 'lastLogin'> & { passwordHash: string | null };

/** The lowercased email every lookup compares (emails are unique regardless of case). */
export const emailKey = (email: string) => email.trim().toLowerCase();

/**
 * Whether insertUser or updateUser failed because another user has this email, whatever its case:
 * the database's own refusal, for a write that raced the check before it.
 */
export function isEmailTaken(error: unknown): boolean {
  return isUniqueViolationOf(error, 'users', 'email_key') || isUniqueViolationOf(error, 'users', 'email');
}

export interface Membership {
  organizationId: string;
  userId: number;
  level: number;
}

/** A membership as the members API shows it: its own id, the user, the level and its times. */
export interface Member {
  id: string;
  organizationId: string;
  user: User;
  level: number;
  joinedAt: Date;
  updatedAt: Date;
}

export interface PersonalApiKey {
  id: string;
  userId: number;
  label: string;
  maskValue: string | null;
  scopes: string[];
  scopedTeams: number[] | null;
  scopedOrganizations: string[] | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  lastRolledAt: Date | null;
}

// Booleans are written as JS booleans on both engines (the SQLite adapter binds them as 1/0).
type UserRow = Selectable<UserTable>;

export class AccountsRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: Dialect;

  constructor(db: Kysely<Database>, dialect: Dialect) {
    this.#db = db;
    this.#dialect = dialect;
  }

  /** The same queries, run in a transaction. */
  within(trx: Transaction<Database>): AccountsRepository {
    return new AccountsRepository(trx, this.#dialect);
  }

  #user(row: UserRow): User {
    const d = this.#dialect;
    return {
      id: row.id,
      uuid: row.uuid,
      distinctId: row.distinct_id,
      email: row.email,
      firstName: row.first_name,
      lastName: row.last_name,
      isActive: d.readBoolean(row.is_active),
      isEmailVerified: row.is_email_verified === null ? null : d.readBoolean(row.is_email_verified),
      roleAtOrganization: row.role_at_organization,
      dateJoined: d.readTimestamp(row.date_joined),
      hasPassword: row.password !== null,
      lastLogin: row.last_login === null ? null : d.readTimestamp(row.last_login),
    };
  }

  #project(row: {
    id: number;
    uuid: string;
    organization_id: string;
    name: string;
    timezone: string;
    api_token: string;
    created_at: Date | string;
  }): Project {
    return {
      id: row.id,
      uuid: row.uuid,
      organizationId: row.organization_id,
      name: row.name,
      timezone: row.timezone,
      apiToken: row.api_token,
      createdAt: this.#dialect.readTimestamp(row.created_at),
    };
  }

  async countOrganizations(): Promise<number> {
    const row = await this.#db
      .selectFrom('organizations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insertOrganization(org: Organization): Promise<void> {
    await this.#db
      .insertInto('organizations')
      .values({ id: org.id, name: org.name, created_at: this.#dialect.timestamp(org.createdAt) })
      .execute();
  }

  async findOrganization(id: string): Promise<Organization | undefined> {
    const row = await this.#db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, name: row.name, createdAt: this.#dialect.readTimestamp(row.created_at) };
  }

  async firstOrganization(): Promise<Organization | undefined> {
    const row = await this.#db
      .selectFrom('organizations')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return row && { id: row.id, name: row.name, createdAt: this.#dialect.readTimestamp(row.created_at) };
  }

  async insertProject(project: Omit<Project, 'id'> & { id?: number }): Promise<Project> {
    const row = await this.#db
      .insertInto('projects')
      .values({
        ...(project.id === undefined ? {} : { id: project.id }),
        uuid: project.uuid,
        organization_id: project.organizationId,
        name: project.name,
        timezone: project.timezone,
        api_token: project.apiToken,
        created_at: this.#dialect.timestamp(project.createdAt),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (project.id !== undefined) await this.#dialect.syncIdentity(this.#db, 'projects');
    return this.#project(row);
  }

  async updateProject(id: number, fields: { name?: string; timezone?: string }): Promise<void> {
    const set = {
      ...(fields.name === undefined ? {} : { name: fields.name }),
      ...(fields.timezone === undefined ? {} : { timezone: fields.timezone }),
    };
    if (Object.keys(set).length === 0) return;
    await this.#db.updateTable('projects').set(set).where('id', '=', id).execute();
  }

  async findProject(id: number): Promise<Project | undefined> {
    const row = await this.#db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
    return row && this.#project(row);
  }

  async listProjects(
    organizationIds: string[],
    limit: number,
    offset: number,
  ): Promise<{ count: number; projects: Project[] }> {
    if (organizationIds.length === 0) return { count: 0, projects: [] };
    const base = this.#db.selectFrom('projects').where('organization_id', 'in', organizationIds);
    const countRow = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await base.selectAll().orderBy('id').limit(limit).offset(offset).execute();
    return { count: Number(countRow.n), projects: rows.map((r) => this.#project(r)) };
  }

  /** The ids of every project of these organizations. */
  async projectIdsOf(organizationIds: string[]): Promise<number[]> {
    if (organizationIds.length === 0) return [];
    const rows = await this.#db
      .selectFrom('projects')
      .select('id')
      .where('organization_id', 'in', organizationIds)
      .execute();
    return rows.map((row) => row.id);
  }

  async insertUser(user: NewUser): Promise<User> {
    const d = this.#dialect;
    const row = await this.#db
      .insertInto('users')
      .values({
        uuid: user.uuid,
        distinct_id: user.distinctId,
        email: user.email,
        email_key: emailKey(user.email),
        password: user.passwordHash,
        last_login: null,
        first_name: user.firstName,
        last_name: user.lastName,
        is_active: user.isActive,
        is_email_verified: user.isEmailVerified,
        role_at_organization: user.roleAtOrganization,
        date_joined: d.timestamp(user.dateJoined),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return this.#user(row);
  }

  async setUserActive(userId: number, active: boolean): Promise<void> {
    await this.#db.updateTable('users').set({ is_active: active }).where('id', '=', userId).execute();
  }

  /** The user with this email, whatever its case. */
  async findUserByEmail(email: string): Promise<User | undefined> {
    const row = await this.#db
      .selectFrom('users')
      .selectAll()
      .where('email_key', '=', emailKey(email))
      .executeTakeFirst();
    return row && this.#user(row);
  }

  /** The user with this email and their password hash, for checking a sign-in. */
  async findCredentials(email: string): Promise<{ user: User; passwordHash: string | null } | undefined> {
    const row = await this.#db
      .selectFrom('users')
      .selectAll()
      .where('email_key', '=', emailKey(email))
      .executeTakeFirst();
    return row && { user: this.#user(row), passwordHash: row.password };
  }

  async passwordHashOf(userId: number): Promise<string | null> {
    const row = await this.#db.selectFrom('users').select('password').where('id', '=', userId).executeTakeFirst();
    return row?.password ?? null;
  }

  async findUserById(id: number): Promise<User | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && this.#user(row);
  }

  async setPassword(userId: number, passwordHash: string): Promise<void> {
    await this.#db.updateTable('users').set({ password: passwordHash }).where('id', '=', userId).execute();
  }

  async recordLogin(userId: number, at: Date): Promise<void> {
    await this.#db
      .updateTable('users')
      .set({ last_login: this.#dialect.timestamp(at) })
      .where('id', '=', userId)
      .execute();
  }

  /** Changes a user's names and email; only the fields given. */
  async updateUser(userId: number, fields: { firstName?: string; lastName?: string; email?: string }): Promise<void> {
    const set = {
      ...(fields.firstName === undefined ? {} : { first_name: fields.firstName }),
      ...(fields.lastName === undefined ? {} : { last_name: fields.lastName }),
      ...(fields.email === undefined ? {} : { email: fields.email, email_key: emailKey(fields.email) }),
    };
    if (Object.keys(set).length === 0) return;
    await this.#db.updateTable('users').set(set).where('id', '=', userId).execute();
  }

  async findUsersByIds(ids: number[]): Promise<Map<number, User>> {
    const users = new Map<number, User>();
    if (ids.length === 0) return users;
    const rows = await this.#db.selectFrom('users').selectAll().where('id', 'in', ids).execute();
    for (const row of rows) users.set(row.id, this.#user(row));
    return users;
  }

  async insertMembership(membership: Membership): Promise<void> {
    const now = this.#dialect.timestamp(new Date());
    await this.#db
      .insertInto('memberships')
      .values({
        id: uuidv7(),
        organization_id: membership.organizationId,
        user_id: membership.userId,
        level: membership.level,
        joined_at: now,
        updated_at: now,
      })
      .execute();
  }

  async membershipsOf(userId: number): Promise<Membership[]> {
    const rows = await this.#db
      .selectFrom('memberships')
      .select(['organization_id', 'user_id', 'level'])
      .where('user_id', '=', userId)
      .orderBy('joined_at')
      .orderBy('organization_id')
      .execute();
    return rows.map((r) => ({ organizationId: r.organization_id, userId: r.user_id, level: r.level }));
  }

  async organizationsOf(userId: number): Promise<Array<Organization & { level: number }>> {
    const rows = await this.#db
      .selectFrom('memberships')
      .innerJoin('organizations', 'organizations.id', 'memberships.organization_id')
      .select(['organizations.id', 'organizations.name', 'organizations.created_at', 'memberships.level'])
      .where('memberships.user_id', '=', userId)
      .orderBy('memberships.joined_at')
      .orderBy('organizations.id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      createdAt: this.#dialect.readTimestamp(r.created_at),
      level: r.level,
    }));
  }

  #key(row: Selectable<PersonalApiKeyTable>): PersonalApiKey {
    const d = this.#dialect;
    const parse = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;
    return {
      id: row.id,
      userId: row.user_id,
      label: row.label,
      maskValue: row.mask_value,
      scopes: parse<string[] | null>(row.scopes) ?? ['*'],
      scopedTeams: row.scoped_teams === null ? null : parse<number[]>(row.scoped_teams),
      scopedOrganizations: row.scoped_organizations === null ? null : parse<string[]>(row.scoped_organizations),
      createdAt: d.readTimestamp(row.created_at),
      lastUsedAt: row.last_used_at === null ? null : d.readTimestamp(row.last_used_at),
      lastRolledAt: row.last_rolled_at === null ? null : d.readTimestamp(row.last_rolled_at),
    };
  }

  #member(
    row: UserRow & { membership_id: string; organization_id: string; level: number } & Pick<
        Selectable<MembershipTable>,
        'joined_at' | 'updated_at'
      >,
  ): Member {
    const d = this.#dialect;
    return {
      id: row.membership_id,
      organizationId: row.organization_id,
      user: this.#user(row),
      level: row.level,
      joinedAt: d.readTimestamp(row.joined_at),
      updatedAt: d.readTimestamp(row.updated_at),
    };
  }

  #members(organizationId: string) {
    return this.#db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .where('m.organization_id', '=', organizationId)
      .where('u.is_active', '=', true);
  }

  /** The active members of an organization, by level (members first), then newest first. */
  async listMembers(
    organizationId: string,
    limit: number,
    offset: number,
  ): Promise<{ count: number; members: Member[] }> {
    const count = await this.#members(organizationId)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const rows = await this.#members(organizationId)
      .selectAll('u')
      .select(['m.id as membership_id', 'm.organization_id', 'm.level', 'm.joined_at', 'm.updated_at'])
      .orderBy('m.level')
      .orderBy('m.joined_at', 'desc')
      .orderBy('m.id')
      .limit(limit)
      .offset(offset)
      .execute();
    return { count: Number(count.n), members: rows.map((row) => this.#member(row)) };
  }

  /** An active member of the organization, by their user's UUID. */
  async findMember(organizationId: string, userUuid: string): Promise<Member | undefined> {
    const row = await this.#members(organizationId)
      .selectAll('u')
      .select(['m.id as membership_id', 'm.organization_id', 'm.level', 'm.joined_at', 'm.updated_at'])
      .where('u.uuid', '=', userUuid)
      .executeTakeFirst();
    return row && this.#member(row);
  }

  /** Whether a user with this email (whatever its case) belongs to the organization. */
  async hasMemberWithEmail(organizationId: string, email: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select('m.user_id')
      .where('m.organization_id', '=', organizationId)
      .where('u.email_key', '=', emailKey(email))
      .executeTakeFirst();
    return row !== undefined;
  }

  async countMembers(organizationId: string): Promise<number> {
    const row = await this.#members(organizationId)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The user ids of the organization's owners; locked for the rest of the transaction where the engine locks rows. */
  async lockOwners(organizationId: string, ownerLevel: number): Promise<number[]> {
    const rows = await this.#db
      .selectFrom('memberships')
      .select('user_id')
      .where('organization_id', '=', organizationId)
      .where('level', '=', ownerLevel)
      .$if(this.#dialect.locksRowsForUpdate, (query) => query.forUpdate())
      .execute();
    return rows.map((row) => row.user_id);
  }

  async setMemberLevel(organizationId: string, userId: number, level: number, at: Date): Promise<void> {
    await this.#db
      .updateTable('memberships')
      .set({ level, updated_at: this.#dialect.timestamp(at) })
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId)
      .execute();
  }

  async deleteMembership(organizationId: string, userId: number): Promise<void> {
    await this.#db
      .deleteFrom('memberships')
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId)
      .execute();
  }

  /** Every project of the organization, by id. */
  async projectsOf(organizationId: string): Promise<Project[]> {
    const rows = await this.#db
      .selectFrom('projects')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .orderBy('id')
      .execute();
    return rows.map((row) => this.#project(row));
  }

  async insertKey(key: PersonalApiKey & { secureValue: string }): Promise<void> {
    await this.#db
      .insertInto('personal_api_keys')
      .values({
        id: key.id,
        user_id: key.userId,
        label: key.label,
        mask_value: key.maskValue,
        secure_value: key.secureValue,
        scopes: JSON.stringify(key.scopes),
        scoped_teams: key.scopedTeams === null ? null : JSON.stringify(key.scopedTeams),
        scoped_organizations: key.scopedOrganizations === null ? null : JSON.stringify(key.scopedOrganizations),
        created_at: this.#dialect.timestamp(key.createdAt),
        last_used_at: null,
        last_rolled_at: null,
      })
      .execute();
  }

  async countKeysOf(userId: number): Promise<number> {
    const row = await this.#db
      .selectFrom('personal_api_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The user's keys, newest first. */
  async listKeysOf(userId: number): Promise<PersonalApiKey[]> {
    const rows = await this.#db
      .selectFrom('personal_api_keys')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    return rows.map((row) => this.#key(row));
  }

  /** One of the user's keys, with the hash it is stored under. */
  async findKeyOf(userId: number, keyId: string): Promise<(PersonalApiKey & { secureValue: string }) | undefined> {
    const row = await this.#db
      .selectFrom('personal_api_keys')
      .selectAll()
      .where('user_id', '=', userId)
      .where('id', '=', keyId)
      .executeTakeFirst();
    return row && { ...this.#key(row), secureValue: row.secure_value };
  }

  /** Changes a key's label, scopes and limits; only the fields given. */
  async updateKey(
    keyId: string,
    fields: { label?: string; scopes?: string[]; scopedTeams?: number[]; scopedOrganizations?: string[] },
  ): Promise<void> {
    const set = {
      ...(fields.label === undefined ? {} : { label: fields.label }),
      ...(fields.scopes === undefined ? {} : { scopes: JSON.stringify(fields.scopes) }),
      ...(fields.scopedTeams === undefined ? {} : { scoped_teams: JSON.stringify(fields.scopedTeams) }),
      ...(fields.scopedOrganizations === undefined
        ? {}
        : { scoped_organizations: JSON.stringify(fields.scopedOrganizations) }),
    };
    if (Object.keys(set).length === 0) return;
    await this.#db.updateTable('personal_api_keys').set(set).where('id', '=', keyId).execute();
  }

  /** Gives a key a new secret: its new hash and mask, and when it was rolled. */
  async rollKey(keyId: string, secret: { secureValue: string; maskValue: string; rolledAt: Date }): Promise<void> {
    await this.#db
      .updateTable('personal_api_keys')
      .set({
        secure_value: secret.secureValue,
        mask_value: secret.maskValue,
        last_rolled_at: this.#dialect.timestamp(secret.rolledAt),
      })
      .where('id', '=', keyId)
      .execute();
  }

  async deleteKey(keyId: string): Promise<void> {
    await this.#db.deleteFrom('personal_api_keys').where('id', '=', keyId).execute();
  }

  /** The key with this stored hash, and its user — only if the user is active. */
  async findKeyBySecureValue(secureValue: string): Promise<{ key: PersonalApiKey; user: User } | undefined> {
    const row = await this.#db
      .selectFrom('personal_api_keys')
      .selectAll()
      .where('secure_value', '=', secureValue)
      .executeTakeFirst();
    if (!row) return undefined;
    const user = await this.findUserById(row.user_id);
    if (!user?.isActive) return undefined;
    return { user, key: this.#key(row) };
  }

  async touchKey(keyId: string, at: Date): Promise<void> {
    await this.#db
      .updateTable('personal_api_keys')
      .set({ last_used_at: this.#dialect.timestamp(at) })
      .where('id', '=', keyId)
      .execute();
  }
}
