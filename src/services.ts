import type { Kysely } from 'kysely';
import { AccountsRepository } from './accounts/accounts.repository.ts';
import { AccountsService } from './accounts/accounts.service.ts';
import { type Clock, systemClock } from './accounts/clock.ts';
import { InvitesRepository } from './accounts/invites.repository.ts';
import { InvitesService } from './accounts/invites.service.ts';
import { type LoginAttempts, MemoryLoginAttempts } from './accounts/login-attempts.ts';
import { MembersService } from './accounts/members.service.ts';
import { PersonalApiKeySource } from './accounts/personal-api-key-source.ts';
import { PersonalApiKeysService } from './accounts/personal-api-keys.service.ts';
import { ProjectAccess } from './accounts/project-access.ts';
import { ProjectsService } from './accounts/projects.service.ts';
import { RequestAuthenticator } from './accounts/request-authenticator.ts';
import { SessionCookies } from './accounts/session-cookies.ts';
import { SessionSource } from './accounts/session-source.ts';
import { SessionsRepository } from './accounts/sessions.repository.ts';
import { SignInService } from './accounts/sign-in.service.ts';
import { UserCache } from './accounts/user-cache.ts';
import { UsersService } from './accounts/users.service.ts';
import { ActivityRepository } from './activity/activity.repository.ts';
import { ActivityService } from './activity/activity.service.ts';
import { ResponseCache } from './cache/response-cache.ts';
import type { Config } from './config.ts';
import { BackgroundWrites } from './db/background-writes.ts';
import { type Db, migrate } from './db/database.ts';
import type { MigrationSteps } from './db/migrations/migration-steps.ts';
import type { Database } from './db/schema.ts';
import type { CsrfOptions } from './http/csrf.ts';
import { MemoryRateLimiter, type RateLimiter } from './http/rate-limit.ts';
import { ChangeFeed } from './notebooks/change-feed.ts';
import { NotebooksRepository } from './notebooks/notebooks.repository.ts';
import { type ListPage, NotebooksService } from './notebooks/notebooks.service.ts';
import { rebuildSearchIndex } from './notebooks/storage/sqlite-notebook-storage.ts';

/** Every service of the application, wired once: the server, the CLI, the tests and the bench use this. */
export interface Services {
  db: Db;
  accounts: AccountsService;
  accountsRepository: AccountsRepository;
  projectAccess: ProjectAccess;
  authenticator: RequestAuthenticator;
  activity: ActivityService;
  notebooks: NotebooksService;
  /** Notebook changes as they commit, for the change streams. */
  changeFeed: ChangeFeed;
  /**
   * Personal API keys, remembered for a few seconds; its listener (listen/close, run by the app)
   * hears the key changes of other processes on the database.
   */
  keySource: PersonalApiKeySource;
  rateLimiter: RateLimiter;
  signIn: SignInService;
  personalApiKeys: PersonalApiKeysService;
  users: UsersService;
  members: MembersService;
  projects: ProjectsService;
  invites: InvitesService;
  sessionSource: SessionSource;
  sessionCookies: SessionCookies;
  csrf: CsrfOptions;
  loginAttempts: LoginAttempts;
  /** Writes no answer waits for (when a key or session was last used); drained before the database closes. */
  background: BackgroundWrites;
  clock: Clock;
}

/** PostHog's UserAuthenticationThrottle: 5 requests carrying current_password a minute, per user. */
export const PASSWORD_ATTEMPTS = { name: 'password_change', limit: 5, seconds: 60 };

/** What sessions and sign-in need of the configuration; defaults are the server's. */
type SessionConfig = Pick<
  Config,
  'sessionCookieAgeSeconds' | 'sensitiveActionAgeSeconds' | 'secureCookies' | 'trustedOrigins'
>;

const SESSION_DEFAULTS: SessionConfig = {
  sessionCookieAgeSeconds: 14 * 24 * 3600,
  sensitiveActionAgeSeconds: 2 * 3600,
  secureCookies: false,
  trustedOrigins: [],
};

/** The data rebuilds migrations may ask for, from today's code. */
export const migrationSteps: MigrationSteps = {
  rebuildNotebookSearch: (db) => rebuildSearchIndex(db as Kysely<Database>),
};

/** Applies every pending migration to the database. */
export function migrateDatabase(db: Db): Promise<string[]> {
  return migrate(db, migrationSteps);
}

