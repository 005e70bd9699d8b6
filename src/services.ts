import type { Kysely } from 'kysely';
import { AccountsRepository } from './accounts/accounts.repository.ts';
import { AccountsService } from './accounts/accounts.service.ts';
import { PersonalApiKeySource } from './accounts/personal-api-key-source.ts';
import { ProjectAccess } from './accounts/project-access.ts';
import { RequestAuthenticator } from './accounts/request-authenticator.ts';
import { UserCache } from './accounts/user-cache.ts';
import { ActivityRepository } from './activity/activity.repository.ts';
import { ActivityService } from './activity/activity.service.ts';
import { ResponseCache } from './cache/response-cache.ts';
import type { Config } from './config.ts';
import { type Db, migrate } from './db/database.ts';
import type { MigrationSteps } from './db/migrations/migration-steps.ts';
import type { Database } from './db/schema.ts';
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
  rateLimiter: RateLimiter;
}

/** The data rebuilds migrations may ask for, from today's code. */
export const migrationSteps: MigrationSteps = {
  rebuildNotebookSearch: (db) => rebuildSearchIndex(db as Kysely<Database>),
};

/** Applies every pending migration to the database. */
export function migrateDatabase(db: Db): Promise<string[]> {
  return migrate(db, migrationSteps);
}

/**
 * Wires the services over an open database. The rate limiter defaults to one in this process;
 * the server passes the one shared through Redis when REDIS_URL is set.
 */
export function createServices(
  db: Db,
  config: Pick<Config, 'listCacheBytes' | 'rateLimits'>,
  options: { rateLimiter?: RateLimiter } = {},
): Services {
  const accountsRepository = new AccountsRepository(db.kysely, db.dialect);
  const activity = new ActivityService(new ActivityRepository(db.kysely, db.dialect), accountsRepository);
  const notebooksRepository = new NotebooksRepository(db.kysely, db.dialect);
  const changeFeed = new ChangeFeed(db, notebooksRepository);
  const notebooks = new NotebooksService(db, notebooksRepository, new UserCache(accountsRepository), activity, {
    // A cached page holds its items and, once sent, its whole body: about twice the items.
    listCache: new ResponseCache<ListPage>(config.listCacheBytes, (page) => 2 * page.items.length),
    changeFeed,
  });
  const projectAccess = new ProjectAccess(accountsRepository);
  return {
    db,
    accounts: new AccountsService(db, accountsRepository),
    accountsRepository,
    projectAccess,
    authenticator: new RequestAuthenticator([new PersonalApiKeySource(accountsRepository)], projectAccess),
    activity,
    notebooks,
    changeFeed,
    rateLimiter: options.rateLimiter ?? new MemoryRateLimiter(config.rateLimits),
  };
}
