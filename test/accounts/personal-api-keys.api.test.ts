import assert from 'node:assert/strict';
import { it, mock } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createSignedInUser, type SignedIn, signIn } from '../support/factories.ts';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

// /api/personal_api_keys/ as PostHog's PersonalAPIKeyViewSet answers it.

const KEY_FIELDS = [
  'id',
  'label',
  'value',
  'mask_value',
  'created_at',
  'last_used_at',
  'user_id',
  'scopes',
  'scoped_teams',
  'scoped_organizations',
  'last_rolled_at',
];
const NO_KEY_ACCESS =
  '{"type":"authentication_error","code":"permission_denied","detail":"This action does not support personal API key access","attr":null}';
const NOT_FOUND = '{"type":"invalid_request","code":"not_found","detail":"Not found.","attr":null}';
const REAUTH =
  '{"type":"authentication_error","code":"sensitive_action_required_reauth","detail":"This action requires you to be recently authenticated.","attr":null}';

interface KeyBody {
  id: string;
  label: string;
  value: string | null;
  mask_value: string;
  created_at: string;
  last_used_at: string | null;
  user_id: number;
  scopes: string[];
  scoped_teams: number[] | null;
  scoped_organizations: string[] | null;
  last_rolled_at: string | null;
}

const validKey = (overrides: Record<string, unknown> = {}) => ({
  label: 'CI',
  scopes: ['notebook:read'],
  scoped_teams: [],
  scoped_organizations: [],
  ...overrides,
});

/** A request from the signed-in browser (with its CSRF token). */
function asBrowser(
  env: TestEnv,
  browser: SignedIn,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
): Promise<LightMyRequestResponse> {
  return env.request({ method, url, key: null, headers: browser.headers(), payload: payload as object });
}

async function createKey(env: TestEnv, browser: SignedIn, overrides: Record<string, unknown> = {}): Promise<KeyBody> {
  const response = await asBrowser(env, browser, 'POST', '/api/personal_api_keys/', validKey(overrides));
  assert.equal(response.statusCode, 201, response.body);
  return json<KeyBody>(response);
}

function validationError(attr: string | null, code: string, detail: string): string {
  return JSON.stringify({ type: 'validation_error', code, detail, attr });
}

