import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createNotebook, createSignedInUser, type SignedIn } from '../support/factories.ts';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

// DRF's SessionAuthentication.enforce_csrf: only requests authenticated by the session cookie, and
// only unsafe ones, need the CSRF token; a personal API key never does.

type Method = 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/**
 * An unsafe route, the body it takes, and the status it answers a signed-in owner with the right
 * token (and a personal API key with scope "*", when that differs).
 */
export interface UnsafeRoute {
  name: string;
  method: Method;
  url(env: TestEnv): Promise<string>;
  payload?: () => Record<string, unknown>;
  status: number;
  keyStatus?: number;
}

const KEY_BODY = { label: 'CSRF', scopes: ['*'], scoped_teams: [], scoped_organizations: [] };

export const UNSAFE_ROUTES: UnsafeRoute[] = [
  {
    name: 'create a notebook',
    method: 'POST',
    url: async (env) => env.url(),
    payload: () => ({ title: 'From the browser' }),
    status: 201,
  },
  {
    name: 'update a notebook',
    method: 'PATCH',
    url: async (env) => env.url(`${(await createNotebook(env)).short_id}/`),
    payload: () => ({ title: 'Renamed' }),
    status: 200,
  },
  {
    name: 'replace a notebook',
    method: 'PUT',
    url: async (env) => env.url(`${(await createNotebook(env)).short_id}/`),
    payload: () => ({ title: 'Replaced' }),
    status: 200,
  },
  {
    name: 'delete a notebook (always 405 after the checks)',
    method: 'DELETE',
    url: async (env) => env.url(`${(await createNotebook(env)).short_id}/`),
    status: 405,
  },
  {
    name: 'create a project',
    method: 'POST',
    url: async () => '/api/projects/',
    payload: () => ({ name: 'From the browser' }),
    status: 201,
  },
  {
    name: 'rename a project',
    method: 'PATCH',
    url: async (env) => `/api/projects/${env.project.id}/`,
    payload: () => ({ name: 'Test project' }),
    status: 200,
  },
  {
    name: 'change a member’s level',
    method: 'PATCH',
    url: async (env) => `/api/organizations/@current/members/${(await env.createUser()).uuid}/`,
    payload: () => ({ level: 8 }),
    status: 200,
  },
  {
    name: 'remove a member',
    method: 'DELETE',
    url: async (env) => `/api/organizations/@current/members/${(await env.createUser()).uuid}/`,
    status: 204,
  },
  {
    name: 'invite someone',
    method: 'POST',
    url: async () => '/api/organizations/@current/invites/',
    payload: () => ({ target_email: `csrf-${Math.random().toString(36).slice(2)}@example.com` }),
    status: 201,
  },
  {
    name: 'revoke an invite',
    method: 'DELETE',
    url: async (env) => {
      const created = await env.request({
        method: 'POST',
        url: '/api/organizations/@current/invites/',
        payload: { target_email: `revoked-${Math.random().toString(36).slice(2)}@example.com` },
      });
      return `/api/organizations/@current/invites/${json<{ id: string }>(created).id}/`;
    },
    status: 204,
  },
  {
    name: 'create a personal API key',
    method: 'POST',
    url: async () => '/api/personal_api_keys/',
    payload: () => KEY_BODY,
    status: 201,
    keyStatus: 403,
  },
];

/**
 * Routes on the signed-in user's own things: the URL is built for the user whose browser sends the
 * request (`mine`), not for the test owner.
 */
export interface OwnUnsafeRoute extends Omit<UnsafeRoute, 'url'> {
  url(env: TestEnv, browser: SignedIn): Promise<string>;
}

/** One of the browser's user's keys (made through the API). */
async function browserKeyId(env: TestEnv, browser: SignedIn): Promise<string> {
  const created = await env.request({
    method: 'POST',
    url: '/api/personal_api_keys/',
    key: null,
    headers: browser.headers(),
    payload: KEY_BODY,
  });
  return json<{ id: string }>(created).id;
}

