import type { Db } from '../db/database.ts';
import { objectBody } from '../http/drf-fields.ts';
import { notFound, permissionDenied, validationFailed } from '../http/errors.ts';
import type { AccountsRepository, Member, Organization, Project } from './accounts.repository.ts';
import { MEMBERSHIP_LEVELS as LEVELS } from './accounts.service.ts';
import type { Caller } from './caller.ts';
import { requireRecentSignIn } from './caller-access.ts';
import type { Clock } from './clock.ts';
import { type KeyCallerChanges, writeKeyCallerChange } from './personal-api-key-source.ts';

/** Who is asking, in which organization, at which level (set by the API's authorization). */
export interface OrganizationContext {
  caller: Caller;
  organization: Organization;
  level: number;
}

/** The current organization as GET /api/organizations/@current/ shows it. */
export interface OrganizationOverview {
  organization: Organization;
  level: number;
  projects: Project[];
  memberCount: number;
}

/** DRF's ChoiceField over the membership levels: 1, 8 or 15, as a number or its text. */
export function parseLevel(value: unknown, attr = 'level'): number {
  const text = typeof value === 'number' || typeof value === 'string' ? String(value) : undefined;
  const level = Object.values(LEVELS).find((candidate) => String(candidate) === text);
  if (level === undefined) {
    const shown = typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value);
    throw validationFailed(attr, `"${shown}" is not a valid choice.`, 'invalid_choice');
  }
  return level;
}

/**
 * PostHog's OrganizationMembership.validate_update: whether `acting` (a membership level) may
 * change `target`'s membership, and set it to `newLevel` when given.
 */
function validateUpdate(acting: { userId: number; level: number }, target: Member, newLevel?: number): void {
  if (newLevel !== undefined) {
    if (target.user.id === acting.userId) throw permissionDenied("You can't change your own access level.");
    if (newLevel === LEVELS.owner) {
      if (acting.level !== LEVELS.owner)
        throw permissionDenied("You can only make another member owner if you're this organization's owner.");
    } else if (newLevel > acting.level) {
      throw permissionDenied('You can only change access level of others to lower or equal to your current one.');
    }
  }
  if (target.user.id !== acting.userId) {
    if (acting.level < LEVELS.admin) throw permissionDenied('You can only edit others if you are an admin.');
    if (target.level > acting.level)
      throw permissionDenied('You can only edit others with level lower or equal to you.');
  }
}

/** /api/organizations/:id/ and its members, as PostHog's organization and member viewsets answer. */
export class MembersService {
  readonly #db: Db;
  readonly #repo: AccountsRepository;
  readonly #clock: Clock;
  readonly #sensitiveAgeMs: number;
  /** A key caller carries its user's memberships: every process's key cache is told of a change. */
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

  async overview(ctx: OrganizationContext): Promise<OrganizationOverview> {
    return {
      organization: ctx.organization,
      level: ctx.level,
      projects: await this.#repo.projectsOf(ctx.organization.id),
      memberCount: await this.#repo.countMembers(ctx.organization.id),
    };
  }

  list(ctx: OrganizationContext, limit: number, offset: number): Promise<{ count: number; members: Member[] }> {
    return this.#repo.listMembers(ctx.organization.id, limit, offset);
  }

  /** The member named by their user's UUID, or "@me". */
  async #target(ctx: OrganizationContext, userUuid: string): Promise<Member> {
    const uuid = userUuid === '@me' ? ctx.caller.user.uuid : userUuid;
    const member = /^[0-9a-f-]{36}$/i.test(uuid) ? await this.#repo.findMember(ctx.organization.id, uuid) : undefined;
    if (!member) throw notFound();
    return member;
  }

  /**
   * PATCH a member's level (admins and owners; PostHog's rules: not one's own, owners made only
   * by owners, never above one's own level). The organization always keeps an owner.
   */
  async update(ctx: OrganizationContext, userUuid: string, body: unknown): Promise<Member> {
    const now = this.#clock();
    requireRecentSignIn(ctx.caller, now, this.#sensitiveAgeMs);
    const target = await this.#target(ctx, userUuid);
    const acting = { userId: ctx.caller.user.id, level: ctx.level };
    validateUpdate(acting, target);
    const input = objectBody(body);
    if (!Object.hasOwn(input, 'level')) return target;
    const level = parseLevel(input.level);
    validateUpdate(acting, target, level);
    await writeKeyCallerChange(this.#db, this.#keyCallers, target.user.id, async (trx) => {
      const repo = this.#repo.within(trx);
      const owners = await repo.lockOwners(ctx.organization.id, LEVELS.owner);
      if (level !== LEVELS.owner && owners.length === 1 && owners[0] === target.user.id)
        throw validationFailed('level', 'The organization must keep at least one owner.');
      await repo.setMemberLevel(ctx.organization.id, target.user.id, level, new Date(now));
    });
    const updated = await this.#repo.findMember(ctx.organization.id, target.user.uuid);
    if (!updated) throw notFound();
    return updated;
  }

  /** Removes a member (admins and owners), or the caller themselves; an owner is never removed. */
  async remove(ctx: OrganizationContext, userUuid: string): Promise<void> {
    requireRecentSignIn(ctx.caller, this.#clock(), this.#sensitiveAgeMs);
    const target = await this.#target(ctx, userUuid);
    validateUpdate({ userId: ctx.caller.user.id, level: ctx.level }, target);
    if (target.level === LEVELS.owner) throw validationFailed(null, 'Cannot leave the organization as its owner!');
    await writeKeyCallerChange(this.#db, this.#keyCallers, target.user.id, (trx) =>
      this.#repo.within(trx).deleteMembership(ctx.organization.id, target.user.id),
    );
  }
}