describeEachEngine('personal API keys from a session', (env) => {
  it('creates a key: 201 with PostHog’s fields in order and the value shown this once', async () => {
    const user = await createSignedInUser(env());
    const key = await createKey(env(), user.browser, { scoped_teams: [env().project.id] });
    assert.deepEqual(Object.keys(key), KEY_FIELDS);
    assert.match(key.id, /^[A-Za-z0-9]{40,}$/);
    assert.match(String(key.value), /^phx_[A-Za-z0-9]{47,49}$/);
    assert.equal(key.mask_value, `phx_...${String(key.value).slice(-4)}`);
    assert.match(key.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$/);
    assert.equal(key.last_used_at, null);
    assert.equal(key.user_id, user.id);
    assert.deepEqual(key.scopes, ['notebook:read']);
    assert.deepEqual(key.scoped_teams, [env().project.id]);
    assert.deepEqual(key.scoped_organizations, []);
    assert.equal(key.last_rolled_at, null);
    const used = await env().request({ method: 'GET', url: env().url(), key: String(key.value) });
    assert.equal(used.statusCode, 200, 'the new key authenticates');
  });

  it('lists the caller’s keys newest first, as a bare array without values', async () => {
    const user = await createSignedInUser(env());
    const first = await createKey(env(), user.browser, { label: 'first' });
    const second = await createKey(env(), user.browser, { label: 'second' });
    await createKey(env(), (await createSignedInUser(env())).browser, { label: 'someone else’s' });
    const response = await asBrowser(env(), user.browser, 'GET', '/api/personal_api_keys/');
    assert.equal(response.statusCode, 200, response.body);
    const keys = json<KeyBody[]>(response);
    assert.ok(Array.isArray(keys));
    const ids = keys.map((key) => key.id);
    assert.deepEqual(ids.slice(0, 2), [second.id, first.id]);
    assert.ok(keys.every((key) => key.value === null && key.user_id === user.id));
  });

  it('retrieves one key without its value; another user’s is 404, and so is @current without a key', async () => {
    const user = await createSignedInUser(env());
    const key = await createKey(env(), user.browser);
    const own = await asBrowser(env(), user.browser, 'GET', `/api/personal_api_keys/${key.id}/`);
    assert.equal(own.statusCode, 200, own.body);
    assert.deepEqual(json(own), { ...key, value: null });
    const other = await createSignedInUser(env());
    const theirs = await asBrowser(env(), other.browser, 'GET', `/api/personal_api_keys/${key.id}/`);
    assert.equal(theirs.statusCode, 404);
    assert.equal(theirs.body, NOT_FOUND);
    const current = await asBrowser(env(), user.browser, 'GET', '/api/personal_api_keys/@current/');
    assert.equal(current.body, NOT_FOUND);
  });

  it('changes the label, scopes and limits with PATCH, and needs every field with PUT', async () => {
    const user = await createSignedInUser(env());
    const key = await createKey(env(), user.browser);
    const patched = await asBrowser(env(), user.browser, 'PATCH', `/api/personal_api_keys/${key.id}/`, {
      label: 'Renamed',
      scopes: ['notebook:write', 'activity_log:read'],
    });
    assert.equal(patched.statusCode, 200, patched.body);
    const body = json<KeyBody>(patched);
    assert.equal(body.label, 'Renamed');
    assert.deepEqual(body.scopes, ['notebook:write', 'activity_log:read']);
    assert.equal(body.value, null);
    assert.equal(body.id, key.id);
    const put = await asBrowser(env(), user.browser, 'PUT', `/api/personal_api_keys/${key.id}/`, { label: 'Only' });
    assert.equal(put.body, validationError('scopes', 'required', 'This field is required.'));
    const fullPut = await asBrowser(env(), user.browser, 'PUT', `/api/personal_api_keys/${key.id}/`, validKey());
    assert.equal(fullPut.statusCode, 200, fullPut.body);
  });

  it('applies new scopes at once in this process', async () => {
    const user = await createSignedInUser(env());
    const key = await createKey(env(), user.browser, { scopes: ['notebook:read'] });
    const value = String(key.value);
    assert.equal((await env().request({ method: 'GET', url: env().url(), key: value })).statusCode, 200);
    await asBrowser(env(), user.browser, 'PATCH', `/api/personal_api_keys/${key.id}/`, { scopes: ['user:read'] });
    assert.equal((await env().request({ method: 'GET', url: env().url(), key: value })).statusCode, 403);
  });

  it('deletes a key: 204 with an empty body, and the key stops working at once', async () => {
    const user = await createSignedInUser(env());
    const key = await createKey(env(), user.browser);
    const value = String(key.value);
    assert.equal((await env().request({ method: 'GET', url: env().url(), key: value })).statusCode, 200);
    const deleted = await asBrowser(env(), user.browser, 'DELETE', `/api/personal_api_keys/${key.id}/`);
    assert.equal(deleted.statusCode, 204);
    assert.equal(deleted.body, '');
    assert.equal(deleted.headers['content-type'], undefined);
    assert.equal((await env().request({ method: 'GET', url: env().url(), key: value })).statusCode, 401);
    const again = await asBrowser(env(), user.browser, 'GET', `/api/personal_api_keys/${key.id}/`);
    assert.equal(again.statusCode, 404);
  });

  it('rolls a key: a new value, the same id, label and scopes, last_rolled_at set, and the old value refused at once', async () => {
    const user = await createSignedInUser(env());
    const key = await createKey(env(), user.browser, { label: 'Rolled', scopes: ['*'] });
    const old = String(key.value);
    assert.equal((await env().request({ method: 'GET', url: env().url(), key: old })).statusCode, 200);
    const response = await asBrowser(env(), user.browser, 'POST', `/api/personal_api_keys/${key.id}/roll/`);
    assert.equal(response.statusCode, 200, response.body);
    const rolled = json<KeyBody>(response);
    assert.deepEqual(Object.keys(rolled), KEY_FIELDS);
    assert.equal(rolled.id, key.id);
    assert.equal(rolled.label, 'Rolled');
    assert.deepEqual(rolled.scopes, ['*']);
    assert.match(String(rolled.value), /^phx_/);
    assert.notEqual(rolled.value, old);
    assert.equal(rolled.mask_value, `phx_...${String(rolled.value).slice(-4)}`);
    assert.match(String(rolled.last_rolled_at), /^\d{4}-/);
    const oldAnswer = await env().request({ method: 'GET', url: env().url(), key: old });
    assert.equal(oldAnswer.statusCode, 401);
    assert.equal(
      oldAnswer.body,
      '{"type":"authentication_error","code":"authentication_failed","detail":"Personal API key found in request Authorization header is invalid.","attr":null}',
    );
    const fresh = await env().request({ method: 'GET', url: env().url(), key: String(rolled.value) });
    assert.equal(fresh.statusCode, 200);
  });

  it('refuses an 11th key with PostHog’s message', async () => {
    const user = await createSignedInUser(env());
    for (let i = 0; i < 9; i++) await createKey(env(), user.browser, { label: `key ${i}` });
    const eleventh = await asBrowser(env(), user.browser, 'POST', '/api/personal_api_keys/', validKey());
    assert.equal(eleventh.statusCode, 400);
    assert.equal(
      eleventh.body,
      validationError(
        null,
        'invalid_input',
        'You can only have 10 personal API keys. Remove an existing key before creating a new one.',
      ),
    );
  });

  it('validates label, scopes and limits with PostHog’s messages, in field order', async () => {
    const user = await createSignedInUser(env());
    const otherOrg = await env().accounts.createOrganization('Not mine');
    const otherProject = await env().accounts.createProject({ name: 'Not mine', organizationId: otherOrg.id });
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        { scopes: ['*'], scoped_teams: [], scoped_organizations: [] },
        validationError('label', 'required', 'This field is required.'),
      ],
      [validKey({ label: '  ' }), validationError('label', 'blank', 'This field may not be blank.')],
      [
        validKey({ label: 'x'.repeat(41) }),
        validationError('label', 'max_length', 'Ensure this field has no more than 40 characters.'),
      ],
      [
        { label: 'x', scoped_teams: [], scoped_organizations: [] },
        validationError('scopes', 'required', 'This field is required.'),
      ],
      [validKey({ scopes: [] }), validationError('scopes', 'empty', 'This list may not be empty.')],
      [
        validKey({ scopes: 'notebook:read' }),
        validationError('scopes', 'not_a_list', 'Expected a list of items but got type "str".'),
      ],
      [validKey({ scopes: ['invalid'] }), validationError('scopes', 'invalid_input', 'Invalid scope: invalid')],
      [
        validKey({ scopes: ['notebook:delete'] }),
        validationError('scopes', 'invalid_input', 'Invalid scope: notebook:delete'),
      ],
      [validKey({ scopes: ['pony:read'] }), validationError('scopes', 'invalid_input', 'Invalid scope: pony:read')],
      [
        validKey({ scoped_teams: [otherProject.id] }),
        validationError(
          'scoped_teams',
          'invalid_input',
          'You must be a member of all teams that you are scoping the key to.',
        ),
      ],
      [
        validKey({ scoped_teams: ['one'] }),
        validationError('scoped_teams__0', 'invalid_input', 'A valid integer is required.'),
      ],
      [
        validKey({ scoped_organizations: ['not-a-uuid'] }),
        validationError('scoped_organizations', 'invalid_input', 'Invalid organization UUID'),
      ],
      [
        validKey({ scoped_organizations: [otherOrg.id] }),
        validationError(
          'scoped_organizations',
          'invalid_input',
          'You must be a member of all organizations that you are scoping the key to.',
        ),
      ],
      [
        { label: 'x', scopes: ['*'], scoped_organizations: [] },
        validationError('scoped_teams', 'required', 'This field is required.'),
      ],
    ];
    for (const [payload, expected] of cases) {
      const response = await asBrowser(env(), user.browser, 'POST', '/api/personal_api_keys/', payload);
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
      assert.equal(response.body, expected, JSON.stringify(payload));
    }
    const ok = await asBrowser(
      env(),
      user.browser,
      'POST',
      '/api/personal_api_keys/',
      validKey({ scoped_organizations: [env().org.id.toUpperCase()] }),
    );
    assert.equal(ok.statusCode, 201, 'an organization UUID is read as Python reads one');
  });
});

