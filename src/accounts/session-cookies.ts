import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '../db/ids.ts';
import { serializeCookie } from '../http/cookies.ts';
import { CSRF_COOKIE } from '../http/csrf.ts';
import type { Clock } from './clock.ts';

/** The session cookie (PostHog's SESSION_COOKIE_NAME). */
export const SESSION_COOKIE = 'sessionid';

/** A new session id: 256 random bits; only its hash is stored. */
export function newSessionId(): string {
  return randomToken(32);
}

/** How a session id is stored and looked up: hex SHA-256 (the id is random, so no salt is needed). */
export function sessionIdHash(sessionId: string): string {
  return createHash('sha256').update(sessionId, 'utf8').digest('hex');
}

export interface SessionCookieOptions {
  /** Secure on every cookie, not only on requests that came over https. */
  secure: boolean;
  sessionAgeSeconds: number;
  clock: Clock;
}

/**
 * The cookies a signed-in browser holds, with Django's flags: the session id HttpOnly, the CSRF
 * secret readable by the page's script (it sends it back in X-CSRFToken); both SameSite=Lax, and
 * Secure when configured or when the request came over https (through a trusted proxy, its
 * X-Forwarded-Proto).
 */
export class SessionCookies {
  readonly #options: SessionCookieOptions;

  constructor(options: SessionCookieOptions) {
    this.#options = options;
  }

  get sessionAgeMs(): number {
    return this.#options.sessionAgeSeconds * 1000;
  }

  #secure(request: FastifyRequest): boolean {
    return this.#options.secure || request.protocol === 'https';
  }

  session(request: FastifyRequest, sessionId: string): string {
    return serializeCookie(
      SESSION_COOKIE,
      sessionId,
      { maxAge: this.#options.sessionAgeSeconds, httpOnly: true, secure: this.#secure(request) },
      this.#options.clock(),
    );
  }

  expiredSession(request: FastifyRequest): string {
    return serializeCookie(
      SESSION_COOKIE,
      '',
      { maxAge: 0, httpOnly: true, secure: this.#secure(request) },
      this.#options.clock(),
    );
  }

  csrf(request: FastifyRequest, secret: string): string {
    return serializeCookie(
      CSRF_COOKIE,
      secret,
      { maxAge: this.#options.sessionAgeSeconds, httpOnly: false, secure: this.#secure(request) },
      this.#options.clock(),
    );
  }
}

/** Adds a Set-Cookie to the answer of this request (sent by sendPendingCookies). */
export function queueCookie(request: FastifyRequest, setCookie: string): void {
  if (request.pendingCookies === undefined) request.pendingCookies = [setCookie];
  else request.pendingCookies.push(setCookie);
}

/** onSend: the cookies queued while the request was handled, on whatever answer it gets. */
export async function sendPendingCookies(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
): Promise<unknown> {
  if (request.pendingCookies !== undefined) reply.header('set-cookie', request.pendingCookies);
  return payload;
}
