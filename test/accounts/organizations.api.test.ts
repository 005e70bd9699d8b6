import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createSignedInUser, type SignedIn } from '../support/factories.ts';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

// /api/organizations/@current/ and its members, as PostHog's organization and member viewsets.

const MEMBER_FIELDS = [
  'id',
  'user',
  'level',
  'joined_at',
  'updated_at',
  'is_2fa_enabled',
  'has_social_auth',
  'last_login',
];
const USER_BASIC_FIELDS = [
  'id',
  'uuid',
  'distinct_id',
  'first_name',
  'last_name',
  'email',
  'is_email_verified',
  'hedgehog_config',
  'role_at_organization',
];

interface MemberBody {
  id: string;
  user: { id: number; uuid: string; email: string };
  level: number;
  last_login: string | null;
}

const denied = (detail: string) =>
  JSON.stringify({ type: 'authentication_error', code: 'permission_denied', detail, attr: null });

function asBrowser(
  env: TestEnv,
  browser: SignedIn,
  method: 'GET' | 'PATCH' | 'DELETE',
  url: string,
  payload?: Record<string, unknown>,
): Promise<LightMyRequestResponse> {
  return env.request({ method, url, key: null, headers: browser.headers(), payload });
}

/** A fresh organization with its own owner (signed in), so that each test controls who belongs. */
async function freshOrganization(env: TestEnv) {
  const organization = await env.accounts.createOrganization('Acme');
  const project = await env.accounts.createProject({ name: 'Acme web', organizationId: organization.id });
  const owner = await createSignedInUser(env, { org: organization.id, level: 'owner' });
  const join = (level: 'member' | 'admin' | 'owner') => createSignedInUser(env, { org: organization.id, level });
  return { organization, project, owner, join };
}

const membersUrl = '/api/organizations/@current/members/';

describeEachEngine('the current organization', (env) => {
  it('shows the caller’s organization with its projects and member count', async () => {
    const { organization, owner, join } = await freshOrganization(env());
    await join('member');
    const response = await asBrowser(env(), owner.browser, 'GET', '/api/organizations/@current/');
    assert.equal(response.statusCode, 200, response.body);
    const body = json(response);
    assert.equal(body.id, organization.id);
    assert.equal(body.name, 'Acme');
    assert.equal(body.slug, 'acme');
    assert.equal(body.membership_level, 15);
    assert.equal(body.member_count, 2);
    assert.deepEqual(
      (body.projects as Array<{ name: string }>).map((project) => project.name),
      ['Acme web'],
    );
    const byId = await asBrowser(env(), owner.browser, 'GET', `/api/organizations/${organization.id}/`);
    assert.equal(byId.statusCode, 200);
  });

  it('answers 404 for an unknown organization and 403 for one the caller is not in', async () => {
    const { owner } = await freshOrganization(env());
    const unknown = await asBrowser(
      env(),
      owner.browser,
      'GET',
      '/api/organizations/01900000-0000-7000-8000-000000000000/',
    );
    assert.equal(unknown.statusCode, 404);
    const other = await asBrowser(env(), owner.browser, 'GET', `/api/organizations/${env().org.id}/`);
    assert.equal(other.statusCode, 403);
    assert.equal(other.body, denied('You do not have permission to perform this action.'));
  });

  it('applies scopes and key limits to keys', async () => {
    const { organization, project } = await freshOrganization(env());
    const reader = await env().createUser({ org: organization.id, scopes: ['notebook:read'] });
    const noScope = await env().request({ method: 'GET', url: '/api/organizations/@current/', key: reader.key });
    assert.equal(noScope.body, denied("API key missing required scope 'organization:read'"));
    const projectKey = await env().createKey(reader.email, ['*'], { projects: [project.id] });
    const limited = await env().request({ method: 'GET', url: '/api/organizations/@current/', key: projectKey });
    assert.equal(limited.body, denied('API keys with scoped projects are only supported on project-based endpoints.'));
    const orgKey = await env().createKey(reader.email, ['organization:read']);
    assert.equal(
      (await env().request({ method: 'GET', url: '/api/organizations/@current/', key: orgKey })).statusCode,
      200,
    );
  });
});

