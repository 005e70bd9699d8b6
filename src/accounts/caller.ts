import type { FastifyRequest } from 'fastify';
import type { Organization, PersonalApiKey, Project, User } from './accounts.repository.ts';

/** The signed-in browser session a request came with. */
export interface CallerSession {
  /** SHA-256 of the session id in the cookie: how the row is found, never the id itself. */
  idHash: string;
  /** When its user signed in: sensitive actions need a recent one. */
  authenticatedAt: Date;
}

/** Who is calling: a user, and the personal API key or the session they called with. */
export interface Caller {
  user: User;
  /** The key that authenticated the request; scopes and key limits apply only then. */
  key?: PersonalApiKey;
  /** The session that authenticated the request (never together with a key). */
  session?: CallerSession;
  /** Organization id → membership level, for every organization the user belongs to. */
  memberships: Map<string, number>;
  /** Whose requests these count as for rate limits (the key's hash); none for a session. Never a secret. */
  rateLimitIdentity?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scopes a personal API key needs; null = the action does not support API keys. */
    scopes?: string[] | null;
    /** false: a key limited to projects or organizations may still call it (the caller's own things). */
    keyLimits?: boolean;
  }
  interface FastifyRequest {
    caller?: Caller;
    project?: Project;
    organization?: Organization;
    membershipLevel?: number;
    /** Set-Cookie values to send with the answer (a renewed session, a missing CSRF cookie). */
    pendingCookies?: string[];
  }
}

export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error('route used without authentication');
  return request.caller;
}
