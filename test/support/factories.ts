import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { NewUser, Project } from '../../src/accounts/accounts.repository.ts';
import type { MembershipLevelName } from '../../src/accounts/accounts.service.ts';
import { json, type TestEnv, type TestUser } from './harness.ts';

/** PostHog's UserBasic, as nested in a notebook. */
export interface UserBasic {
  id: number;
  uuid: string;
  distinct_id: string | null;
  first_name: string;
  last_name: string;
  email: string;
  is_email_verified: boolean | null;
  hedgehog_config: unknown;
  role_at_organization: string | null;
}

/** A notebook as the API answers it (NotebookSerializer). */
export interface NotebookDetail {
  id: string;
  short_id: string;
  title: string | null;
  content: unknown;
  text_content: string | null;
  version: number;
  deleted: boolean;
  created_at: string;
  created_by: UserBasic | null;
  last_modified_at: string;
  last_modified_by: UserBasic | null;
  user_access_level: string | null;
}

/**
 * Creates a notebook through the API, as the owner unless `key` names another caller, in the
 * test project unless `project` names another. Asserts the 201.
 */
export async function createNotebook(
  env: TestEnv,
  payload: Record<string, unknown> = {},
  options: { project?: Project | number; key?: string } = {},
): Promise<NotebookDetail> {
  const projectId = typeof options.project === 'number' ? options.project : (options.project?.id ?? env.project.id);
  const response = await env.request({ method: 'POST', url: env.url('', projectId), payload, key: options.key });
  assert.equal(response.statusCode, 201, response.body);
  return json<NotebookDetail>(response);
}

/** A project of its own in the test organization (or `organizationId`'s). */
export function createProject(env: TestEnv, name = 'Another project', organizationId = env.org.id): Promise<Project> {
  return env.accounts.createProject({ name, organizationId });
}

/** A user in the test organization (or another), with a personal API key of the given scopes. */
export function createUser(
  env: TestEnv,
  options: { org?: string; level?: MembershipLevelName; scopes?: string[]; firstName?: string } = {},
): Promise<TestUser> {
  return env.createUser(options);
}

/** A password zxcvbn rates strong enough (score 4), for users who sign in. */
export const STRONG_PASSWORD = 'wobbly hedgehog lantern 42';

/** A Set-Cookie header of an answer, by cookie name: its value and its attributes (lowercased names). */
export function setCookiesOf(response: LightMyRequestResponse): Map<string, { value: string; attributes: string[] }> {
  const header = response.headers['set-cookie'];
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const cookies = new Map<string, { value: string; attributes: string[] }>();
  for (const line of lines) {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim());
    const equals = pair.indexOf('=');
    cookies.set(pair.slice(0, equals), { value: pair.slice(equals + 1), attributes });
  }
  return cookies;
}

/** A browser signed in as a user: its cookies, and the headers an unsafe request of its page sends. */
export interface SignedIn {
  sessionId: string;
  csrfToken: string;
  /** The Cookie header: the session and the CSRF cookie. */
  cookie: string;
  /** Headers of a request from the page: the cookies, and X-CSRFToken (which unsafe requests need). */
  headers(extra?: Record<string, string>): Record<string, string>;
}

/** The cookies a browser holds after this answer. */
export function browserWith(sessionId: string, csrfToken: string): SignedIn {
  const cookie = `sessionid=${sessionId}; posthog_csrftoken=${csrfToken}`;
  return {
    sessionId,
    csrfToken,
    cookie,
    headers: (extra = {}) => ({ cookie, 'x-csrftoken': csrfToken, ...extra }),
  };
}

/** Signs the user in through POST /api/login (asserting the 200) and returns the browser's cookies. */
export async function signIn(
  env: TestEnv,
  user: { email: string; password?: string },
  options: { remoteAddress?: string } = {},
): Promise<SignedIn> {
  const response = await env.app.inject({
    method: 'POST',
    url: '/api/login',
    payload: { email: user.email, password: user.password ?? STRONG_PASSWORD },
    remoteAddress: options.remoteAddress,
  });
  assert.equal(response.statusCode, 200, response.body);
  const cookies = setCookiesOf(response);
  const session = cookies.get('sessionid');
  const csrf = cookies.get('posthog_csrftoken');
  assert.ok(session && csrf, 'the answer sets the session and CSRF cookies');
  return browserWith(session.value, csrf.value);
}

/** A user of the test organization (member by default) with a password, signed in. */
export async function createSignedInUser(
  env: TestEnv,
  options: { org?: string; level?: MembershipLevelName; scopes?: string[] } = {},
): Promise<TestUser & { browser: SignedIn }> {
  const user = await env.createUser({ ...options, password: STRONG_PASSWORD });
  return { ...user, browser: await signIn(env, user) };
}

/** A users row as AccountsRepository.insertUser takes it: no password, joined at `dateJoined`. */
export function newUserRow(email: string, dateJoined = new Date()): NewUser {
  return {
    uuid: crypto.randomUUID(),
    distinctId: null,
    email,
    firstName: '',
    lastName: '',
    isActive: true,
    isEmailVerified: null,
    roleAtOrganization: null,
    dateJoined,
    passwordHash: null,
  };
}
