import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { STRONG_PASSWORD, signIn } from '../support/factories.ts';
import { json, type TestEnv } from '../support/harness.ts';
import type { AnswerPlan } from './api-answers.ts';

const DAY_MS = 24 * 3600 * 1000;

function expectStatus(response: LightMyRequestResponse, status: number): LightMyRequestResponse {
  assert.equal(response.statusCode, status, response.body);
  return response;
}

/**
 * Adds to a seeded environment what the account endpoints show: a second organization (its own
 * owner), a user of both who signed in (last_login) and made keys through the API, one of them
 * rolled, keys limited to an organization and to a project, invites in both organizations (one
 * expired), a member whose level changed, and a renamed project with a time zone. Every key of a
 * caller is used once, and its last use written, before anything is read. Returns the plan with
 * the new callers and organization, and the id of the second organization's project.
 */
export async function seedAccounts(env: TestEnv, plan: AnswerPlan): Promise<{ plan: AnswerPlan; project: number }> {
  const request = (method: 'POST' | 'PATCH', url: string, payload: object, key?: string) =>
    env.request({ method, url, payload, key });

  const organization = await env.accounts.createOrganization('Ørganisation två ✓');
  const project = await env.accounts.createProject({ name: 'Третий проект', organizationId: organization.id });
  const founder = await env.createUser({ org: organization.id, level: 'owner', firstName: 'Ørjan' });
  const founderLimited = await env.createKey(founder.email, ['*'], { orgs: [organization.id] });

  const zoe = await env.createUser({ level: 'member', password: STRONG_PASSWORD, firstName: 'Zoë' });
  // Before her key is first used: a key's caller, memberships included, is remembered for a while.
  await env.accounts.addMembership(zoe.id, organization.id, 'member');
  const zoeLimited = await env.createKey(
    zoe.email,
    ['notebook:read', 'project:read', 'organization:read', 'organization_member:read', 'user:read'],
    { projects: [plan.projects[1]] },
  );
  const browser = await signIn(env, zoe);
  const asZoe = (url: string, payload: object) =>
    env.request({ method: 'POST', url, payload, key: null, headers: browser.headers() });
  expectStatus(
    await asZoe('/api/personal_api_keys/', {
      label: 'Clé de Zoë ✓',
      scopes: ['notebook:read', 'activity_log:read'],
      scoped_teams: [plan.projects[0]],
      scoped_organizations: [],
    }),
    201,
  );
  const rolled = json<{ id: string }>(
    expectStatus(
      await asZoe('/api/personal_api_keys/', {
        label: 'rolled',
        scopes: ['*'],
        scoped_teams: [],
        scoped_organizations: [env.org.id],
      }),
      201,
    ),
  );
  expectStatus(await asZoe(`/api/personal_api_keys/${rolled.id}/roll/`, {}), 200);

  const invites = '/api/organizations/@current/invites/';
  expectStatus(await request('POST', invites, { target_email: 'Invitee@Example.COM', first_name: 'Ïnès' }), 201);
  expectStatus(await request('POST', invites, { target_email: 'admin-to-be@example.com', level: 8 }), 201);
  // Made four days ago, past the three an invite lasts: expired wherever it is read.
  env.clock.advance(-4 * DAY_MS);
  try {
    expectStatus(await request('POST', invites, { target_email: 'too-late@example.com' }), 201);
  } finally {
    env.clock.advance(4 * DAY_MS);
  }
  expectStatus(
    await request('POST', invites, { target_email: 'zoe-too@example.com', first_name: 'Zoë' }, founder.key),
    201,
  );
  expectStatus(await request('PATCH', `/api/organizations/@current/members/${zoe.uuid}/`, { level: 8 }), 200);
  expectStatus(
    await request('PATCH', `/api/projects/${plan.projects[1]}/`, {
      name: 'Second prøject ✓',
      timezone: 'Asia/Kolkata',
    }),
    200,
  );

  const callers = [
    ...plan.callers,
    { key: founder.key, userId: founder.id },
    { key: founderLimited, userId: founder.id },
    { key: zoe.key, userId: zoe.id },
    { key: zoeLimited, userId: zoe.id },
  ];
  for (const caller of callers)
    expectStatus(await env.request({ method: 'GET', url: '/api/personal_api_keys/@current/', key: caller.key }), 200);
  await env.services.background.drain();
  return { plan: { ...plan, callers, organizations: [...plan.organizations, organization.id] }, project: project.id };
}