export const OWN_UNSAFE_ROUTES: OwnUnsafeRoute[] = [
  {
    name: 'change the signed-in user',
    method: 'PATCH',
    url: async () => '/api/users/@me/',
    payload: () => ({ first_name: 'Changed' }),
    status: 200,
  },
  {
    name: 'change a personal API key',
    method: 'PATCH',
    url: async (env, browser) => `/api/personal_api_keys/${await browserKeyId(env, browser)}/`,
    payload: () => ({ label: 'Changed' }),
    status: 200,
    keyStatus: 403,
  },
  {
    name: 'replace a personal API key (PUT)',
    method: 'PUT',
    url: async (env, browser) => `/api/personal_api_keys/${await browserKeyId(env, browser)}/`,
    payload: () => ({ ...KEY_BODY, label: 'Replaced' }),
    status: 200,
    keyStatus: 403,
  },
  {
    name: 'roll a personal API key',
    method: 'POST',
    url: async (env, browser) => `/api/personal_api_keys/${await browserKeyId(env, browser)}/roll/`,
    status: 200,
    keyStatus: 403,
  },
  {
    name: 'delete a personal API key',
    method: 'DELETE',
    url: async (env, browser) => `/api/personal_api_keys/${await browserKeyId(env, browser)}/`,
    status: 204,
    keyStatus: 403,
  },
];

const csrfFailed = (reason: string) =>
  JSON.stringify({
    type: 'authentication_error',
    code: 'permission_denied',
    detail: `CSRF Failed: ${reason}`,
    attr: null,
  });

const ROUTES: OwnUnsafeRoute[] = [
  ...UNSAFE_ROUTES.map((route) => ({ ...route, url: (env: TestEnv) => route.url(env) })),
  ...OWN_UNSAFE_ROUTES,
];

async function send(
  env: TestEnv,
  route: OwnUnsafeRoute,
  browser: SignedIn,
  headers: Record<string, string>,
  key: string | null = null,
): Promise<LightMyRequestResponse> {
  const url = await route.url(env, browser);
  return env.request({ method: route.method, url, payload: route.payload?.(), headers, key });
}

/** Every way a signed-in browser's unsafe request can carry (or miss) its token, and the answer. */
function conditions(browser: SignedIn): Array<[string, Record<string, string>, string | null]> {
  const session = `sessionid=${browser.sessionId}`;
  return [
    ['no CSRF cookie', { cookie: session, 'x-csrftoken': browser.csrfToken }, csrfFailed('CSRF cookie not set.')],
    ['no X-CSRFToken header', { cookie: browser.cookie }, csrfFailed('CSRF token missing.')],
    [
      'a wrong X-CSRFToken header',
      browser.headers({ 'x-csrftoken': 'b'.repeat(32) }),
      csrfFailed("CSRF token from the 'X-Csrftoken' HTTP header incorrect."),
    ],
    [
      'an X-CSRFToken of the wrong length',
      browser.headers({ 'x-csrftoken': 'short' }),
      csrfFailed("CSRF token from the 'X-Csrftoken' HTTP header has incorrect length."),
    ],
    [
      'a foreign Origin',
      browser.headers({ origin: 'https://evil.example.com' }),
      csrfFailed('Origin checking failed - https://evil.example.com does not match any trusted origins.'),
    ],
    ['the right token', browser.headers(), null],
    ['the right token from its own Origin', browser.headers({ origin: 'http://localhost:80' }), null],
  ];
}

