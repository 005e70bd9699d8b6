import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

const PROJECT_BASIC_KEYS = [
  'id',
  'uuid',
  'organization',
  'api_token',
  'name',
  'completed_snippet_onboarding',
  'has_completed_onboarding_for',
  'ingested_event',
  'is_demo',
  'timezone',
  'access_control',
];

interface ProjectPage {
  count: number;
  next: string | null;
  previous: string | null;
  results: Array<Record<string, unknown>>;
}

const HOST = { host: 'testserver' };

function assertPermissionDenied(response: LightMyRequestResponse, detail: string): void {
  assert.equal(response.statusCode, 403, response.body);
  assert.equal(
    response.body,
    JSON.stringify({ type: 'authentication_error', code: 'permission_denied', detail, attr: null }),
  );
}

/** A fresh organization with `projects` projects (in id order) and a member with a "*" key. */
async function organizationWithProjects(env: TestEnv, projects: number, timezone?: string) {
  const org = await env.accounts.createOrganization('Listed organization');
  const created = [];
  for (let i = 0; i < projects; i++) {
    created.push(await env.accounts.createProject({ name: `Listed ${i}`, organizationId: org.id, timezone }));
  }
  const member = await env.createUser({ org: org.id });
  return { org, projects: created, member };
}

type JsonNode = null | boolean | number | string | JsonNode[] | { [key: string]: JsonNode };

const isObject = (node: JsonNode | undefined): node is { [key: string]: JsonNode } =>
  typeof node === 'object' && node !== null && !Array.isArray(node);

/** Every parameter and every schema property of the document that has no description, by path. */
function undescribed(node: JsonNode, path: string, missing: string[]): string[] {
  if (Array.isArray(node)) {
    for (const [index, child] of node.entries()) undescribed(child, `${path}[${index}]`, missing);
    return missing;
  }
  if (!isObject(node)) return missing;
  const properties = node.properties;
  if (isObject(properties)) {
    for (const [name, schema] of Object.entries(properties)) {
      if (!isObject(schema) || typeof schema.description !== 'string' || schema.description.trim() === '')
        missing.push(`${path}.properties.${name}`);
    }
  }
  const parameters = node.parameters;
  if (Array.isArray(parameters)) {
    parameters.forEach((parameter, index) => {
      const described =
        isObject(parameter) &&
        (typeof parameter.description === 'string' ||
          (isObject(parameter.schema) && typeof parameter.schema.description === 'string'));
      if (!described) missing.push(`${path}.parameters[${index}]`);
    });
  }
  for (const [key, child] of Object.entries(node)) undescribed(child, `${path}.${key}`, missing);
  return missing;
}

