import type { FastifyRequest } from 'fastify';
import type { PersonalApiKey, Project, User } from './accounts.repository.ts';

/** Who is calling: a user, and the personal API key they called with, if they used one. */
export interface Caller {
  user: User;
  /** The key that authenticated the request; scopes and key limits apply only then. */
  key?: PersonalApiKey;
  /** Organization id → membership level, for every organization the user belongs to. */
  memberships: Map<string, number>;
  /** Whose request this counts as for rate limits: the key's hash, or the user. Never a secret. */
  rateLimitIdentity: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scopes a personal API key needs; null = the action does not support API keys. */
    scopes?: string[] | null;
  }
  interface FastifyRequest {
    caller?: Caller;
    project?: Project;
    membershipLevel?: number;
  }
}

export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error('route used without authentication');
  return request.caller;
}
