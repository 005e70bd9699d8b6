import { type Db, writeTransaction } from '../db/database.ts';
import { randomToken, uuidv7 } from '../db/ids.ts';
import { validationFailed } from '../http/errors.ts';
import {
  type AccountsRepository,
  isEmailTaken,
  type Organization,
  type Project,
  type User,
} from './accounts.repository.ts';
import { type KeyFields, parseKeyFields } from './api-key-fields.ts';
import { generatePassword, hashPassword, validateNewPassword } from './passwords.ts';
import { type KeyCallerChanges, writeKeyCallerChange } from './personal-api-key-source.ts';
import { insertNewKey, reachOf } from './personal-api-keys.service.ts';
import { SessionsRepository } from './sessions.repository.ts';

export const MEMBERSHIP_LEVELS = { member: 1, admin: 8, owner: 15 } as const;
export type MembershipLevelName = keyof typeof MEMBERSHIP_LEVELS;
const UUID_PATTERN = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** PostHog's answer to an email another account has, whatever its case. */
export const emailTaken = () =>
  validationFailed('email', 'There is already an account with this email address.', 'unique');

/** Rethrows the database's refusal of an email another account has (isEmailTaken) as emailTaken(). */
export function rethrowEmailTaken(error: unknown): never {
  throw isEmailTaken(error) ? emailTaken() : error;
}

export function isValidTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

export interface ProjectInput {
  name: string;
  organizationId?: string;
  timezone?: string;
  id?: number;
}

export interface UserInput {
  email: string;
  /** Checked as PostHog's password validators do, and stored hashed; none: the user cannot sign in. */
  password?: string;
  firstName?: string;
  lastName?: string;
  organizationId?: string;
  level?: MembershipLevelName;
}

export interface KeyInput {
  email: string;
  label?: string;
  scopes: string[];
  scopedTeams?: number[];
  scopedOrganizations?: string[];
}

export interface CreatedKey {
  id: string;
  label: string;
  scopes: string[];
  scopedTeams: number[];
  scopedOrganizations: string[];
  value: string;
}

/** What the first start creates, with the secrets shown once. */
export interface Bootstrapped {
  key: CreatedKey;
  project: Project;
  user: User;
  /** The owner's generated password, stored only hashed. */
  password: string;
}

/** Accounts: organizations, projects, users, memberships and personal API keys. */
export class AccountsService {
  readonly #db: Db;
  readonly #repo: AccountsRepository;
  readonly #sessions: SessionsRepository;
  /** Told when a user is deactivated or active again, so that no process's key cache keeps their keys. */
  readonly #keyCallers: KeyCallerChanges | undefined;

  constructor(db: Db, repo: AccountsRepository, sessions?: SessionsRepository, keyCallers?: KeyCallerChanges) {
    this.#db = db;
    this.#repo = repo;
    this.#sessions = sessions ?? new SessionsRepository(db.kysely, db.dialect, repo);
    this.#keyCallers = keyCallers;
  }

  /** Runs work in one write transaction, on a repository bound to it. */
  #write<T>(work: (repo: AccountsRepository) => Promise<T>): Promise<T> {
    return writeTransaction(this.#db, (trx) => work(this.#repo.within(trx)));
  }

