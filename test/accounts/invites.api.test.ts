import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createSignedInUser, type SignedIn, STRONG_PASSWORD, setCookiesOf } from '../support/factories.ts';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

// Organization invites and accepting them (/api/signup/:id/), as PostHog answers.

const INVITE_FIELDS = [
  'id',
  'target_email',
  'first_name',
  'emailing_attempt_made',
  'level',
  'is_expired',
  'created_by',
  'created_at',
  'updated_at',
  'accept_url',
];
const invitesUrl = '/api/organizations/@current/invites/';
const THREE_DAYS = 3 * 24 * 3600_000;

interface InviteBody {
  id: string;
  target_email: string;
  level: number;
  is_expired: boolean;
  accept_url: string;
  created_by: { id: number } | null;
}

const error = (type: string, code: string, detail: string, attr: string | null = null) =>
  JSON.stringify({ type, code, detail, attr });
const invalid = (detail: string, code = 'invalid_input', attr: string | null = null) =>
  error('validation_error', code, detail, attr);
const NOT_VALID = invalid('The provided invite ID is not valid.');
const EXPIRED = invalid('This invite has expired. Please ask your admin for a new one.', 'expired');

function asBrowser(
  env: TestEnv,
  browser: SignedIn,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  payload?: Record<string, unknown>,
): Promise<LightMyRequestResponse> {
  return env.request({ method, url, key: null, headers: { ...browser.headers(), host: 'notebooks.test' }, payload });
}

let counter = 0;
const newAddress = () => `invitee-${Date.now()}-${++counter}@example.com`;

async function invite(env: TestEnv, inviter: SignedIn, payload: Record<string, unknown> = {}): Promise<InviteBody> {
  const response = await asBrowser(env, inviter, 'POST', invitesUrl, { target_email: newAddress(), ...payload });
  assert.equal(response.statusCode, 201, response.body);
  return json<InviteBody>(response);
}

function visit(env: TestEnv, id: string): Promise<LightMyRequestResponse> {
  return env.app.inject({ method: 'GET', url: `/api/signup/${id}/` });
}

function accept(env: TestEnv, id: string, payload: Record<string, unknown>): Promise<LightMyRequestResponse> {
  return env.app.inject({ method: 'POST', url: `/api/signup/${id}/`, payload });
}

