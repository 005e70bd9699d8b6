import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import type { Project } from '../../src/accounts/accounts.repository.ts';
import type { AccountsService, MembershipLevelName } from '../../src/accounts/accounts.service.ts';
import { buildApp } from '../../src/app.ts';
import { type Config, parseRateLimits } from '../../src/config.ts';
import { type DatabaseTarget, type Db, openDatabase } from '../../src/db/database.ts';
import type { Engine } from '../../src/db/dialect.ts';
import { createServices, migrateDatabase, type Services } from '../../src/services.ts';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let postgresReachable: Promise<boolean> | undefined;

/** Whether the test PostgreSQL answers; under CI=true an unreachable one is an error. */
export function postgresAvailable(): Promise<boolean> {
  postgresReachable ??= (async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch (error) {
      if (process.env.CI === 'true')
        throw new Error(`CI=true but PostgreSQL is not reachable at ${ADMIN_URL}: ${(error as Error).message}`);
      return false;
    }
  })();
  return postgresReachable;
}

/** A fresh, empty database for one engine (SQLite in memory unless `sqliteFile`); drop() removes it. */
export async function createTestDatabase(
  engine: Engine,
  options: { sqliteFile?: boolean } = {},
): Promise<{ target: DatabaseTarget; url: string; drop(): Promise<void> }> {
  if (engine === 'sqlite' && options.sqliteFile) {
    const dir = mkdtempSync(join(tmpdir(), 'notebooks-test-'));
    const location = join(dir, 'test.db');
    return {
      target: { engine, location },
      url: `sqlite:${location}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (engine === 'sqlite') {
    return { target: { engine, location: ':memory:' }, url: 'sqlite::memory:', drop: async () => {} };
  }
  const name = `notebooks_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    target: { engine, location: url.toString() },
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export interface TestUser {
  id: number;
  uuid: string;
  email: string;
  key: string;
  /** Their password, when the test gave them one (they can sign in). */
  password?: string;
}

/** The services' clock: the real time, moved forward by what the test skipped. */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

export interface TestEnv {
  engine: Engine;
  /** The database the app runs on (a file for SQLite when the suite asked for one). */
  target: DatabaseTarget;
  app: FastifyInstance;
  /** The configuration the app was built with. */
  config: Config;
  db: Db;
  services: Services;
  clock: TestClock;
  accounts: AccountsService;
  org: { id: string };
  project: Project;
  /** The organization owner, with a "*" key. */
  owner: TestUser;
  /** Creates a user (member by default) in an organization, with a key of the given scopes. */
  createUser(options?: {
    org?: string;
    level?: MembershipLevelName;
    scopes?: string[];
    projects?: number[];
    orgs?: string[];
    firstName?: string;
    password?: string;
  }): Promise<TestUser>;
  createKey(email: string, scopes: string[], limits?: { projects?: number[]; orgs?: string[] }): Promise<string>;
  /** app.inject with the given key as Bearer (unless headers say otherwise). */
  request(options: InjectOptions & { key?: string | null }): Promise<LightMyRequestResponse>;
  /** The project's notebooks URL, optionally + suffix. */
  url(suffix?: string, projectId?: number): string;
}

const testConfig = (target: DatabaseTarget, overrides: Partial<Config> = {}): Config => ({
  database: target,
  host: '127.0.0.1',
  port: 0,
  logLevel: 'silent',
  bodyLimit: 20 * 1024 * 1024,
  rateLimits: parseRateLimits('off'),
  redisUrl: null,
  sqliteSynchronous: 'FULL',
  pgPreparedStatements: true,
  listCacheBytes: 64 * 1024 * 1024,
  eventsHeartbeatMs: 15_000,
  trustProxy: false,
  secureCookies: false,
  trustedOrigins: [],
  sessionCookieAgeSeconds: 14 * 24 * 3600,
  sensitiveActionAgeSeconds: 2 * 3600,
  posthogUrl: null,
  ...overrides,
});

/** Builds the real app on a fresh database with an organization, project and owner key. */
export async function createTestEnv(
  engine: Engine,
  overrides: Partial<Config> = {},
  options: { sqliteFile?: boolean } = {},
): Promise<TestEnv & { close(): Promise<void> }> {
  const database = await createTestDatabase(engine, options);
  const db = await openDatabase(database.target);
  await migrateDatabase(db);
  const config = testConfig(database.target, overrides);
  let skipped = 0;
  const clock: TestClock = {
    now: () => Date.now() + skipped,
    advance: (ms) => {
      skipped += ms;
    },
  };
  const services = createServices(db, config, { clock: clock.now });
  const app = await buildApp(config, services);
  await app.ready();
  const { accounts } = services;
  const org = await accounts.createOrganization('Test organization');
  const project = await accounts.createProject({ name: 'Test project', organizationId: org.id });
  let counter = 0;
  const createKey = async (email: string, scopes: string[], limits: { projects?: number[]; orgs?: string[] } = {}) =>
    (await accounts.createKey({ email, scopes, scopedTeams: limits.projects, scopedOrganizations: limits.orgs })).value;
  const createUser: TestEnv['createUser'] = async (options = {}) => {
    counter += 1;
    const email = `user${counter}-${randomBytes(3).toString('hex')}@example.com`;
    const user = await accounts.createUser({
      email,
      password: options.password,
      firstName: options.firstName ?? `User${counter}`,
      organizationId: options.org ?? org.id,
      level: options.level ?? 'member',
    });
    const key = await createKey(email, options.scopes ?? ['*'], { projects: options.projects, orgs: options.orgs });
    return { id: user.id, uuid: user.uuid, email, key, password: options.password };
  };
  const owner = await createUser({ level: 'owner' });
  const env: TestEnv & { close(): Promise<void> } = {
    engine,
    target: database.target,
    app,
    config,
    db,
    services,
    clock,
    accounts,
    org,
    project,
    owner,
    createUser,
    createKey,
    request(options) {
      const { key, ...rest } = options;
      const headers: Record<string, string> = { ...(rest.headers as Record<string, string> | undefined) };
      const useKey = key === undefined ? owner.key : key;
      if (useKey !== null && headers.authorization === undefined) headers.authorization = `Bearer ${useKey}`;
      return app.inject({ ...rest, headers });
    },
    url(suffix = '', projectId = project.id) {
      return `/api/projects/${projectId}/notebooks/${suffix}`;
    },
    async close() {
      await app.close();
      await db.close();
      await database.drop();
    },
  };
  return env;
}

export const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

// Decided once, before any suite is declared, so that every file reports its suites in order.
const POSTGRES_REACHABLE = await postgresAvailable();

/**
 * Runs the same suite on SQLite and on PostgreSQL, each on its own fresh database. Without a
 * reachable PostgreSQL its half is skipped (reported as skipped), except under CI=true.
 */
export function describeEachEngine(
  name: string,
  suite: (getEnv: () => TestEnv) => void,
  overrides: Partial<Config> = {},
  options: { sqliteFile?: boolean } = {},
): void {
  for (const engine of ENGINES) {
    const reachable = engine === 'sqlite' || POSTGRES_REACHABLE;
    const skip = reachable ? false : 'PostgreSQL not reachable (set TEST_DATABASE_URL); required under CI=true';
    describe(`${name} [${engine}]`, { skip }, () => {
      let env: (TestEnv & { close(): Promise<void> }) | undefined;
      before(async () => {
        env = await createTestEnv(engine, overrides, options);
      });
      after(async () => {
        await env?.close();
      });
      suite(() => {
        if (!env) throw new Error('test environment not ready');
        return env;
      });
    });
  }
}

/** Parses a JSON response body. */
export function json<T = Record<string, unknown>>(response: LightMyRequestResponse): T {
  return JSON.parse(response.body) as T;
}

/** The short_ids of list rows as the repository returns them (JSON fragments rendered by the database). */
export function shortIdsOf(items: ReadonlyArray<{ head: string }>): string[] {
  return items.map((item) => (JSON.parse(`${item.head}null}`) as { short_id: string }).short_id);
}
