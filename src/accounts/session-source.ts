import type { FastifyRequest } from 'fastify';
import type { BackgroundWrites } from '../db/background-writes.ts';
import { parseCookies } from '../http/cookies.ts';
import { CSRF_COOKIE, type CsrfOptions, checkCsrf, isSafeMethod, newCsrfSecret } from '../http/csrf.ts';
import type { AccountsRepository } from './accounts.repository.ts';
import type { Caller } from './caller.ts';
import type { Clock } from './clock.ts';
import type { CredentialSource } from './credential-source.ts';
import { queueCookie, SESSION_COOKIE, type SessionCookies, sessionIdHash } from './session-cookies.ts';
import type { SessionsRepository } from './sessions.repository.ts';

// A session's expiry moves forward while it is used, at most once an hour: one write an hour per
// browser rather than one per request.
const RENEW_EVERY_MS = 3_600_000;

/**
 * The session cookie, as DRF's SessionAuthentication reads it: the session is looked up on every
 * request (nothing is remembered between requests, so that a sign-out or a password change ends
 * it in every server process at once), and an unsafe request it authenticates must pass
 * Django's CSRF check. A cookie that names no live session authenticates no one.
 */
export class SessionSource implements CredentialSource {
  readonly #sessions: SessionsRepository;
  readonly #accounts: AccountsRepository;
  readonly #cookies: SessionCookies;
  readonly #csrf: CsrfOptions;
  readonly #clock: Clock;
  readonly #background: BackgroundWrites;

  constructor(
    sessions: SessionsRepository,
    accounts: AccountsRepository,
    options: { cookies: SessionCookies; csrf: CsrfOptions; clock: Clock; background: BackgroundWrites },
  ) {
    this.#sessions = sessions;
    this.#accounts = accounts;
    this.#cookies = options.cookies;
    this.#csrf = options.csrf;
    this.#clock = options.clock;
    this.#background = options.background;
  }

  async authenticate(request: FastifyRequest): Promise<Caller | undefined> {
    if (request.headers.cookie === undefined) return undefined;
    const cookies = parseCookies(request.headers.cookie);
    const sessionId = cookies.get(SESSION_COOKIE);
    if (sessionId === undefined || sessionId === '') return undefined;
    const now = this.#clock();
    const found = await this.#sessions.findActive(sessionIdHash(sessionId), new Date(now));
    if (!found) return undefined;
    checkCsrf(request, cookies, this.#csrf);

    const { session, user } = found;
    const renewed = now + this.#cookies.sessionAgeMs;
    if (renewed - session.expiresAt.getTime() >= RENEW_EVERY_MS) {
      this.#background.run(() => this.#sessions.extend(session.idHash, new Date(renewed)));
      queueCookie(request, this.#cookies.session(request, sessionId));
    }
    // A signed-in browser that lost its CSRF cookie gets a new one on its next safe request.
    if (isSafeMethod(request.method) && !cookies.has(CSRF_COOKIE))
      queueCookie(request, this.#cookies.csrf(request, newCsrfSecret()));

    const memberships = new Map((await this.#accounts.membershipsOf(user.id)).map((m) => [m.organizationId, m.level]));
    return { user, memberships, session: { idHash: session.idHash, authenticatedAt: session.authenticatedAt } };
  }
}