/**
 * Wires the services over an open database. The rate limiter and the sign-in counters default to
 * ones in this process; the server passes those shared through Redis when REDIS_URL is set.
 * Tests pass a clock they can move.
 */
export function createServices(
  db: Db,
  config: Pick<Config, 'listCacheBytes' | 'rateLimits'> & Partial<SessionConfig>,
  options: {
    rateLimiter?: RateLimiter;
    loginAttempts?: LoginAttempts;
    passwordAttempts?: RateLimiter;
    clock?: Clock;
  } = {},
): Services {
  const sessionConfig: SessionConfig = { ...SESSION_DEFAULTS, ...definedOf(config) };
  const clock = options.clock ?? systemClock;
  const background = new BackgroundWrites();
  const accountsRepository = new AccountsRepository(db.kysely, db.dialect);
  const sessionsRepository = new SessionsRepository(db.kysely, db.dialect, accountsRepository);
  const sessionCookies = new SessionCookies({
    secure: sessionConfig.secureCookies,
    sessionAgeSeconds: sessionConfig.sessionCookieAgeSeconds,
    clock,
  });
  const csrf: CsrfOptions = { trustedOrigins: sessionConfig.trustedOrigins };
  const loginAttempts = options.loginAttempts ?? new MemoryLoginAttempts();
  const keySource = new PersonalApiKeySource(db, accountsRepository, { background, clock });
  const sessionSource = new SessionSource(sessionsRepository, accountsRepository, {
    cookies: sessionCookies,
    csrf,
    clock,
    background,
  });
  const activity = new ActivityService(new ActivityRepository(db.kysely, db.dialect), accountsRepository);
  const notebooksRepository = new NotebooksRepository(db.kysely, db.dialect);
  const changeFeed = new ChangeFeed(db, notebooksRepository);
  const notebooks = new NotebooksService(db, notebooksRepository, new UserCache(accountsRepository), activity, {
    // A cached page holds its items and, once sent, its whole body: about twice the items.
    listCache: new ResponseCache<ListPage>(config.listCacheBytes, (page) => 2 * page.items.length),
    changeFeed,
  });
  const projectAccess = new ProjectAccess(accountsRepository);
  const signIn = new SignInService(
    db,
    { accounts: accountsRepository, sessions: sessionsRepository },
    { attempts: loginAttempts, clock, sessionAgeSeconds: sessionConfig.sessionCookieAgeSeconds },
  );
  return {
    db,
    accounts: new AccountsService(db, accountsRepository, sessionsRepository, keySource),
    accountsRepository,
    projectAccess,
    // PostHog's order: an explicit key wins over the session cookie.
    authenticator: new RequestAuthenticator([keySource, sessionSource], projectAccess, accountsRepository),
    activity,
    notebooks,
    changeFeed,
    keySource,
    rateLimiter: options.rateLimiter ?? new MemoryRateLimiter(config.rateLimits),
    signIn,
    personalApiKeys: new PersonalApiKeysService(db, accountsRepository, {
      clock,
      sensitiveActionAgeSeconds: sessionConfig.sensitiveActionAgeSeconds,
      keyCallers: keySource,
    }),
    users: new UsersService(
      db,
      { accounts: accountsRepository, sessions: sessionsRepository },
      {
        projectAccess,
        passwordAttempts: options.passwordAttempts ?? new MemoryRateLimiter({ windows: [PASSWORD_ATTEMPTS] }),
        clock,
        sensitiveActionAgeSeconds: sessionConfig.sensitiveActionAgeSeconds,
      },
    ),
    projects: new ProjectsService(db, accountsRepository, projectAccess),
    members: new MembersService(db, accountsRepository, {
      clock,
      sensitiveActionAgeSeconds: sessionConfig.sensitiveActionAgeSeconds,
      keyCallers: keySource,
    }),
    invites: new InvitesService(
      db,
      {
        accounts: accountsRepository,
        invites: new InvitesRepository(db.kysely, db.dialect, accountsRepository),
      },
      { signIn, clock, keyCallers: keySource },
    ),
    sessionSource,
    sessionCookies,
    csrf,
    loginAttempts,
    background,
    clock,
  };
}

/** The entries of a partial config that are set. */
function definedOf<T extends object>(config: T): Partial<T> {
  return Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined)) as Partial<T>;
}
