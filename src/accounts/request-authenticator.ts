import type { FastifyRequest } from 'fastify';
import { endpointNotFound, notAuthenticated, permissionDenied } from '../http/errors.ts';
import type { AccountsRepository } from './accounts.repository.ts';
import type { Caller } from './caller.ts';
import type { CredentialSource } from './credential-source.ts';
import {
  checkKeyLimits,
  checkMembership,
  checkOrganizationKeyLimits,
  checkOrganizationMembership,
  checkScopes,
  type ProjectAccess,
  resolveOrganization,
} from './project-access.ts';

/**
 * The API's gate, in PostHog's order: 401 (no or bad credentials; a session's CSRF failure is a
 * 403 here) → 403 (an action keys cannot use → project 404 → key limits → missing scope →
 * membership). The throttle and the handler come after. Scopes and key limits concern keys only:
 * a session has its memberships' full rights.
 */
export class RequestAuthenticator {
  readonly #sources: readonly CredentialSource[];
  readonly #access: ProjectAccess;
  readonly #accounts: AccountsRepository;

  constructor(sources: readonly CredentialSource[], access: ProjectAccess, accounts: AccountsRepository) {
    this.#sources = sources;
    this.#access = access;
    this.#accounts = accounts;
  }

  /** The caller, from the first credential source that finds a credential in the request. */
  async authenticate(request: FastifyRequest): Promise<Caller> {
    for (const source of this.#sources) {
      const caller = await source.authenticate(request);
      if (caller !== undefined) return caller;
    }
    throw notAuthenticated();
  }

  /**
   * Authenticates the request and checks its access to the route; sets request.caller and, for
   * project and organization routes, the project or organization and the caller's level there.
   */
  async authorize(request: FastifyRequest): Promise<void> {
    const params = request.params as Record<string, string>;
    // Django's lookup regex [^/.]+: a path parameter with a dot matches no route at all, so it is
    // "Endpoint not found." even without credentials.
    if (Object.values(params).some((value) => value.includes('.'))) throw endpointNotFound();
    const caller = await this.authenticate(request);
    request.caller = caller;
    const scopes = request.routeOptions.config.scopes;
    if (!scopes && caller.key !== undefined)
      throw permissionDenied('This action does not support personal API key access');
    if (params.project_id !== undefined) {
      const project = await this.#access.resolveProject(caller, params.project_id);
      checkKeyLimits(caller, project);
      checkScopes(caller, scopes ?? []);
      request.membershipLevel = checkMembership(caller, project);
      request.project = project;
      return;
    }
    if (params.organization_id !== undefined) {
      const organization = await resolveOrganization(this.#access, this.#accounts, caller, params.organization_id);
      checkOrganizationKeyLimits(caller, organization);
      checkScopes(caller, scopes ?? []);
      request.membershipLevel = checkOrganizationMembership(caller, organization);
      request.organization = organization;
      return;
    }
    // PostHog exempts the user endpoints from key limits; routes on the caller's own things
    // (their keys) opt out with keyLimits: false.
    const limited = request.routeOptions.config.keyLimits !== false;
    if (limited && !scopes?.some((scope) => scope.startsWith('user:'))) checkKeyLimits(caller, null);
    checkScopes(caller, scopes ?? []);
  }
}