describeEachEngine('organization members', (env) => {
  it('lists the active members with PostHog’s fields, by level then newest, deactivated ones left out', async () => {
    const { owner, join } = await freshOrganization(env());
    const firstMember = await join('member');
    const admin = await join('admin');
    const secondMember = await join('member');
    const gone = await join('member');
    await env().accounts.setUserActive(gone.email, false);
    const response = await asBrowser(env(), owner.browser, 'GET', membersUrl);
    assert.equal(response.statusCode, 200, response.body);
    const page = json<{ count: number; next: null; previous: null; results: MemberBody[] }>(response);
    assert.deepEqual(Object.keys(page), ['count', 'next', 'previous', 'results']);
    assert.equal(page.count, 4);
    assert.deepEqual(
      page.results.map((member) => member.user.id),
      [secondMember.id, firstMember.id, admin.id, owner.id],
    );
    assert.deepEqual(Object.keys(page.results[0]), MEMBER_FIELDS);
    assert.deepEqual(Object.keys(page.results[0].user), USER_BASIC_FIELDS);
    assert.match(page.results[0].id, /^[0-9a-f-]{36}$/);
    assert.match(String(page.results[3].last_login), /^\d{4}-/, 'the owner signed in');
  });

  it('pages with limit and offset', async () => {
    const { owner, join } = await freshOrganization(env());
    await join('member');
    const response = await asBrowser(env(), owner.browser, 'GET', `${membersUrl}?limit=1`);
    const page = json<{ count: number; next: string | null; results: unknown[] }>(response);
    assert.equal(page.results.length, 1);
    assert.match(String(page.next), /limit=1&offset=1$/);
  });

  it('lets an admin change a member’s level, within PostHog’s rules', async () => {
    const { owner, join } = await freshOrganization(env());
    const admin = await join('admin');
    const member = await join('member');
    const promoted = await asBrowser(env(), admin.browser, 'PATCH', `${membersUrl}${member.uuid}/`, { level: 8 });
    assert.equal(promoted.statusCode, 200, promoted.body);
    assert.equal(json<MemberBody>(promoted).level, 8);
    const cases: Array<[SignedIn, string, Record<string, unknown>, string]> = [
      [
        admin.browser,
        member.uuid,
        { level: 15 },
        "You can only make another member owner if you're this organization's owner.",
      ],
      [admin.browser, admin.uuid, { level: 1 }, "You can't change your own access level."],
      [admin.browser, owner.uuid, { level: 1 }, 'You can only edit others with level lower or equal to you.'],
    ];
    for (const [browser, uuid, payload, detail] of cases) {
      const response = await asBrowser(env(), browser, 'PATCH', `${membersUrl}${uuid}/`, payload);
      assert.equal(response.statusCode, 403, detail);
      assert.equal(response.body, denied(detail));
    }
    const plain = await join('member');
    const byMember = await asBrowser(env(), plain.browser, 'PATCH', `${membersUrl}${member.uuid}/`, { level: 1 });
    assert.equal(byMember.body, denied('You can only edit others if you are an admin.'));
    const invalid = await asBrowser(env(), owner.browser, 'PATCH', `${membersUrl}${member.uuid}/`, { level: 3 });
    assert.equal(
      invalid.body,
      '{"type":"validation_error","code":"invalid_choice","detail":"\\"3\\" is not a valid choice.","attr":"level"}',
    );
  });

  it('lets an owner make another owner, and never leaves the organization without one', async () => {
    const { owner, join } = await freshOrganization(env());
    const admin = await join('admin');
    const made = await asBrowser(env(), owner.browser, 'PATCH', `${membersUrl}${admin.uuid}/`, { level: 15 });
    assert.equal(json<MemberBody>(made).level, 15);
    const demoted = await asBrowser(env(), admin.browser, 'PATCH', `${membersUrl}${owner.uuid}/`, { level: 8 });
    assert.equal(demoted.statusCode, 200, 'two owners: one may demote the other');
    const last = await asBrowser(env(), owner.browser, 'PATCH', `${membersUrl}${admin.uuid}/`, { level: 8 });
    assert.equal(last.statusCode, 403, 'an admin cannot touch the last owner');
    const self = await asBrowser(env(), admin.browser, 'PATCH', `${membersUrl}${admin.uuid}/`, { level: 8 });
    assert.equal(self.body, denied("You can't change your own access level."));
  });

  it('keeps an owner when two owners demote each other at once', async () => {
    const { owner, join } = await freshOrganization(env());
    const second = await join('owner');
    const [one, two] = await Promise.all([
      asBrowser(env(), owner.browser, 'PATCH', `${membersUrl}${second.uuid}/`, { level: 8 }),
      asBrowser(env(), second.browser, 'PATCH', `${membersUrl}${owner.uuid}/`, { level: 8 }),
    ]);
    const statuses = [one.statusCode, two.statusCode].sort();
    assert.equal(statuses[0], 200);
    assert.ok([400, 403].includes(statuses[1]), `the other is refused: ${one.body} ${two.body}`);
    const page = json<{ results: MemberBody[] }>(await asBrowser(env(), owner.browser, 'GET', membersUrl));
    assert.equal(page.results.filter((member) => member.level === 15).length, 1);
  });

  it('removes a member (admins), lets a member leave, and never removes an owner', async () => {
    const { owner, join } = await freshOrganization(env());
    const admin = await join('admin');
    const member = await join('member');
    const leaver = await join('member');
    const removed = await asBrowser(env(), admin.browser, 'DELETE', `${membersUrl}${member.uuid}/`);
    assert.equal(removed.statusCode, 204);
    assert.equal(removed.body, '');
    const left = await asBrowser(env(), leaver.browser, 'DELETE', `${membersUrl}@me/`);
    assert.equal(left.statusCode, 204);
    const byLeaver = await asBrowser(env(), leaver.browser, 'GET', '/api/organizations/@current/');
    assert.notEqual(byLeaver.statusCode, 200, 'who left no longer belongs');
    const plain = await join('member');
    const notAdmin = await asBrowser(env(), plain.browser, 'DELETE', `${membersUrl}${admin.uuid}/`);
    assert.equal(notAdmin.body, denied('You can only edit others if you are an admin.'));
    const ownerGone = await asBrowser(env(), owner.browser, 'DELETE', `${membersUrl}${owner.uuid}/`);
    assert.equal(ownerGone.statusCode, 400);
    assert.equal(
      ownerGone.body,
      '{"type":"validation_error","code":"invalid_input","detail":"Cannot leave the organization as its owner!","attr":null}',
    );
    const unknown = await asBrowser(env(), owner.browser, 'DELETE', `${membersUrl}${member.uuid}/`);
    assert.equal(unknown.statusCode, 404, 'a removed member is not found');
  });

  it('needs a recent sign-in to change or remove members', async () => {
    const { owner, join } = await freshOrganization(env());
    const member = await join('member');
    env().clock.advance(2 * 3600_000 + 1000);
    const response = await asBrowser(env(), owner.browser, 'PATCH', `${membersUrl}${member.uuid}/`, { level: 8 });
    assert.equal(response.statusCode, 403);
    assert.match(response.body, /sensitive_action_required_reauth/);
    assert.equal((await asBrowser(env(), owner.browser, 'GET', membersUrl)).statusCode, 200);
  });
});
