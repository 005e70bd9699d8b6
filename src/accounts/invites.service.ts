import { type Db, writeTransaction } from '../db/database.ts';
import { isUniqueViolation } from '../db/driver-errors.ts';
import { randomToken, uuidv7 } from '../db/ids.ts';
import { emailField, objectBody, stringField } from '../http/drf-fields.ts';
import { notFound, permissionDenied, validationFailed } from '../http/errors.ts';
import type { AccountsRepository, Organization, User } from './accounts.repository.ts';
import { MEMBERSHIP_LEVELS } from './accounts.service.ts';
import { pythonUuid } from './api-key-fields.ts';
import type { Caller } from './caller.ts';
import type { Clock } from './clock.ts';
import type { Invite, InvitesRepository, InviteWithCreator } from './invites.repository.ts';
import { type OrganizationContext, parseLevel } from './members.service.ts';
import { hashPassword, validateNewPassword } from './passwords.ts';
import type { KeyCallerChanges } from './personal-api-key-source.ts';
import type { SignInService, StartedSession } from './sign-in.service.ts';

// PostHog's INVITE_DAYS_VALIDITY.
const INVITE_VALIDITY_MS = 3 * 24 * 3600_000;

const invalidInvite = () => validationFailed(null, 'The provided invite ID is not valid.');
const expiredInvite = () =>
  validationFailed(null, 'This invite has expired. Please ask your admin for a new one.', 'expired');

/** An invite and whether it has expired, as the invites API shows it. */
export interface InviteView extends InviteWithCreator {
  isExpired: boolean;
}

/** What a visitor holding an invite's id is told (GET /api/signup/:id/). */
export interface InviteDescription {
  invite: Invite;
  organization: Organization;
}

/** The user an accepted invite signed up (or joined), and the session of a new user. */
export interface AcceptedInvite {
  user: User;
  session?: StartedSession;
}

