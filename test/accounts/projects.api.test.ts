import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createSignedInUser, type SignedIn } from '../support/factories.ts';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

// POST /api/projects/ and PATCH /api/projects/:id/, as PostHog's project viewset answers.

const denied = (detail: string) =>
  JSON.stringify({ type: 'authentication_error', code: 'permission_denied', detail, attr: null });

function asBrowser(
  env: TestEnv,
  browser: SignedIn,
  method: 'POST' | 'PATCH',
  url: string,
  payload: Record<string, unknown>,
): Promise<LightMyRequestResponse> {
  return env.request({ method, url, key: null, headers: browser.headers(), payload });
}

describeEachEngine('creating and changing projects', (env) => {
  it('lets an admin create a project in the current organization: 201 with the project', async () => {
    const admin = await createSignedInUser(env(), { level: 'admin' });
    const response = await asBrowser(env(), admin.browser, 'POST', '/api/projects/', { name: 'Mobile' });
    assert.equal(response.statusCode, 201, response.body);
    const project = json(response);
    assert.equal(project.name, 'Mobile');
    assert.equal(project.organization, env().org.id);
    assert.equal(project.timezone, 'UTC');
    assert.equal(project.effective_membership_level, 8);
    assert.match(String(project.api_token), /^phc_/);
    const notebooks = await env().request({
      method: 'GET',
      url: `/api/projects/${project.id}/notebooks/`,
      key: null,
      headers: { cookie: admin.browser.cookie },
    });
    assert.equal(notebooks.statusCode, 200, 'the new project is reachable');
  });

  it('refuses a member who creates a project, and a name that is missing, blank or too long', async () => {
    const member = await createSignedInUser(env());
    const refused = await asBrowser(env(), member.browser, 'POST', '/api/projects/', { name: 'Nope' });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.body, denied('Your organization access level is insufficient.'));
    const owner = await createSignedInUser(env(), { level: 'owner' });
    for (const [payload, code] of [
      [{}, 'required'],
      [{ name: ' ' }, 'blank'],
      [{ name: 'x'.repeat(201) }, 'max_length'],
    ] as const) {
      const response = await asBrowser(env(), owner.browser, 'POST', '/api/projects/', payload);
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
      assert.equal(json(response).code, code);
      assert.equal(json(response).attr, 'name');
    }
  });

  it('lets any member rename a project or set its time zone, which applies at once', async () => {
    const member = await createSignedInUser(env());
    const project = await env().accounts.createProject({ name: 'Before', organizationId: env().org.id });
    const url = `/api/projects/${project.id}/`;
    assert.equal(
      (await env().request({ method: 'GET', url, key: null, headers: { cookie: member.browser.cookie } })).statusCode,
      200,
    );
    const response = await asBrowser(env(), member.browser, 'PATCH', url, { name: 'After', timezone: 'Europe/Paris' });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(json(response).name, 'After');
    assert.equal(json(response).timezone, 'Europe/Paris');
    const again = await env().request({ method: 'GET', url, key: null, headers: { cookie: member.browser.cookie } });
    assert.equal(json(again).timezone, 'Europe/Paris');
    const invalid = await asBrowser(env(), member.browser, 'PATCH', url, { timezone: 'Mars/Olympus' });
    assert.equal(
      invalid.body,
      '{"type":"validation_error","code":"invalid_choice","detail":"\\"Mars/Olympus\\" is not a valid choice.","attr":"timezone"}',
    );
  });

  it('needs project:write from a key, and refuses a project-limited key on creation', async () => {
    const reader = await env().createUser({ level: 'owner', scopes: ['project:read'] });
    const read = await env().request({
      method: 'POST',
      url: '/api/projects/',
      key: reader.key,
      payload: { name: 'x' },
    });
    assert.equal(read.body, denied("API key missing required scope 'project:write'"));
    const limited = await env().createKey(reader.email, ['*'], { projects: [env().project.id] });
    const create = await env().request({ method: 'POST', url: '/api/projects/', key: limited, payload: { name: 'x' } });
    assert.equal(create.body, denied('API keys with scoped projects are only supported on project-based endpoints.'));
    const writer = await env().createKey(reader.email, ['project:write']);
    const made = await env().request({
      method: 'POST',
      url: '/api/projects/',
      key: writer,
      payload: { name: 'By key' },
    });
    assert.equal(made.statusCode, 201, made.body);
  });

  it('refuses to change a project of another organization', async () => {
    const member = await createSignedInUser(env());
    const otherOrg = await env().accounts.createOrganization('Other');
    const theirs = await env().accounts.createProject({ name: 'Theirs', organizationId: otherOrg.id });
    const response = await asBrowser(env(), member.browser, 'PATCH', `/api/projects/${theirs.id}/`, { name: 'Mine' });
    assert.equal(response.body, denied("You don't have access to the project."));
  });
});