describeEachEngine('personal API keys from a key', (env) => {
  it('let a key read itself, by @current or by its id, and nothing else', async () => {
    const user = await createSignedInUser(env());
    const own = await createKey(env(), user.browser, { scopes: ['notebook:read'] });
    const sibling = await createKey(env(), user.browser);
    const value = String(own.value);
    const current = await env().request({ method: 'GET', url: '/api/personal_api_keys/@current/', key: value });
    assert.equal(current.statusCode, 200, current.body);
    assert.equal(json<KeyBody>(current).id, own.id);
    assert.equal(json<KeyBody>(current).value, null);
    const byId = await env().request({ method: 'GET', url: `/api/personal_api_keys/${own.id}/`, key: value });
    assert.equal(byId.statusCode, 200, byId.body);
    const other = await env().request({ method: 'GET', url: `/api/personal_api_keys/${sibling.id}/`, key: value });
    assert.equal(other.statusCode, 403);
    assert.equal(other.body, NO_KEY_ACCESS);
    const strangersKey = await createKey(env(), (await createSignedInUser(env())).browser);
    const stranger = await env().request({
      method: 'GET',
      url: `/api/personal_api_keys/${strangersKey.id}/`,
      key: value,
    });
    assert.equal(stranger.body, NOT_FOUND, 'another user’s key does not exist for it');
  });

  it('refuse every other action to a key, even one with scope "*"', async () => {
    const user = await createSignedInUser(env());
    const own = await createKey(env(), user.browser, { scopes: ['*'] });
    const value = String(own.value);
    const requests: Array<['GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', string, unknown?]> = [
      ['GET', '/api/personal_api_keys/'],
      ['POST', '/api/personal_api_keys/', validKey()],
      ['PATCH', `/api/personal_api_keys/${own.id}/`, { label: 'x' }],
      ['PUT', `/api/personal_api_keys/${own.id}/`, validKey()],
      ['DELETE', `/api/personal_api_keys/${own.id}/`],
      ['POST', `/api/personal_api_keys/${own.id}/roll/`],
      ['PATCH', '/api/personal_api_keys/@current/', { label: 'x' }],
      ['PUT', '/api/personal_api_keys/'],
    ];
    for (const [method, url, payload] of requests) {
      const response = await env().request({ method, url, key: value, payload: payload as object });
      assert.equal(response.statusCode, 403, `${method} ${url}`);
      assert.equal(response.body, NO_KEY_ACCESS, `${method} ${url}`);
    }
  });

  it('let a key limited to a project read itself', async () => {
    const user = await createSignedInUser(env());
    const limited = await createKey(env(), user.browser, { scoped_teams: [env().project.id] });
    const response = await env().request({
      method: 'GET',
      url: '/api/personal_api_keys/@current/',
      key: String(limited.value),
    });
    assert.equal(response.statusCode, 200, response.body);
  });

  it('record when a key was last used, at most once an hour', async () => {
    const user = await createSignedInUser(env());
    const created = await createKey(env(), user.browser);
    const value = String(created.value);
    const lastUsedAt = async (): Promise<string | null> => {
      await env().services.background.drain();
      const own = await asBrowser(env(), user.browser, 'GET', `/api/personal_api_keys/${created.id}/`);
      assert.equal(own.statusCode, 200, own.body);
      return json<KeyBody>(own).last_used_at;
    };
    const use = async () => {
      const response = await env().request({ method: 'GET', url: env().url(), key: value });
      assert.equal(response.statusCode, 200, response.body);
    };
    // The key source reads Date, for the hour and for its 10-second cache of callers: each step
    // below is far past the cache, so the key is read again and the hourly rule decides.
    const t0 = Date.now();
    mock.timers.enable({ apis: ['Date'], now: t0 });
    try {
      await use();
      const first = await lastUsedAt();
      assert.match(String(first), /^\d{4}-/);
      assert.equal(Date.parse(String(first)), t0, 'written with the time of the use');
      mock.timers.setTime(t0 + 30 * 60_000);
      await use();
      assert.equal(await lastUsedAt(), first, 'half an hour later: unchanged');
      mock.timers.setTime(t0 + 3_600_000);
      await use();
      assert.equal(await lastUsedAt(), first, 'an hour later exactly: unchanged');
      mock.timers.setTime(t0 + 3_600_000 + 60_000);
      await use();
      const moved = await lastUsedAt();
      assert.equal(Date.parse(String(moved)), t0 + 3_660_000, 'past the hour: moved to this use');
      mock.timers.setTime(t0 + 3_660_000 + 59 * 60_000);
      await use();
      assert.equal(await lastUsedAt(), moved, 'the hour counts from the last write');
    } finally {
      mock.timers.reset();
    }
  });
});