describeEachEngine('CSRF on every unsafe route', (env) => {
  for (const route of ROUTES) {
    it(`${route.name}: a session needs the token from its own origin`, async () => {
      const owner = await createSignedInUser(env(), { level: 'owner' });
      for (const [condition, headers, failure] of conditions(owner.browser)) {
        const response = await send(env(), route, owner.browser, headers);
        if (failure === null) {
          assert.equal(response.statusCode, route.status, `${condition}: ${response.body}`);
        } else {
          assert.equal(response.statusCode, 403, `${condition}: ${response.body}`);
          assert.equal(response.body, failure, condition);
        }
      }
    });

    it(`${route.name}: a personal API key never needs a token, even beside a session cookie`, async () => {
      const owner = await createSignedInUser(env(), { level: 'owner' });
      const status = route.keyStatus ?? route.status;
      const alone = await send(env(), route, owner.browser, {}, owner.key);
      assert.equal(alone.statusCode, status, alone.body);
      const besideSession = await send(env(), route, owner.browser, { cookie: owner.browser.cookie }, owner.key);
      assert.equal(besideSession.statusCode, status, besideSession.body);
      if (status === 403) assert.doesNotMatch(besideSession.body, /CSRF/, 'refused for being a key, not for CSRF');
    });
  }

  it('lets a session read without a token', async () => {
    const owner = await createSignedInUser(env(), { level: 'owner' });
    const response = await env().request({
      method: 'GET',
      url: env().url(),
      key: null,
      headers: { cookie: owner.browser.cookie },
    });
    assert.equal(response.statusCode, 200, response.body);
  });

  it('accepts the 64-character masked form of the token, as Django does', async () => {
    const owner = await createSignedInUser(env(), { level: 'owner' });
    const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    const mask = 'Q'.repeat(32);
    const masked =
      mask + [...owner.browser.csrfToken].map((c) => chars[(chars.indexOf(c) + chars.indexOf('Q')) % 62]).join('');
    const response = await env().request({
      method: 'POST',
      url: env().url(),
      key: null,
      payload: { title: 'Masked' },
      headers: owner.browser.headers({ 'x-csrftoken': masked }),
    });
    assert.equal(response.statusCode, 201, response.body);
  });

  it('gives a signed-in browser that lost its CSRF cookie a new one on its next read', async () => {
    const owner = await createSignedInUser(env(), { level: 'owner' });
    const response = await env().request({
      method: 'GET',
      url: '/api/users/@me/',
      key: null,
      headers: { cookie: `sessionid=${owner.browser.sessionId}` },
    });
    assert.match(String(response.headers['set-cookie']), /posthog_csrftoken=[A-Za-z0-9]{32};/);
  });

  it('needs no token to sign in anonymously, but does to sign in again from a signed-in browser', async () => {
    const owner = await createSignedInUser(env(), { level: 'owner' });
    const payload = { email: owner.email, password: owner.password };
    const again = await env().app.inject({
      method: 'POST',
      url: '/api/login',
      payload,
      headers: { cookie: owner.browser.cookie },
    });
    assert.equal(again.statusCode, 403);
    assert.equal(again.body, csrfFailed('CSRF token missing.'));
    const withToken = await env().app.inject({
      method: 'POST',
      url: '/api/login',
      payload,
      headers: owner.browser.headers(),
    });
    assert.equal(withToken.statusCode, 200, withToken.body);
  });
});

describeEachEngine(
  'CSRF with TRUSTED_ORIGINS',
  (env) => {
    it('accepts an unsafe request from a trusted origin or a subdomain of a trusted wildcard', async () => {
      const owner = await createSignedInUser(env(), { level: 'owner' });
      for (const origin of ['https://app.example.com', 'https://eu.notebooks.example.org']) {
        const response = await env().request({
          method: 'POST',
          url: env().url(),
          key: null,
          payload: { title: origin },
          headers: owner.browser.headers({ origin }),
        });
        assert.equal(response.statusCode, 201, `${origin}: ${response.body}`);
      }
      const other = await env().request({
        method: 'POST',
        url: env().url(),
        key: null,
        payload: { title: 'x' },
        headers: owner.browser.headers({ origin: 'http://app.example.com' }),
      });
      assert.equal(other.statusCode, 403, 'the scheme is part of the origin');
    });
  },
  { trustedOrigins: ['https://app.example.com', 'https://*.notebooks.example.org'] },
);

describeEachEngine(
  'CSRF over https through a trusted proxy',
  (env) => {
    it('checks the Referer when there is no Origin, as Django does on https', async () => {
      const owner = await createSignedInUser(env(), { level: 'owner' });
      const post = (headers: Record<string, string>) =>
        env().request({
          method: 'POST',
          url: env().url(),
          key: null,
          payload: { title: 'x' },
          headers: owner.browser.headers({ 'x-forwarded-proto': 'https', host: 'notebooks.example.com', ...headers }),
        });
      assert.equal((await post({})).body, csrfFailed('Referer checking failed - no Referer.'));
      assert.equal(
        (await post({ referer: 'https://evil.example.com/page' })).body,
        csrfFailed('Referer checking failed - https://evil.example.com/page does not match any trusted origins.'),
      );
      assert.equal((await post({ referer: 'https://notebooks.example.com/notebooks' })).statusCode, 201);
      assert.equal((await post({ origin: 'https://notebooks.example.com' })).statusCode, 201);
    });
  },
  { trustProxy: true },
);