/** PostHog's validate_target_email: the domain of an address is case-insensitive, its local part is not. */
function normalizeTargetEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, at)}@${email.slice(at + 1).toLowerCase()}`;
}

/**
 * Organization invites, as PostHog's invite viewset and invite sign-up answer them. Without a
 * mail server the inviter passes the accept link (/signup/<id>) on.
 */
export class InvitesService {
  readonly #db: Db;
  readonly #accounts: AccountsRepository;
  readonly #invites: InvitesRepository;
  readonly #signIn: SignInService;
  readonly #clock: Clock;
  /** Told when a signed-in user joins an organization, so that no process's key cache misses it. */
  readonly #keyCallers: KeyCallerChanges | undefined;

  constructor(
    db: Db,
    repositories: { accounts: AccountsRepository; invites: InvitesRepository },
    options: { signIn: SignInService; clock: Clock; keyCallers?: KeyCallerChanges },
  ) {
    this.#db = db;
    this.#accounts = repositories.accounts;
    this.#invites = repositories.invites;
    this.#signIn = options.signIn;
    this.#clock = options.clock;
    this.#keyCallers = options.keyCallers;
  }

  #view<T extends Invite>(invite: T): T & { isExpired: boolean } {
    return { ...invite, isExpired: this.#expired(invite) };
  }

  #expired(invite: Invite): boolean {
    return invite.createdAt.getTime() < this.#clock() - INVITE_VALIDITY_MS;
  }

  /** Invites are managed by the organization's admins and owners. */
  #requireAdmin(ctx: OrganizationContext): void {
    if (ctx.level < MEMBERSHIP_LEVELS.admin)
      throw permissionDenied('You do not have permission to perform this action.');
  }

  /** Invites an address at a level no higher than the inviter's; an earlier invite for it is replaced. */
  async create(ctx: OrganizationContext, body: unknown): Promise<InviteView> {
    this.#requireAdmin(ctx);
    const input = objectBody(body);
    const targetEmail = normalizeTargetEmail(
      emailField(input, 'target_email', { required: true, maxLength: 254 }) as string,
    );
    const firstName = stringField(input, 'first_name', { required: false, allowBlank: true, maxLength: 30 }) ?? '';
    const level = Object.hasOwn(input, 'level') ? parseLevel(input.level) : MEMBERSHIP_LEVELS.member;
    if (level > ctx.level)
      throw permissionDenied('You cannot invite a user with a higher permission level than your own.');
    const now = new Date(this.#clock());
    const invite: Invite = {
      id: uuidv7(),
      organizationId: ctx.organization.id,
      targetEmail,
      firstName,
      level,
      createdById: ctx.caller.user.id,
      createdAt: now,
      updatedAt: now,
    };
    await writeTransaction(this.#db, async (trx) => {
      if (await this.#accounts.within(trx).hasMemberWithEmail(ctx.organization.id, targetEmail))
        throw validationFailed(null, 'A user with this email address already belongs to the organization.');
      const invites = this.#invites.within(trx);
      await invites.deleteFor(ctx.organization.id, targetEmail);
      await invites.insert(invite);
    });
    return this.#view({ ...invite, createdBy: ctx.caller.user });
  }

  async list(
    ctx: OrganizationContext,
    limit: number,
    offset: number,
  ): Promise<{ count: number; invites: InviteView[] }> {
    const { count, invites } = await this.#invites.list(ctx.organization.id, limit, offset);
    return { count, invites: invites.map((invite) => this.#view(invite)) };
  }

  async revoke(ctx: OrganizationContext, inviteId: string): Promise<void> {
    this.#requireAdmin(ctx);
    const id = pythonUuid(inviteId);
    const invite = id === undefined ? undefined : await this.#invites.find(id);
    if (!invite || invite.organizationId !== ctx.organization.id) throw notFound();
    await writeTransaction(this.#db, (trx) => this.#invites.within(trx).delete(invite.id));
  }

  async #findForVisitor(inviteId: string): Promise<InviteDescription> {
    const id = pythonUuid(inviteId);
    const found = id === undefined ? undefined : await this.#invites.findWithOrganization(id);
    if (!found) throw invalidInvite();
    return found;
  }

  /** PostHog's OrganizationInvite.validate, for a signed-in visitor or an anonymous one. */
  async #validate(found: InviteDescription, visitor: User | undefined): Promise<void> {
    const { invite, organization } = found;
    if (visitor && visitor.email.toLowerCase() !== invite.targetEmail.toLowerCase())
      throw validationFailed(null, 'This invite is intended for another email address.', 'invalid_recipient');
    if (this.#expired(invite)) throw expiredInvite();
    if (!visitor && (await this.#accounts.findUserByEmail(invite.targetEmail)))
      throw validationFailed(null, `/login?next=/signup/${invite.id}`, 'account_exists');
    if (visitor && (await this.#accounts.membershipsOf(visitor.id)).some((m) => m.organizationId === organization.id))
      throw validationFailed(null, 'You already are a member of this organization.', 'user_already_member');
    if (await this.#accounts.hasMemberWithEmail(organization.id, invite.targetEmail)) {
      throw validationFailed(
        null,
        'Another user with this email address already belongs to this organization.',
        'existing_email_address',
      );
    }
  }

  /** GET /api/signup/:id/: whom the invite is for, and to which organization. */
  async describe(inviteId: string, visitor: Caller | undefined): Promise<InviteDescription> {
    const found = await this.#findForVisitor(inviteId);
    await this.#validate(found, visitor?.user);
    return found;
  }

  /**
   * POST /api/signup/:id/: an anonymous visitor becomes a user of the organization (first_name and
   * password required), signed in; a signed-in one joins it. Either way the invite is used up.
   */
  async accept(inviteId: string, body: unknown, visitor: Caller | undefined): Promise<AcceptedInvite> {
    const input = objectBody(body);
    const firstName = stringField(input, 'first_name', { required: false, maxLength: 128 });
    const password = stringField(input, 'password', { required: false });
    if (password !== undefined) await validateNewPassword(password);
    if (!visitor) {
      if (!firstName) throw validationFailed('first_name', 'This field is required.', 'required');
      if (!password) throw validationFailed('password', 'This field is required.', 'required');
    }
    const found = await this.#findForVisitor(inviteId);
    const { invite } = found;
    if (!visitor && (await this.#accounts.findUserByEmail(invite.targetEmail))) {
      throw validationFailed(
        null,
        `There already exists an account with email address ${invite.targetEmail}. Please log in instead.`,
      );
    }
    await this.#validate(found, visitor?.user);
    const passwordHash = visitor ? null : await hashPassword(password as string);
    const user = await writeTransaction(this.#db, async (trx) => {
      // Another request may have used the invite since it was read.
      if (!(await this.#invites.within(trx).find(invite.id))) throw invalidInvite();
      const accounts = this.#accounts.within(trx);
      const member =
        visitor?.user ??
        (await accounts.insertUser({
          uuid: uuidv7(),
          distinctId: randomToken(32),
          email: invite.targetEmail,
          firstName: firstName as string,
          lastName: '',
          isActive: true,
          isEmailVerified: false,
          roleAtOrganization: null,
          dateJoined: new Date(this.#clock()),
          passwordHash,
        }));
      await accounts.insertMembership({
        organizationId: invite.organizationId,
        userId: member.id,
        level: invite.level,
      });
      await this.#invites.within(trx).deleteFor(invite.organizationId, invite.targetEmail);
      if (visitor) await this.#keyCallers?.announce(trx, member.id);
      return member;
    }).catch((error: unknown) => {
      if (!isUniqueViolation(error)) throw error;
      throw validationFailed(
        null,
        `There already exists an account with email address ${invite.targetEmail}. Please log in instead.`,
      );
    });
    if (visitor) {
      this.#keyCallers?.committed(user.id);
      return { user };
    }
    return { user, session: await this.#signIn.startSession(user.id) };
  }
}
