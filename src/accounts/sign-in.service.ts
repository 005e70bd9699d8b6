import { createHash } from 'node:crypto';
import { type Db, writeTransaction } from '../db/database.ts';
import { newCsrfSecret } from '../http/csrf.ts';
import { emailField, objectBody, stringField } from '../http/drf-fields.ts';
import { tooManyFailedLoginAttempts, validationFailed } from '../http/errors.ts';
import { type AccountsRepository, emailKey } from './accounts.repository.ts';
import type { Clock } from './clock.ts';
import { ACCOUNT_RULE, CLIENT_ADDRESS_RULE, type LockoutKey, type LoginAttempts } from './login-attempts.ts';
import { verifyPassword } from './passwords.ts';
import { newSessionId, sessionIdHash } from './session-cookies.ts';
import type { SessionsRepository } from './sessions.repository.ts';

export interface Credentials {
  email: string;
  password: string;
}

/** A new session: the id for the cookie (never stored) and the CSRF secret for its readable cookie. */
export interface StartedSession {
  sessionId: string;
  csrfSecret: string;
}

/** PostHog's LoginSerializer: email (an address), then password; the first error only. */
export function parseCredentials(body: unknown): Credentials {
  const input = objectBody(body);
  const email = emailField(input, 'email', { required: true }) as string;
  const password = stringField(input, 'password', { required: true }) as string;
  return { email, password };
}

const invalidCredentials = () => validationFailed(null, 'Invalid email or password.', 'invalid_credentials');
const LOCKOUT_MINUTES = Math.round(CLIENT_ADDRESS_RULE.lockMs / 60_000);

/** Signing in and out: passwords checked against the lockout, sessions started and ended. */
export class SignInService {
  readonly #db: Db;
  readonly #accounts: AccountsRepository;
  readonly #sessions: SessionsRepository;
  readonly #attempts: LoginAttempts;
  readonly #clock: Clock;
  readonly #sessionAgeMs: number;

  constructor(
    db: Db,
    repositories: { accounts: AccountsRepository; sessions: SessionsRepository },
    options: { attempts: LoginAttempts; clock: Clock; sessionAgeSeconds: number },
  ) {
    this.#db = db;
    this.#accounts = repositories.accounts;
    this.#sessions = repositories.sessions;
    this.#attempts = options.attempts;
    this.#clock = options.clock;
    this.#sessionAgeMs = options.sessionAgeSeconds * 1000;
  }

  /**
   * Checks the credentials and starts a session, ending `replacing` (the session the browser
   * already had). A wrong email and a wrong password get the same answer in about the same time;
   * failures count against the client address and the account, and a locked-out one is refused
   * before its password is looked at.
   */
  async signIn(
    credentials: Credentials,
    context: { clientAddress: string; replacing?: string },
  ): Promise<StartedSession> {
    const now = this.#clock();
    const keys: LockoutKey[] = [
      { rule: CLIENT_ADDRESS_RULE, key: context.clientAddress },
      { rule: ACCOUNT_RULE, key: createHash('sha256').update(emailKey(credentials.email)).digest('hex') },
    ];
    if (await this.#attempts.isLocked(keys, now)) throw tooManyFailedLoginAttempts(LOCKOUT_MINUTES);
    const found = await this.#accounts.findCredentials(credentials.email);
    const matches = await verifyPassword(found?.passwordHash ?? null, credentials.password);
    if (!found || !matches || !found.user.isActive) {
      if (await this.#attempts.recordFailure(keys, now)) throw tooManyFailedLoginAttempts(LOCKOUT_MINUTES);
      throw invalidCredentials();
    }
    return this.startSession(found.user.id, context.replacing);
  }

  /** A new session for the user (signing in, or signing up through an invite); the old one, if any, ends. */
  async startSession(userId: number, replacing?: string): Promise<StartedSession> {
    const now = new Date(this.#clock());
    const sessionId = newSessionId();
    await writeTransaction(this.#db, async (trx) => {
      const sessions = this.#sessions.within(trx);
      if (replacing !== undefined) await sessions.delete(replacing);
      await sessions.deleteExpired(now);
      await sessions.insert({
        idHash: sessionIdHash(sessionId),
        userId,
        createdAt: now,
        authenticatedAt: now,
        expiresAt: new Date(now.getTime() + this.#sessionAgeMs),
      });
      await this.#accounts.within(trx).recordLogin(userId, now);
    });
    return { sessionId, csrfSecret: newCsrfSecret() };
  }

  /** Ends the session whose cookie holds this id, in every server process. */
  async signOut(sessionId: string | undefined): Promise<void> {
    if (sessionId === undefined || sessionId === '') return;
    await writeTransaction(this.#db, (trx) => this.#sessions.within(trx).delete(sessionIdHash(sessionId)));
  }
}
