import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createSignedInUser, type SignedIn, STRONG_PASSWORD, signIn } from '../support/factories.ts';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

// PATCH /api/users/@me/ as PostHog's UserSerializer answers it.

const NEW_PASSWORD = 'another quiet lantern 77';
const REAUTH =
  '{"type":"authentication_error","code":"sensitive_action_required_reauth","detail":"This action requires you to be recently authenticated.","attr":null}';

const validationError = (attr: string | null, code: string, detail: string) =>
  JSON.stringify({ type: 'validation_error', code, detail, attr });

function patchMe(env: TestEnv, browser: SignedIn, payload: Record<string, unknown>): Promise<LightMyRequestResponse> {
  return env.request({ method: 'PATCH', url: '/api/users/@me/', key: null, headers: browser.headers(), payload });
}

function meWith(env: TestEnv, browser: SignedIn): Promise<LightMyRequestResponse> {
  return env.request({ method: 'GET', url: '/api/users/@me/', key: null, headers: { cookie: browser.cookie } });
}

function login(env: TestEnv, email: string, password: string): Promise<LightMyRequestResponse> {
  return env.app.inject({ method: 'POST', url: '/api/login', payload: { email, password } });
}

describeEachEngine('changing the signed-in user', (env) => {
  it('changes the names and answers the user, who has a password', async () => {
    const user = await createSignedInUser(env());
    const response = await patchMe(env(), user.browser, { first_name: 'Ada', last_name: 'Lovelace', is_staff: true });
    assert.equal(response.statusCode, 200, response.body);
    const me = json(response);
    assert.equal(me.first_name, 'Ada');
    assert.equal(me.last_name, 'Lovelace');
    assert.equal(me.has_password, true);
    assert.equal(me.is_staff, false, 'read-only fields are ignored');
    assert.equal(json(await meWith(env(), user.browser)).first_name, 'Ada');
  });

  it('changes the email, refusing one another account has whatever its case', async () => {
    const user = await createSignedInUser(env());
    const other = await env().createUser();
    const taken = await patchMe(env(), user.browser, { email: other.email.toUpperCase() });
    assert.equal(taken.statusCode, 400);
    assert.equal(
      taken.body,
      validationError('email', 'unique', 'There is already an account with this email address.'),
    );
    const invalid = await patchMe(env(), user.browser, { email: 'not an address' });
    assert.equal(invalid.body, validationError('email', 'invalid_input', 'Enter a valid email address.'));
    const newEmail = `renamed-${user.id}@example.com`;
    const changed = await patchMe(env(), user.browser, { email: newEmail });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(json(changed).email, newEmail);
    assert.equal((await login(env(), newEmail, STRONG_PASSWORD)).statusCode, 200);
    assert.equal((await login(env(), user.email, STRONG_PASSWORD)).statusCode, 400);
  });

  it('asks for the current password, refuses a wrong one, then checks the new one’s strength', async () => {
    const user = await createSignedInUser(env());
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        { password: NEW_PASSWORD },
        validationError('current_password', 'required', 'This field is required when updating your password.'),
      ],
      [
        { password: NEW_PASSWORD, current_password: 'not it at all' },
        validationError('current_password', 'incorrect_password', 'Your current password is incorrect.'),
      ],
      [
        { password: 'short', current_password: STRONG_PASSWORD },
        validationError(
          'password',
          'password_too_short',
          'This password is too short. It must contain at least 8 characters.',
        ),
      ],
      [
        { password: 'password123', current_password: STRONG_PASSWORD },
        validationError('password', 'password_too_weak', 'This password is too weak.'),
      ],
    ];
    for (const [payload, expected] of cases) {
      const response = await patchMe(env(), user.browser, payload);
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
      assert.equal(response.body, expected);
    }
    assert.equal((await login(env(), user.email, STRONG_PASSWORD)).statusCode, 200, 'the password did not change');
  });

  it('changes the password: this session stays, the user’s other sessions end, the old password no longer signs in', async () => {
    const user = await createSignedInUser(env());
    const elsewhere = await signIn(env(), user);
    const response = await patchMe(env(), user.browser, { password: NEW_PASSWORD, current_password: STRONG_PASSWORD });
    assert.equal(response.statusCode, 200, response.body);
    assert.doesNotMatch(response.body, /"password"|current_password|another quiet/);
    assert.equal((await meWith(env(), user.browser)).statusCode, 200, 'the session it was changed in');
    assert.equal((await meWith(env(), elsewhere)).statusCode, 401, 'the other session');
    assert.equal((await login(env(), user.email, STRONG_PASSWORD)).statusCode, 400);
    assert.equal((await login(env(), user.email, NEW_PASSWORD)).statusCode, 200);
  });

  it('ends every session of the user when a key changes the password', async () => {
    const user = await createSignedInUser(env());
    const response = await env().request({
      method: 'PATCH',
      url: '/api/users/@me/',
      key: user.key,
      payload: { password: NEW_PASSWORD, current_password: STRONG_PASSWORD },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal((await meWith(env(), user.browser)).statusCode, 401);
  });

  it('throttles requests carrying current_password to 5 a minute per user (429)', async () => {
    const user = await createSignedInUser(env());
    for (let i = 0; i < 5; i++) {
      const response = await patchMe(env(), user.browser, { password: NEW_PASSWORD, current_password: 'wrong' });
      assert.equal(response.statusCode, 400, `attempt ${i + 1}`);
    }
    const sixth = await patchMe(env(), user.browser, { password: NEW_PASSWORD, current_password: STRONG_PASSWORD });
    assert.equal(sixth.statusCode, 429);
    assert.match(
      sixth.body,
      /^\{"type":"throttled_error","code":"throttled","detail":"Request was throttled\. Expected available in \d+ seconds?\.","attr":null\}$/,
    );
    assert.match(String(sixth.headers['retry-after']), /^\d+$/);
    const names = await patchMe(env(), user.browser, { first_name: 'Still fine' });
    assert.equal(names.statusCode, 200, 'requests without current_password are not counted');
    env().clock.advance(61_000);
    const later = await patchMe(env(), user.browser, { password: NEW_PASSWORD, current_password: STRONG_PASSWORD });
    assert.equal(later.statusCode, 200, later.body);
  });

  it('needs a recent sign-in to change the email or password, not the names', async () => {
    const user = await createSignedInUser(env());
    env().clock.advance(2 * 3600_000 + 1000);
    assert.equal((await patchMe(env(), user.browser, { first_name: 'Late' })).statusCode, 200);
    assert.equal((await patchMe(env(), user.browser, { email: `late-${user.id}@example.com` })).body, REAUTH);
    assert.equal(
      (await patchMe(env(), user.browser, { password: NEW_PASSWORD, current_password: STRONG_PASSWORD })).body,
      REAUTH,
    );
  });

  it('lets a key with user:write change the user, and refuses one with user:read', async () => {
    const writer = await env().createUser({ scopes: ['user:write'] });
    const response = await env().request({
      method: 'PATCH',
      url: '/api/users/@me/',
      key: writer.key,
      payload: { first_name: 'By key' },
    });
    assert.equal(response.statusCode, 200, response.body);
    const reader = await env().createUser({ scopes: ['user:read'] });
    const refused = await env().request({
      method: 'PATCH',
      url: '/api/users/@me/',
      key: reader.key,
      payload: { first_name: 'x' },
    });
    assert.equal(refused.statusCode, 403);
    assert.equal(
      refused.body,
      '{"type":"authentication_error","code":"permission_denied","detail":"API key missing required scope \'user:write\'","attr":null}',
    );
  });

  it('refuses to change another user', async () => {
    const user = await createSignedInUser(env());
    const other = await env().createUser();
    const response = await env().request({
      method: 'PATCH',
      url: `/api/users/${other.uuid}/`,
      key: null,
      headers: user.browser.headers(),
      payload: { first_name: 'x' },
    });
    assert.equal(response.statusCode, 403);
  });

  it('validates the names’ length', async () => {
    const user = await createSignedInUser(env());
    const response = await patchMe(env(), user.browser, { first_name: 'x'.repeat(151) });
    assert.equal(
      response.body,
      validationError('first_name', 'max_length', 'Ensure this field has no more than 150 characters.'),
    );
  });
});
