import { TtlCache } from '../cache/ttl-cache.ts';
import { notFound, permissionDenied, projectNotFound } from '../http/errors.ts';
import type { AccountsRepository, Organization, Project } from './accounts.repository.ts';
import { pythonUuid } from './api-key-fields.ts';
import { keyHasScope } from './api-keys.ts';
import type { Caller } from './caller.ts';

const PROJECT_CACHE_MS = 10_000;
const PROJECT_CACHE_LIMIT = 10_000;

/** Which project a request names, and whether its caller may act there (PostHog's permission classes). */
export class ProjectAccess {
  readonly #accounts: AccountsRepository;
  // Projects by id: a project's timezone change shows within PROJECT_CACHE_MS.
  readonly #projects = new TtlCache<number, Project>(PROJECT_CACHE_MS, PROJECT_CACHE_LIMIT);

  constructor(accounts: AccountsRepository) {
    this.#accounts = accounts;
  }

  /** Drops what this process remembers of a project that just changed. */
  forget(projectId: number): void {
    this.#projects.delete(projectId);
  }

  /** `:project_id` as PostHog resolves it: an integer, or "@current". */
  async resolveProject(caller: Caller, param: string): Promise<Project> {
    let id: number;
    if (param === '@current') {
      const teams = caller.key?.scopedTeams ?? [];
      if (teams.length === 1) id = teams[0];
      else {
        const reachable = await this.#accounts.listProjects([...caller.memberships.keys()], 1, 0);
        const first = reachable.projects[0];
        if (!first) throw projectNotFound();
        id = first.id;
      }
    } else {
      if (!/^\s*[+-]?\d+\s*$/.test(param)) throw projectNotFound();
      id = Number(param);
      if (!Number.isSafeInteger(id) || id > 2147483647 || id < -2147483648) throw projectNotFound();
    }
    const now = Date.now();
    const cached = this.#projects.get(id, now);
    if (cached) return cached;
    const project = await this.#accounts.findProject(id);
    if (!project) throw projectNotFound();
    this.#projects.set(id, project, now);
    return project;
  }
}

/**
 * `:organization_id` as PostHog resolves it: "@current" (the organization of the caller's current
 * project, else their first) or an organization's UUID; unknown: 404.
 */
export async function resolveOrganization(
  access: ProjectAccess,
  accounts: AccountsRepository,
  caller: Caller,
  param: string,
): Promise<Organization> {
  let id: string | undefined;
  if (param === '@current') {
    const current = await access.resolveProject(caller, '@current').catch(() => undefined);
    id = current?.organizationId ?? (await accounts.membershipsOf(caller.user.id))[0]?.organizationId;
  } else {
    id = pythonUuid(param);
  }
  const organization = id === undefined ? undefined : await accounts.findOrganization(id);
  if (!organization) throw notFound();
  return organization;
}

/** The caller's level in the organization (OrganizationMemberPermissions: members only). */
export function checkOrganizationMembership(caller: Caller, organization: Organization): number {
  const level = caller.memberships.get(organization.id);
  if (level === undefined) throw permissionDenied('You do not have permission to perform this action.');
  return level;
}

/** Key limits on an organization's own endpoints: no project-limited keys, and the key's organizations only. */
export function checkOrganizationKeyLimits(caller: Caller, organization: Organization): void {
  if (caller.key === undefined) return;
  if ((caller.key.scopedTeams ?? []).length > 0)
    throw permissionDenied('API keys with scoped projects are only supported on project-based endpoints.');
  const orgs = caller.key.scopedOrganizations ?? [];
  if (orgs.length > 0 && !orgs.some((org) => pythonUuid(org) === organization.id)) {
    throw permissionDenied(`API key does not have access to the requested organization: ID ${organization.id}.`);
  }
}

/** Key limits to projects or organizations (PostHog's check_team_and_org_permissions); keys only. */
export function checkKeyLimits(caller: Caller, project: Project | null): void {
  if (caller.key === undefined) return;
  const teams = caller.key.scopedTeams ?? [];
  const orgs = caller.key.scopedOrganizations ?? [];
  if (project === null) {
    if (teams.length > 0)
      throw permissionDenied('API keys with scoped projects are only supported on project-based endpoints.');
    return;
  }
  if (teams.length > 0 && !teams.includes(project.id)) {
    throw permissionDenied(`API key does not have access to the requested project: ID ${project.id}.`);
  }
  if (orgs.length > 0 && !orgs.includes(project.organizationId)) {
    throw permissionDenied(`API key does not have access to the requested organization: ID ${project.organizationId}.`);
  }
}

/** The scopes a route needs; keys only (a session has the membership's full rights). */
export function checkScopes(caller: Caller, required: readonly string[]): void {
  if (caller.key === undefined) return;
  for (const scope of required) {
    if (!keyHasScope(caller.key.scopes, scope)) throw permissionDenied(`API key missing required scope '${scope}'`);
  }
}

export function checkMembership(caller: Caller, project: Project): number {
  const level = caller.memberships.get(project.organizationId);
  if (level === undefined) throw permissionDenied("You don't have access to the project.");
  return level;
}