describeEachEngine('personal API keys and other users', (env) => {
  it('are invisible to another user’s session: 404 for every action', async () => {
    const owner = await createSignedInUser(env());
    const key = await createKey(env(), owner.browser);
    const other = await createSignedInUser(env());
    for (const [method, url] of [
      ['GET', `/api/personal_api_keys/${key.id}/`],
      ['PATCH', `/api/personal_api_keys/${key.id}/`],
      ['DELETE', `/api/personal_api_keys/${key.id}/`],
      ['POST', `/api/personal_api_keys/${key.id}/roll/`],
    ] as const) {
      const response = await asBrowser(
        env(),
        other.browser,
        method,
        url,
        method === 'PATCH' ? { label: 'x' } : undefined,
      );
      assert.equal(response.statusCode, 404, `${method} ${url}`);
    }
    const stillThere = await asBrowser(env(), owner.browser, 'GET', `/api/personal_api_keys/${key.id}/`);
    assert.equal(stillThere.statusCode, 200);
  });
});

describeEachEngine('sensitive actions on keys', (env) => {
  it('need a sign-in within the last 2 hours: create, change, roll and delete; reading does not', async () => {
    const user = await createSignedInUser(env());
    const key = await createKey(env(), user.browser);
    env().clock.advance(2 * 3600_000 + 1000);
    const writes: Array<['POST' | 'PATCH' | 'PUT' | 'DELETE', string, unknown?]> = [
      ['POST', '/api/personal_api_keys/', validKey()],
      ['PATCH', `/api/personal_api_keys/${key.id}/`, { label: 'x' }],
      ['PUT', `/api/personal_api_keys/${key.id}/`, validKey()],
      ['POST', `/api/personal_api_keys/${key.id}/roll/`],
      ['DELETE', `/api/personal_api_keys/${key.id}/`],
    ];
    for (const [method, url, payload] of writes) {
      const response = await asBrowser(env(), user.browser, method, url, payload);
      assert.equal(response.statusCode, 403, `${method} ${url}`);
      assert.equal(response.body, REAUTH, `${method} ${url}`);
    }
    const read = await asBrowser(env(), user.browser, 'GET', '/api/personal_api_keys/');
    assert.equal(read.statusCode, 200);

    const again = await signIn(env(), user);
    const created = await asBrowser(env(), again, 'POST', '/api/personal_api_keys/', validKey());
    assert.equal(created.statusCode, 201, 'signing in again renews the window');
  });

  it('check the window before anything else, even a key that does not exist', async () => {
    const user = await createSignedInUser(env());
    env().clock.advance(3 * 3600_000);
    const response = await asBrowser(env(), user.browser, 'DELETE', '/api/personal_api_keys/nonexistent/');
    assert.equal(response.body, REAUTH);
  });
});

describeEachEngine(
  'sensitive actions with SESSION_SENSITIVE_ACTIONS_AGE=60',
  (env) => {
    it('follow the configured window', async () => {
      const user = await createSignedInUser(env());
      env().clock.advance(61_000);
      const response = await asBrowser(env(), user.browser, 'POST', '/api/personal_api_keys/', validKey());
      assert.equal(response.body, REAUTH);
    });
  },
  { sensitiveActionAgeSeconds: 60 },
);
