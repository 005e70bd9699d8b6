import type { FastifyRequest } from 'fastify';
import type { AccountsRepository, PersonalApiKey, Project, User } from '../accounts/accounts.repository.ts';
import { hashKeyValue, keyHasScope } from '../accounts/api-keys.ts';
import { authenticationFailed, notAuthenticated, permissionDenied, projectNotFound } from './errors.ts';

export interface Caller {
  user: User;
  key: PersonalApiKey;
  /** sha256$… of the raw key: the rate-limit identity. The raw key is never kept. */
  keyHash: string;
  /** Organization id → membership level, for every organization the user belongs to. */
  memberships: Map<string, number>;
}

type KeySource = 'Authorization header' | 'body' | 'query string';
const BEARER = /^Bearer\s+(\S.+)$/;
const KEY_CACHE_MS = 10_000;
const KEY_CACHE_LIMIT = 10_000;

/** PostHog's find_key_with_source: the first candidate found is the only one tried. */
export function findKey(request: FastifyRequest): { value: string; source: KeySource } | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = BEARER.exec(header);
    if (match) return { value: match[1].trim(), source: 'Authorization header' };
  }
  const body = request.body;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const value = (body as Record<string, unknown>).personal_api_key;
    if (typeof value === 'string' && value !== '') return { value, source: 'body' };
  }
  const query = request.query as Record<string, unknown> | undefined;
  const fromQuery = query?.personal_api_key;
  const value = Array.isArray(fromQuery) ? fromQuery[fromQuery.length - 1] : fromQuery;
  if (typeof value === 'string' && value !== '') return { value, source: 'query string' };
  return undefined;
}

/**
 * Personal API key authentication and the permission checks around projects, in PostHog's order:
 * 401 → 403 (no scope mapping → project 404 → key project/organization limits → missing scope →
 * membership) — the throttle and the handler come after.
 */
export class Authenticator {
  readonly #accounts: AccountsRepository;
  // A short-lived cache of hash → caller keeps the hot path to one hash and one map lookup;
  // deactivation or key removal takes effect within KEY_CACHE_MS.
  readonly #cache = new Map<string, { caller: Caller; expires: number }>();
  // Projects by id, for as long: a project's timezone change shows within KEY_CACHE_MS.
  readonly #projects = new Map<number, { project: Project; expires: number }>();

  constructor(accounts: AccountsRepository) {
    this.#accounts = accounts;
  }

  async authenticate(request: FastifyRequest): Promise<Caller> {
    const found = findKey(request);
    if (!found) throw notAuthenticated();
    if (found.value.startsWith('pha_')) throw authenticationFailed('Invalid access token.');
    const keyHash = hashKeyValue(found.value);
    const now = Date.now();
    const cached = this.#cache.get(keyHash);
    if (cached && cached.expires > now) return cached.caller;
    const match = await this.#accounts.findKeyBySecureValue(keyHash);
    if (!match) throw authenticationFailed(`Personal API key found in request ${found.source} is invalid.`);
    const memberships = new Map((await this.#accounts.membershipsOf(match.user.id)).map((m) => [m.organizationId, m.level]));
    const caller: Caller = { user: match.user, key: match.key, keyHash, memberships };
    if (match.key.lastUsedAt === null || now - match.key.lastUsedAt.getTime() > 3_600_000) {
      await this.#accounts.touchKey(match.key.id, new Date(now));
      match.key.lastUsedAt = new Date(now);
    }
    if (this.#cache.size >= KEY_CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(keyHash, { caller, expires: now + KEY_CACHE_MS });
    return caller;
  }

  async resolveProject(caller: Caller, param: string): Promise<Project> {
    let id: number;
    if (param === '@current') {
      const teams = caller.key.scopedTeams ?? [];
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
    const cached = this.#projects.get(id);
    if (cached && cached.expires > now) return cached.project;
    const project = await this.#accounts.findProject(id);
    if (!project) throw projectNotFound();
    if (this.#projects.size >= KEY_CACHE_LIMIT) this.#projects.clear();
    this.#projects.set(id, { project, expires: now + KEY_CACHE_MS });
    return project;
  }
}

/** Key limits to projects or organizations (PostHog's check_team_and_org_permissions). */
export function checkKeyLimits(caller: Caller, project: Project | null): void {
  const teams = caller.key.scopedTeams ?? [];
  const orgs = caller.key.scopedOrganizations ?? [];
  if (project === null) {
    if (teams.length > 0) throw permissionDenied('API keys with scoped projects are only supported on project-based endpoints.');
    return;
  }
  if (teams.length > 0 && !teams.includes(project.id)) {
    throw permissionDenied(`API key does not have access to the requested project: ID ${project.id}.`);
  }
  if (orgs.length > 0 && !orgs.includes(project.organizationId)) {
    throw permissionDenied(`API key does not have access to the requested organization: ID ${project.organizationId}.`);
  }
}

export function checkScopes(caller: Caller, required: readonly string[]): void {
  for (const scope of required) {
    if (!keyHasScope(caller.key.scopes, scope)) throw permissionDenied(`API key missing required scope '${scope}'`);
  }
}

export function checkMembership(caller: Caller, project: Project): number {
  const level = caller.memberships.get(project.organizationId);
  if (level === undefined) throw permissionDenied("You don't have access to the project.");
  return level;
}
