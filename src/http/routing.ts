import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify';
import type { Project } from '../accounts/accounts.repository.ts';
import type { NotebookContext } from '../notebooks/notebooks.service.ts';
import type { Caller } from './auth.ts';
import { methodNotAllowed, permissionDenied } from './errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scopes a personal API key needs; null = the action does not support API keys. */
    scopes?: string[] | null;
    /** Public routes skip authentication entirely. */
    public?: boolean;
  }
  interface FastifyRequest {
    caller?: Caller;
    project?: Project;
    membershipLevel?: number;
  }
}

export function contextOf(request: FastifyRequest): NotebookContext {
  const { caller, project, membershipLevel } = request;
  if (!caller || !project || membershipLevel === undefined) throw new Error('route used without the project pipeline');
  return { project, user: caller.user, membershipLevel };
}

export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error('route used without authentication');
  return request.caller;
}

/** Scheme and host of the request, as Django's build_absolute_uri sees them. */
function origin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/** The absolute URL of the request without its query string. */
export function baseUrl(request: FastifyRequest): string {
  const path = request.url.split('?', 1)[0];
  return `${origin(request)}${path}`;
}

export function absoluteUrl(request: FastifyRequest): string {
  return `${origin(request)}${request.url}`;
}

const ALL_METHODS: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Methods a URL does not map: API keys get PostHog's 403 "does not support" (the pipeline
 * refuses routes without scopes); anything else gets the 405 envelope.
 */
export function unmappedMethods(app: FastifyInstance, url: string, mapped: HTTPMethods[]): void {
  const others = ALL_METHODS.filter((m) => !mapped.includes(m) && !(m === 'HEAD' && mapped.includes('GET')));
  app.route({
    method: others,
    url,
    config: { scopes: null },
    schema: { hide: true },
    handler: (request) => {
      if (request.caller) throw permissionDenied('This action does not support personal API key access');
      throw methodNotAllowed(request.method);
    },
  });
}