describeEachEngine('projects, users, health and schema endpoints', (env) => {
  it('lists the reachable projects with PostHog’s page shape and item keys in order', async () => {
    const { org, projects, member } = await organizationWithProjects(env(), 2, 'Europe/Berlin');
    const response = await env().request({ method: 'GET', url: '/api/projects/', key: member.key });
    assert.equal(response.statusCode, 200, response.body);
    const page = json<ProjectPage>(response);
    assert.deepEqual(Object.keys(page), ['count', 'next', 'previous', 'results']);
    assert.equal(page.count, 2);
    assert.equal(page.next, null);
    assert.equal(page.previous, null);
    assert.deepEqual(
      page.results.map((item) => item.id),
      projects.map((project) => project.id),
    );
    const [first] = page.results;
    assert.deepEqual(Object.keys(first), PROJECT_BASIC_KEYS);
    assert.deepEqual(first, {
      id: projects[0].id,
      uuid: projects[0].uuid,
      organization: org.id,
      api_token: projects[0].apiToken,
      name: 'Listed 0',
      completed_snippet_onboarding: false,
      has_completed_onboarding_for: null,
      ingested_event: false,
      is_demo: false,
      timezone: 'Europe/Berlin',
      access_control: false,
    });
    assert.match(String(first.api_token), /^phc_/);
  });

  it('never lists projects of organizations the user does not belong to', async () => {
    const { projects } = await organizationWithProjects(env(), 1);
    const response = await env().request({ method: 'GET', url: '/api/projects/' });
    assert.equal(response.statusCode, 200, response.body);
    const ids = json<ProjectPage>(response).results.map((item) => item.id);
    assert.ok(ids.includes(env().project.id));
    assert.ok(!ids.includes(projects[0].id));
  });

  it('limits the list to the key’s organizations when the key is limited to some', async () => {
    const { org, projects, member } = await organizationWithProjects(env(), 1);
    await env().accounts.addMembership(member.id, env().org.id, 'member');
    const everywhere = await env().request({ method: 'GET', url: '/api/projects/', key: member.key });
    const allIds = json<ProjectPage>(everywhere).results.map((item) => item.id);
    assert.ok(allIds.includes(env().project.id) && allIds.includes(projects[0].id), everywhere.body);

    const key = await env().createKey(member.email, ['project:read'], { orgs: [org.id] });
    const limited = await env().request({ method: 'GET', url: '/api/projects/', key });
    assert.equal(limited.statusCode, 200, limited.body);
    const page = json<ProjectPage>(limited);
    assert.equal(page.count, 1);
    assert.deepEqual(
      page.results.map((item) => item.id),
      [projects[0].id],
    );
  });

  it('paginates the list with limit/offset and absolute, sorted next/previous links', async () => {
    const { member } = await organizationWithProjects(env(), 3);
    const first = json<ProjectPage>(
      await env().request({ method: 'GET', url: '/api/projects/?limit=1', key: member.key, headers: HOST }),
    );
    assert.equal(first.count, 3);
    assert.equal(first.results.length, 1);
    assert.equal(first.next, 'http://testserver/api/projects/?limit=1&offset=1');
    assert.equal(first.previous, null);

    const middle = json<ProjectPage>(
      await env().request({ method: 'GET', url: '/api/projects/?offset=1&limit=1', key: member.key, headers: HOST }),
    );
    assert.equal(middle.next, 'http://testserver/api/projects/?limit=1&offset=2');
    assert.equal(middle.previous, 'http://testserver/api/projects/?limit=1');

    const last = json<ProjectPage>(
      await env().request({ method: 'GET', url: '/api/projects/?limit=1&offset=2', key: member.key, headers: HOST }),
    );
    assert.equal(last.next, null);
    assert.equal(last.previous, 'http://testserver/api/projects/?limit=1&offset=1');
    assert.deepEqual(
      [first, middle, last].map((page) => page.results[0].name),
      ['Listed 0', 'Listed 1', 'Listed 2'],
    );
  });

  it('answers 403 for a project-limited key on the projects list', async () => {
    const limited = await env().createUser({ projects: [env().project.id] });
    const response = await env().request({ method: 'GET', url: '/api/projects/', key: limited.key });
    assertPermissionDenied(response, 'API keys with scoped projects are only supported on project-based endpoints.');
  });

  it('requires project:read on the projects endpoints', async () => {
    const reader = await env().createUser({ scopes: ['notebook:read'] });
    const expected = "API key missing required scope 'project:read'";
    assertPermissionDenied(await env().request({ method: 'GET', url: '/api/projects/', key: reader.key }), expected);
    assertPermissionDenied(
      await env().request({ method: 'GET', url: `/api/projects/${env().project.id}/`, key: reader.key }),
      expected,
    );
    const projectReader = await env().createUser({ scopes: ['project:read'] });
    const allowed = await env().request({
      method: 'GET',
      url: `/api/projects/${env().project.id}/`,
      key: projectReader.key,
    });
    assert.equal(allowed.statusCode, 200, allowed.body);
  });

  it('retrieves one project with the basic fields, its creation time and the caller’s membership level', async () => {
    const response = await env().request({ method: 'GET', url: `/api/projects/${env().project.id}/` });
    assert.equal(response.statusCode, 200, response.body);
    const project = json(response);
    for (const key of [...PROJECT_BASIC_KEYS, 'created_at', 'effective_membership_level'])
      assert.ok(key in project, `missing ${key}`);
    assert.equal(project.id, env().project.id);
    assert.equal(project.name, 'Test project');
    assert.equal(project.organization, env().org.id);
    assert.equal(project.effective_membership_level, 15);
    assert.match(String(project.created_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/);

    const member = await env().createUser({ level: 'member' });
    const asMember = json(
      await env().request({ method: 'GET', url: `/api/projects/${env().project.id}/`, key: member.key }),
    );
    assert.equal(asMember.effective_membership_level, 1);
    const admin = await env().createUser({ level: 'admin' });
    const asAdmin = json(
      await env().request({ method: 'GET', url: `/api/projects/${env().project.id}/`, key: admin.key }),
    );
    assert.equal(asAdmin.effective_membership_level, 8);
  });

  it('resolves /api/projects/@current/ to the key’s single project, else the lowest-id reachable one', async () => {
    const { projects, member } = await organizationWithProjects(env(), 2);
    const lowest = json(await env().request({ method: 'GET', url: '/api/projects/@current/', key: member.key }));
    assert.equal(lowest.id, projects[0].id);
    const key = await env().createKey(member.email, ['*'], { projects: [projects[1].id] });
    const limited = json(await env().request({ method: 'GET', url: '/api/projects/@current/', key }));
    assert.equal(limited.id, projects[1].id);
  });

  it('answers 404 for an unknown project and 403 for a project of another organization', async () => {
    const unknown = await env().request({ method: 'GET', url: '/api/projects/424242/' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(
      unknown.body,
      JSON.stringify({ type: 'invalid_request', code: 'not_found', detail: 'Project not found.', attr: null }),
    );
    const { projects } = await organizationWithProjects(env(), 1);
    assertPermissionDenied(
      await env().request({ method: 'GET', url: `/api/projects/${projects[0].id}/` }),
      "You don't have access to the project.",
    );
  });

  it('answers 403 naming the project when a project-limited key asks for another project', async () => {
    const second = await env().accounts.createProject({ name: 'Another', organizationId: env().org.id });
    const limited = await env().createUser({ projects: [second.id] });
    const own = await env().request({ method: 'GET', url: `/api/projects/${second.id}/`, key: limited.key });
    assert.equal(own.statusCode, 200, own.body);
    const other = await env().request({ method: 'GET', url: `/api/projects/${env().project.id}/`, key: limited.key });
    assertPermissionDenied(other, `API key does not have access to the requested project: ID ${env().project.id}.`);
  });

  it('returns the caller from /api/users/@me/', async () => {
    const user = await env().createUser({ level: 'admin', firstName: 'Ada' });
    const response = await env().request({ method: 'GET', url: '/api/users/@me/', key: user.key });
    assert.equal(response.statusCode, 200, response.body);
    const me = json<{
      id: number;
      uuid: string;
      email: string;
      first_name: string;
      organizations: Array<{ id: string; membership_level: number }>;
    }>(response);
    assert.equal(me.id, user.id);
    assert.equal(me.uuid, user.uuid);
    assert.equal(me.email, user.email);
    assert.equal(me.first_name, 'Ada');
    assert.deepEqual(
      me.organizations.map((org) => [org.id, org.membership_level]),
      [[env().org.id, 8]],
    );
  });

  it('serves /api/users/@me/ to a project-limited key and an organization-limited key', async () => {
    const user = await env().createUser({ scopes: ['user:read'], projects: [env().project.id] });
    const byProject = await env().request({ method: 'GET', url: '/api/users/@me/', key: user.key });
    assert.equal(byProject.statusCode, 200, byProject.body);
    const orgKey = await env().createKey(user.email, ['user:read'], { orgs: [env().org.id] });
    const byOrg = await env().request({ method: 'GET', url: '/api/users/@me/', key: orgKey });
    assert.equal(byOrg.statusCode, 200, byOrg.body);
  });

  it('requires user:read (or "*") on /api/users/@me/', async () => {
    const reader = await env().createUser({ scopes: ['notebook:read'] });
    assertPermissionDenied(
      await env().request({ method: 'GET', url: '/api/users/@me/', key: reader.key }),
      "API key missing required scope 'user:read'",
    );
    const writer = await env().createUser({ scopes: ['user:write'] });
    assert.equal((await env().request({ method: 'GET', url: '/api/users/@me/', key: writer.key })).statusCode, 200);
    const star = await env().createUser({ scopes: ['*'] });
    assert.equal((await env().request({ method: 'GET', url: '/api/users/@me/', key: star.key })).statusCode, 200);
  });

  it('answers 403 with the @me message for another user’s uuid', async () => {
    const other = await env().createUser();
    const response = await env().request({ method: 'GET', url: `/api/users/${other.uuid}/` });
    assertPermissionDenied(response, "As a non-staff user you're only allowed to access the `@me` user instance.");
  });

  it('answers 401 on the accounts endpoints without credentials', async () => {
    for (const url of ['/api/projects/', `/api/projects/${env().project.id}/`, '/api/users/@me/']) {
      const response = await env().request({ method: 'GET', url, key: null });
      assert.equal(response.statusCode, 401, url);
    }
  });

  it('answers 200 on /_health and /_readyz without credentials', async () => {
    const health = await env().request({ method: 'GET', url: '/_health', key: null });
    assert.equal(health.statusCode, 200, health.body);
    const ready = await env().request({ method: 'GET', url: '/_readyz', key: null });
    assert.equal(ready.statusCode, 200, ready.body);
  });

  it('publishes an OpenAPI 3.1 document with every notebook route and its operationId', async () => {
    const response = await env().request({ method: 'GET', url: '/api/schema/', key: null });
    assert.equal(response.statusCode, 200, response.body);
    const document = json<{
      openapi: string;
      paths: Record<string, Record<string, { operationId?: string; description?: string }>>;
    }>(response);
    assert.match(document.openapi, /^3\.1\./);
    const notebooks = '/api/projects/{project_id}/notebooks';
    const expected: Array<[string, string, string]> = [
      [notebooks, 'get', 'notebooks_list'],
      [notebooks, 'post', 'notebooks_create'],
      [`${notebooks}/activity`, 'get', 'notebooks_all_activity_retrieve'],
      [`${notebooks}/recording_comments`, 'get', 'notebooks_recording_comments_retrieve'],
      [`${notebooks}/{short_id}`, 'get', 'notebooks_retrieve'],
      [`${notebooks}/{short_id}`, 'patch', 'notebooks_partial_update'],
      [`${notebooks}/{short_id}`, 'put', 'notebooks_update'],
      [`${notebooks}/{short_id}`, 'delete', 'notebooks_destroy'],
      [`${notebooks}/{short_id}/activity`, 'get', 'notebooks_activity_retrieve'],
    ];
    // Either spelling of a path is fine: every route matches with and without the trailing slash.
    const paths = new Map(Object.entries(document.paths).map(([path, methods]) => [path.replace(/\/$/, ''), methods]));
    for (const [path, method, operationId] of expected) {
      const operation = paths.get(path)?.[method];
      assert.ok(operation, `${method.toUpperCase()} ${path} is not documented`);
      assert.equal(operation.operationId, operationId);
      assert.ok(operation.description && operation.description.length > 0, `${operationId} has no description`);
    }
    const operationIds = Object.values(document.paths).flatMap((methods) =>
      Object.values(methods).map((operation) => operation.operationId),
    );
    assert.equal(new Set(operationIds).size, operationIds.length, 'operationIds are not unique');
  });

  it('publishes the account routes: sign-in, keys, the user, organizations, members, invites, projects', async () => {
    const response = await env().request({ method: 'GET', url: '/api/schema/', key: null });
    const document = json<{ paths: Record<string, Record<string, { operationId?: string }>> }>(response);
    const operations = new Map(
      Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => [
          operation.operationId,
          `${method.toUpperCase()} ${path.replace(/\/$/, '')}`,
        ]),
      ),
    );
    const expected: Array<[string, string]> = [
      ['login_create', 'POST /api/login'],
      ['logout_create', 'POST /logout'],
      ['signup_retrieve', 'GET /api/signup/{invite_id}'],
      ['signup_create', 'POST /api/signup/{invite_id}'],
      ['personal_api_keys_list', 'GET /api/personal_api_keys'],
      ['personal_api_keys_create', 'POST /api/personal_api_keys'],
      ['personal_api_keys_retrieve', 'GET /api/personal_api_keys/{id}'],
      ['personal_api_keys_partial_update', 'PATCH /api/personal_api_keys/{id}'],
      ['personal_api_keys_update', 'PUT /api/personal_api_keys/{id}'],
      ['personal_api_keys_destroy', 'DELETE /api/personal_api_keys/{id}'],
      ['personal_api_keys_roll_create', 'POST /api/personal_api_keys/{id}/roll'],
      ['users_partial_update', 'PATCH /api/users/{uuid}'],
      ['organizations_retrieve', 'GET /api/organizations/{organization_id}'],
      ['members_list', 'GET /api/organizations/{organization_id}/members'],
      ['members_partial_update', 'PATCH /api/organizations/{organization_id}/members/{user_uuid}'],
      ['members_destroy', 'DELETE /api/organizations/{organization_id}/members/{user_uuid}'],
      ['invites_list', 'GET /api/organizations/{organization_id}/invites'],
      ['invites_create', 'POST /api/organizations/{organization_id}/invites'],
      ['invites_destroy', 'DELETE /api/organizations/{organization_id}/invites/{invite_id}'],
      ['create', 'POST /api/projects'],
      ['partial_update', 'PATCH /api/projects/{project_id}'],
    ];
    for (const [operationId, route] of expected) assert.equal(operations.get(operationId), route, operationId);
  });

  it('describes every parameter and every property in the OpenAPI document', async () => {
    const response = await env().request({ method: 'GET', url: '/api/schema/', key: null });
    const document = json<JsonNode>(response);
    assert.deepEqual(undescribed(document, '$', []), []);
  });

  it('serves Swagger UI as HTML at /api/schema/swagger-ui/', async () => {
    const response = await env().request({ method: 'GET', url: '/api/schema/swagger-ui/', key: null });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/html/);
    assert.match(response.body, /<html/i);
    assert.match(response.body, /swagger/i);
  });
});