  /** A checked, hashed password, computed before any transaction (a hash takes ~20 ms). */
  async #passwordHash(password: string | undefined): Promise<string | null> {
    if (password === undefined) return null;
    await validateNewPassword(password);
    return hashPassword(password);
  }

  createOrganization(name: string): Promise<Organization> {
    return this.#write((repo) => this.#createOrganization(repo, name));
  }

  createProject(input: ProjectInput): Promise<Project> {
    return this.#write((repo) => this.#createProject(repo, input));
  }

  /** A user and their membership, in one transaction. */
  async createUser(input: UserInput): Promise<User & { organizationId: string; level: number }> {
    const passwordHash = await this.#passwordHash(input.password);
    return this.#write((repo) => this.#createUser(repo, input, passwordHash));
  }

  /** Sets a user's password (checked as on sign-up) and ends every session they had. */
  async setPassword(email: string, password: string): Promise<void> {
    const user = await this.#repo.findUserByEmail(email);
    if (!user) throw validationFailed('email', `No user with email ${email}.`, 'not_found');
    const passwordHash = (await this.#passwordHash(password)) as string;
    await writeTransaction(this.#db, async (trx) => {
      await this.#repo.within(trx).setPassword(user.id, passwordHash);
      await this.#sessions.within(trx).deleteAllOf(user.id);
    });
  }

  /** Creates a key and returns its raw value; only its hash is stored. */
  createKey(input: KeyInput): Promise<CreatedKey> {
    return this.#write((repo) => this.#createKey(repo, input));
  }

  async addMembership(userId: number, organizationId: string, levelName: MembershipLevelName): Promise<void> {
    await writeKeyCallerChange(this.#db, this.#keyCallers, userId, (trx) =>
      this.#repo.within(trx).insertMembership({ organizationId, userId, level: MEMBERSHIP_LEVELS[levelName] }),
    );
  }

  async setUserActive(email: string, active: boolean): Promise<void> {
    const user = await this.#repo.findUserByEmail(email);
    if (!user) throw validationFailed('email', `No user with email ${email}.`, 'not_found');
    await writeKeyCallerChange(this.#db, this.#keyCallers, user.id, (trx) =>
      this.#repo.within(trx).setUserActive(user.id, active),
    );
  }

  async #createOrganization(repo: AccountsRepository, name: string): Promise<Organization> {
    if (name.trim() === '') throw validationFailed('name', 'This field may not be blank.', 'blank');
    const org = { id: uuidv7(), name, createdAt: new Date() };
    await repo.insertOrganization(org);
    return org;
  }

  async #createProject(repo: AccountsRepository, input: ProjectInput): Promise<Project> {
    if (input.name.trim() === '') throw validationFailed('name', 'This field may not be blank.', 'blank');
    const timezone = input.timezone ?? 'UTC';
    if (!isValidTimezone(timezone))
      throw validationFailed('timezone', `"${timezone}" is not a valid choice.`, 'invalid_choice');
    const org = await this.#organizationOrFirst(repo, input.organizationId);
    return repo.insertProject({
      id: input.id,
      uuid: uuidv7(),
      organizationId: org.id,
      name: input.name,
      timezone,
      apiToken: `phc_${randomToken(32)}`,
      createdAt: new Date(),
    });
  }

  async #createUser(
    repo: AccountsRepository,
    input: UserInput,
    passwordHash: string | null,
  ): Promise<User & { organizationId: string; level: number }> {
    const email = input.email.trim();
    if (!/^[^@\s]+@[^@\s]+$/.test(email))
      throw validationFailed('email', 'Enter a valid email address.', 'invalid_input');
    if (await repo.findUserByEmail(email)) throw emailTaken();
    const levelName = input.level ?? 'member';
    const level = MEMBERSHIP_LEVELS[levelName];
    if (level === undefined) throw validationFailed('level', `"${levelName}" is not a valid choice.`, 'invalid_choice');
    const org = await this.#organizationOrFirst(repo, input.organizationId);
    const user = await repo
      .insertUser({
        uuid: uuidv7(),
        distinctId: randomToken(32),
        email,
        firstName: input.firstName ?? '',
        lastName: input.lastName ?? '',
        isActive: true,
        isEmailVerified: null,
        roleAtOrganization: null,
        dateJoined: new Date(),
        passwordHash,
      })
      .catch(rethrowEmailTaken);
    await repo.insertMembership({ organizationId: org.id, userId: user.id, level });
    return { ...user, organizationId: org.id, level };
  }

  /** A key made from the command line, checked as the API checks one (PostHog's serializer rules). */
  async #createKey(repo: AccountsRepository, input: KeyInput): Promise<CreatedKey> {
    const user = await repo.findUserByEmail(input.email);
    if (!user) throw validationFailed('email', `No user with email ${input.email}.`, 'not_found');
    const body = {
      label: input.label ?? 'Personal API key',
      scopes: input.scopes,
      scoped_teams: input.scopedTeams ?? [],
      scoped_organizations: input.scopedOrganizations ?? [],
    };
    const fields = parseKeyFields(body, { partial: false }, await reachOf(repo, user.id)) as Required<KeyFields>;
    const { key, value } = await insertNewKey(repo, user.id, fields, new Date());
    return {
      id: key.id,
      label: key.label,
      scopes: fields.scopes,
      scopedTeams: fields.scopedTeams,
      scopedOrganizations: fields.scopedOrganizations,
      value: value as string,
    };
  }

  /**
   * First start on an empty database: an organization, project 1 ("Default project"), the owner
   * admin@localhost with a generated password, and a key with scope "*". Returns the raw key and
   * password, or undefined if not empty.
   */
  async bootstrap(): Promise<Bootstrapped | undefined> {
    if ((await this.#repo.countOrganizations()) > 0) return undefined;
    const password = generatePassword();
    const passwordHash = await hashPassword(password);
    // One transaction: a crash half-way leaves the database empty, to be bootstrapped again.
    return this.#write(async (repo) => {
      if ((await repo.countOrganizations()) > 0) return undefined;
      const org = await this.#createOrganization(repo, 'Default organization');
      const project = await this.#createProject(repo, { id: 1, name: 'Default project', organizationId: org.id });
      const owner = { email: 'admin@localhost', organizationId: org.id, level: 'owner' } as const;
      const user = await this.#createUser(repo, owner, passwordHash);
      const key = await this.#createKey(repo, { email: user.email, label: 'Bootstrap key', scopes: ['*'] });
      return { key, project, user, password };
    });
  }

  async #organizationOrFirst(repo: AccountsRepository, organizationId: string | undefined): Promise<Organization> {
    if (organizationId !== undefined) {
      const org = UUID_PATTERN.test(organizationId)
        ? await repo.findOrganization(organizationId.toLowerCase())
        : undefined;
      if (!org)
        throw validationFailed('organization', `Organization ${organizationId} does not exist.`, 'does_not_exist');
      return org;
    }
    const first = await repo.firstOrganization();
    if (first) return first;
    return this.#createOrganization(repo, 'Default organization');
  }
}