describeEachEngine('inviting people', (env) => {
  it('lets an admin invite: 201 with PostHog’s fields and the absolute accept link', async () => {
    const admin = await createSignedInUser(env(), { level: 'admin' });
    const address = newAddress();
    const response = await asBrowser(env(), admin.browser, 'POST', invitesUrl, {
      target_email: address.replace('example.com', 'EXAMPLE.com'),
      first_name: 'Grace',
      level: 8,
    });
    assert.equal(response.statusCode, 201, response.body);
    const body = json<InviteBody & { first_name: string; emailing_attempt_made: boolean }>(response);
    assert.deepEqual(Object.keys(body), INVITE_FIELDS);
    assert.match(body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(body.target_email, address, 'the domain is lowercased');
    assert.equal(body.first_name, 'Grace');
    assert.equal(body.emailing_attempt_made, false);
    assert.equal(body.level, 8);
    assert.equal(body.is_expired, false);
    assert.equal(body.created_by?.id, admin.id);
    assert.equal(body.accept_url, `http://notebooks.test/signup/${body.id}`);
  });

  it('lists the organization’s invites newest first, to any member', async () => {
    const admin = await createSignedInUser(env(), { level: 'admin' });
    const first = await invite(env(), admin.browser);
    const second = await invite(env(), admin.browser);
    const member = await createSignedInUser(env());
    const response = await asBrowser(env(), member.browser, 'GET', invitesUrl);
    assert.equal(response.statusCode, 200, response.body);
    const page = json<{ count: number; results: InviteBody[] }>(response);
    const ids = page.results.map((item) => item.id);
    assert.ok(ids.indexOf(second.id) < ids.indexOf(first.id));
  });

  it('refuses a member who invites or revokes', async () => {
    const admin = await createSignedInUser(env(), { level: 'admin' });
    const made = await invite(env(), admin.browser);
    const member = await createSignedInUser(env());
    const denied = error(
      'authentication_error',
      'permission_denied',
      'You do not have permission to perform this action.',
    );
    const created = await asBrowser(env(), member.browser, 'POST', invitesUrl, { target_email: newAddress() });
    assert.equal(created.statusCode, 403);
    assert.equal(created.body, denied);
    const revoked = await asBrowser(env(), member.browser, 'DELETE', `${invitesUrl}${made.id}/`);
    assert.equal(revoked.body, denied);
  });

  it('refuses a level above the inviter’s, an address already a member, and one that is not an address', async () => {
    const admin = await createSignedInUser(env(), { level: 'admin' });
    const higher = await asBrowser(env(), admin.browser, 'POST', invitesUrl, { target_email: newAddress(), level: 15 });
    assert.equal(higher.statusCode, 403);
    assert.equal(
      higher.body,
      error(
        'authentication_error',
        'permission_denied',
        'You cannot invite a user with a higher permission level than your own.',
      ),
    );
    const member = await env().createUser();
    const already = await asBrowser(env(), admin.browser, 'POST', invitesUrl, { target_email: member.email });
    assert.equal(already.body, invalid('A user with this email address already belongs to the organization.'));
    const missing = await asBrowser(env(), admin.browser, 'POST', invitesUrl, {});
    assert.equal(missing.body, invalid('This field is required.', 'required', 'target_email'));
    const notAddress = await asBrowser(env(), admin.browser, 'POST', invitesUrl, { target_email: 'nobody' });
    assert.equal(notAddress.body, invalid('Enter a valid email address.', 'invalid_input', 'target_email'));
  });

  it('replaces an earlier invite for the same address', async () => {
    const admin = await createSignedInUser(env(), { level: 'admin' });
    const address = newAddress();
    const first = await invite(env(), admin.browser, { target_email: address });
    const second = await invite(env(), admin.browser, { target_email: address, level: 8 });
    assert.equal((await visit(env(), first.id)).body, NOT_VALID);
    assert.equal((await visit(env(), second.id)).statusCode, 200);
  });
});

describeEachEngine('accepting an invite', (env) => {
  it('tells a visitor whom the invite is for', async () => {
    const admin = await createSignedInUser(env(), { level: 'admin' });
    const made = await invite(env(), admin.browser, { first_name: 'Grace' });
    const response = await visit(env(), made.id);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(json(response), {
      id: made.id,
      target_email: made.target_email,
      first_name: 'Grace',
      organization_name: 'Test organization',
    });
    assert.equal((await visit(env(), 'not-a-uuid')).body, NOT_VALID);
    assert.equal((await visit(env(), '01900000-0000-7000-8000-000000000000')).body, NOT_VALID);
  });

  it('makes a new user of the organization at the invite’s level, signed in, and uses the invite up', async () => {
    const admin = await createSignedInUser(env(), { level: 'admin' });
    const made = await invite(env(), admin.browser, { level: 8 });
    const response = await accept(env(), made.id, { first_name: 'Grace', password: STRONG_PASSWORD });
    assert.equal(response.statusCode, 201, response.body);
    const body = json(response);
    assert.equal(body.email, made.target_email);
    assert.equal(body.first_name, 'Grace');
    assert.equal(body.is_email_verified, false);
    assert.equal(body.redirect_url, '/');
    const cookies = setCookiesOf(response);
    const session = cookies.get('sessionid')?.value;
    assert.ok(session && cookies.get('posthog_csrftoken'), 'signed in');
    const me = await env().request({
      method: 'GET',
      url: '/api/users/@me/',
      key: null,
      headers: { cookie: `sessionid=${session}` },
    });
    assert.equal(me.statusCode, 200, me.body);
    assert.deepEqual(
      json<{ organizations: Array<{ id: string; membership_level: number }> }>(me).organizations.map((org) => [
        org.id,
        org.membership_level,
      ]),
      [[env().org.id, 8]],
    );
    const login = await env().app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { email: made.target_email, password: STRONG_PASSWORD },
    });
    assert.equal(login.statusCode, 200, 'the new user can sign in');
    assert.equal((await accept(env(), made.id, { first_name: 'Again', password: STRONG_PASSWORD })).body, NOT_VALID);
    const listed = json<{ results: InviteBody[] }>(await asBrowser(env(), admin.browser, 'GET', invitesUrl));
    assert.ok(!listed.results.some((item) => item.id === made.id), 'a used invite is no longer pending');
  });

  it('refuses a revoked invite', async () => {
    const admin = await createSignedInUser(env(), { level: 'admin' });
    const made = await invite(env(), admin.browser);
    const revoked = await asBrowser(env(), admin.browser, 'DELETE', `${invitesUrl}${made.id}/`);
    assert.equal(revoked.statusCode, 204);
    assert.equal((await visit(env(), made.id)).body, NOT_VALID);
    assert.equal((await accept(env(), made.id, { first_name: 'G', password: STRONG_PASSWORD })).body, NOT_VALID);
  });

  it('refuses an invite older than 3 days, and creates no one', async () => {
    const admin = await createSignedInUser(env(), { level: 'admin' });
    const made = await invite(env(), admin.browser);
    env().clock.advance(THREE_DAYS + 1000);
    assert.equal((await visit(env(), made.id)).body, EXPIRED);
    const listed = json<{ results: InviteBody[] }>(await asBrowser(env(), admin.browser, 'GET', invitesUrl));
    assert.equal(listed.results.find((item) => item.id === made.id)?.is_expired, true);
    assert.equal((await accept(env(), made.id, { first_name: 'Late', password: STRONG_PASSWORD })).body, EXPIRED);
    const login = await env().app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { email: made.target_email, password: STRONG_PASSWORD },
    });
    assert.equal(login.statusCode, 400);
  });

  it('needs a first name and a strong password from a new user', async () => {
    const admin = await createSignedInUser(env(), { level: 'admin' });
    const made = await invite(env(), admin.browser);
    assert.equal(
      (await accept(env(), made.id, { password: STRONG_PASSWORD })).body,
      invalid('This field is required.', 'required', 'first_name'),
    );
    assert.equal(
      (await accept(env(), made.id, { first_name: 'G' })).body,
      invalid('This field is required.', 'required', 'password'),
    );
    assert.equal(
      (await accept(env(), made.id, { first_name: 'G', password: 'password1' })).body,
      invalid('This password is too weak.', 'password_too_weak', 'password'),
    );
    assert.equal((await visit(env(), made.id)).statusCode, 200, 'the invite is still there');
  });

  it('tells a visitor whose address already has an account to sign in, and lets that user join signed in', async () => {
    const admin = await createSignedInUser(env(), { level: 'admin' });
    const otherOrg = await env().accounts.createOrganization('Elsewhere');
    const existing = await createSignedInUser(env(), { org: otherOrg.id });
    const made = await invite(env(), admin.browser, { target_email: existing.email });
    assert.equal((await visit(env(), made.id)).body, invalid(`/login?next=/signup/${made.id}`, 'account_exists'));
    const anonymous = await accept(env(), made.id, { first_name: 'G', password: STRONG_PASSWORD });
    assert.equal(
      anonymous.body,
      invalid(`There already exists an account with email address ${existing.email}. Please log in instead.`),
    );
    const stranger = await createSignedInUser(env(), { org: otherOrg.id });
    const wrongUser = await env().app.inject({
      method: 'POST',
      url: `/api/signup/${made.id}/`,
      headers: stranger.browser.headers(),
      payload: {},
    });
    assert.equal(wrongUser.body, invalid('This invite is intended for another email address.', 'invalid_recipient'));
    const joined = await env().app.inject({
      method: 'POST',
      url: `/api/signup/${made.id}/`,
      headers: existing.browser.headers(),
      payload: {},
    });
    assert.equal(joined.statusCode, 201, joined.body);
    const page = json<{ results: Array<{ user: { id: number } }> }>(
      await asBrowser(env(), admin.browser, 'GET', '/api/organizations/@current/members/'),
    );
    assert.ok(page.results.some((member) => member.user.id === existing.id));
  });

  it('needs the CSRF token from a signed-in visitor', async () => {
    const admin = await createSignedInUser(env(), { level: 'admin' });
    const visitor = await createSignedInUser(env(), { org: (await env().accounts.createOrganization('O')).id });
    const made = await invite(env(), admin.browser, { target_email: visitor.email });
    const response = await env().app.inject({
      method: 'POST',
      url: `/api/signup/${made.id}/`,
      headers: { cookie: visitor.browser.cookie },
      payload: {},
    });
    assert.equal(response.statusCode, 403);
    assert.match(response.body, /CSRF token missing/);
  });
});
