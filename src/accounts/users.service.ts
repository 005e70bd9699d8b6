import { type Db, writeTransaction } from '../db/database.ts';
import { emailField, objectBody, stringField } from '../http/drf-fields.ts';
import { notFound, permissionDenied, throttled, validationFailed } from '../http/errors.ts';
import type { RateLimiter } from '../http/rate-limit.ts';
import {
  type AccountsRepository,
  emailKey,
  type Organization,
  type Project,
  type User,
} from './accounts.repository.ts';
import { emailTaken, rethrowEmailTaken } from './accounts.service.ts';
import type { Caller } from './caller.ts';
import { requireRecentSignIn } from './caller-access.ts';
import type { Clock } from './clock.ts';
import { hashPassword, validateNewPassword, verifyPassword } from './passwords.ts';
import type { ProjectAccess } from './project-access.ts';
import type { SessionsRepository } from './sessions.repository.ts';

/** What GET /api/users/@me/ shows: the user, their current project and their organizations. */
export interface Me {
  user: User;
  currentProject: Project | undefined;
  organizations: Array<Organization & { level: number }>;
}

/** The fields of PATCH /api/users/@me/ this server writes, validated. */
interface UserChanges {
  firstName?: string;
  lastName?: string;
  email?: string;
  password?: string;
  currentPassword?: string;
}

/** PostHog's UserSerializer field checks, in its field order; everything else in the body is ignored. */
function parseUserChanges(body: unknown): UserChanges {
  const input = objectBody(body);
  return {
    firstName: stringField(input, 'first_name', { required: false, allowBlank: true, maxLength: 150 }),
    lastName: stringField(input, 'last_name', { required: false, allowBlank: true, maxLength: 150 }),
    email: emailField(input, 'email', { required: false, maxLength: 254 }),
    password: stringField(input, 'password', { required: false, maxLength: 128 }),
    currentPassword: stringField(input, 'current_password', { required: false }),
  };
}

/** /api/users/@me/: the caller reading and changing themselves. */
export class UsersService {
  readonly #db: Db;
  readonly #accounts: AccountsRepository;
  readonly #sessions: SessionsRepository;
  readonly #projectAccess: ProjectAccess;
  readonly #passwordAttempts: RateLimiter;
  readonly #clock: Clock;
  readonly #sensitiveAgeMs: number;

  constructor(
    db: Db,
    repositories: { accounts: AccountsRepository; sessions: SessionsRepository },
    options: {
      projectAccess: ProjectAccess;
      /** PostHog's UserAuthenticationThrottle: requests carrying current_password, per user. */
      passwordAttempts: RateLimiter;
      clock: Clock;
      sensitiveActionAgeSeconds: number;
    },
  ) {
    this.#db = db;
    this.#accounts = repositories.accounts;
    this.#sessions = repositories.sessions;
    this.#projectAccess = options.projectAccess;
    this.#passwordAttempts = options.passwordAttempts;
    this.#clock = options.clock;
    this.#sensitiveAgeMs = options.sensitiveActionAgeSeconds * 1000;
  }

  /** Only "@me" (or the caller's own UUID) may be named, as for PostHog's non-staff users. */
  #checkSelf(caller: Caller, uuid: string): void {
    if (uuid !== '@me' && uuid !== caller.user.uuid)
      throw permissionDenied("As a non-staff user you're only allowed to access the `@me` user instance.");
  }

  async me(caller: Caller, uuid: string): Promise<Me> {
    this.#checkSelf(caller, uuid);
    return this.#present(caller, caller.user);
  }

  async #present(caller: Caller, user: User): Promise<Me> {
    const organizations = await this.#accounts.organizationsOf(user.id);
    const currentProject = await this.#projectAccess.resolveProject(caller, '@current').catch(() => undefined);
    return { user, currentProject, organizations };
  }

  /**
   * PATCH /api/users/@me/: names, email (unique whatever its case) and password (with the current
   * one). Changing the email or password is a sensitive action; a request carrying
   * current_password is throttled to 5 a minute per user. A new password ends the user's other
   * sessions and keeps the one it was changed in.
   */
  async update(caller: Caller, uuid: string, body: unknown): Promise<Me> {
    this.#checkSelf(caller, uuid);
    const sent = body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {};
    const now = this.#clock();
    if (Object.hasOwn(sent, 'email') || Object.hasOwn(sent, 'password'))
      requireRecentSignIn(caller, now, this.#sensitiveAgeMs);
    if (Object.hasOwn(sent, 'current_password')) {
      const wait = await this.#passwordAttempts.hit(`user:${caller.user.id}`, now);
      if (wait !== null) throw throttled(wait);
    }

    const changes = parseUserChanges(body);
    const user = caller.user;
    let email: string | undefined;
    if (changes.email !== undefined && emailKey(changes.email) !== emailKey(user.email)) {
      const holder = await this.#accounts.findUserByEmail(changes.email);
      if (holder && holder.id !== user.id) throw emailTaken();
      email = changes.email;
    }
    const passwordHash = changes.password ? await this.#newPasswordHash(user, changes) : undefined;

    await writeTransaction(this.#db, async (trx) => {
      const accounts = this.#accounts.within(trx);
      await accounts
        .updateUser(user.id, { firstName: changes.firstName, lastName: changes.lastName, email })
        .catch(rethrowEmailTaken);
      if (passwordHash === undefined) return;
      await accounts.setPassword(user.id, passwordHash);
      await this.#sessions.within(trx).deleteAllOf(user.id, caller.session?.idHash);
    });
    const updated = await this.#accounts.findUserById(user.id);
    if (!updated) throw notFound();
    return this.#present(caller, updated);
  }

  /** PostHog's validate_password_change: the current password (when the user has one), then the new one's strength. */
  async #newPasswordHash(user: User, changes: UserChanges): Promise<string> {
    if (user.hasPassword) {
      if (!changes.currentPassword) {
        throw validationFailed('current_password', 'This field is required when updating your password.', 'required');
      }
      const stored = await this.#accounts.passwordHashOf(user.id);
      if (!(await verifyPassword(stored, changes.currentPassword)))
        throw validationFailed('current_password', 'Your current password is incorrect.', 'incorrect_password');
    }
    const password = changes.password as string;
    await validateNewPassword(password);
    return hashPassword(password);
  }
}
