import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { Project } from '../../src/accounts/accounts.repository.ts';
import { describeEachEngine, json, type TestEnv, type TestUser } from '../support/harness.ts';

// Nothing leaks: every route × every way of being the wrong caller gets PostHog's exact status
// and body, and no answer to anyone ever carries another project's
// notebooks, activity or recording comments.

interface Envelope {
  type: string;
  code: string;
  detail: string;
  attr: string | null;
}

const notAuthenticated: Envelope = {
  type: 'authentication_error',
  code: 'not_authenticated',
  detail: 'Authentication credentials were not provided.',
  attr: null,
};
const authenticationFailed = (detail: string): Envelope => ({
  type: 'authentication_error',
  code: 'authentication_failed',
  detail,
  attr: null,
});
const permissionDenied = (detail: string): Envelope => ({
  type: 'authentication_error',
  code: 'permission_denied',
  detail,
  attr: null,
});
const notFound: Envelope = { type: 'invalid_request', code: 'not_found', detail: 'Not found.', attr: null };

const invalidKeyIn = (source: 'Authorization header' | 'body' | 'query string') =>
  authenticationFailed(`Personal API key found in request ${source} is invalid.`);
const noProjectAccess = permissionDenied("You don't have access to the project.");

const SHARED_RECORDING = 'shared-recording-0001';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

interface Route {
  name: string;
  method: Method;
  /** The URL on the home project, aiming at its notebook. */
  url(env: TestEnv, shortId: string): string;
  /** What a personal API key needs here (PostHog's scopes, with the README's deviation 7). */
  scope: string;
  /** Whether the URL names a project (key limits and membership apply to it). */
  projectScoped: boolean;
  body?: Record<string, unknown>;
}

const ROUTES: readonly Route[] = [
  { name: 'list', method: 'GET', url: (env) => env.url(), scope: 'notebook:read', projectScoped: true },
  {
    name: 'create',
    method: 'POST',
    url: (env) => env.url(),
    scope: 'notebook:write',
    projectScoped: true,
    body: { title: 'Should never be written' },
  },
  { name: 'retrieve', method: 'GET', url: (env, s) => env.url(`${s}/`), scope: 'notebook:read', projectScoped: true },
  {
    name: 'partial_update',
    method: 'PATCH',
    url: (env, s) => env.url(`${s}/`),
    scope: 'notebook:write',
    projectScoped: true,
    body: { title: 'Should never be written' },
  },
  {
    name: 'update',
    method: 'PUT',
    url: (env, s) => env.url(`${s}/`),
    scope: 'notebook:write',
    projectScoped: true,
    body: { title: 'Should never be written' },
  },
  {
    name: 'destroy',
    method: 'DELETE',
    url: (env, s) => env.url(`${s}/`),
    scope: 'notebook:write',
    projectScoped: true,
  },
  {
    name: 'all_activity',
    method: 'GET',
    url: (env) => env.url('activity/'),
    scope: 'activity_log:read',
    projectScoped: true,
  },
  {
    name: 'activity',
    method: 'GET',
    url: (env, s) => env.url(`${s}/activity/`),
    scope: 'activity_log:read',
    projectScoped: true,
  },
  {
    name: 'recording_comments',
    method: 'GET',
    url: (env) => env.url(`recording_comments/?recording_id=${SHARED_RECORDING}`),
    scope: 'notebook:read',
    projectScoped: true,
  },
  { name: 'projects', method: 'GET', url: () => '/api/projects/', scope: 'project:read', projectScoped: false },
  {
    name: 'project',
    method: 'GET',
    url: (env) => `/api/projects/${env.project.id}/`,
    scope: 'project:read',
    projectScoped: true,
  },
  { name: 'me', method: 'GET', url: () => '/api/users/@me/', scope: 'user:read', projectScoped: false },
];

/** The answer a caller must get: an exact error, or a success whose body is checked for leaks. */
type Expected = { status: number; body: Envelope } | { status: 200 };

interface Credential {
  name: string;
  /** Headers, query parameters or body fields that carry the credential. */
  apply(route: Route): { headers: Record<string, string>; query?: string; body?: Record<string, unknown> };
  expect(route: Route): Expected;
  /** Only for routes with a body. */
  needsBody?: boolean;
}

/** A project with a notebook carrying markers that must never appear anywhere else. */
interface SeededProject {
  project: Project;
  shortIds: string[];
  markers: string[];
}

interface World {
  home: SeededProject;
  sameOrg: SeededProject;
  otherOrg: SeededProject;
  otherOrgName: string;
  otherOrgMember: TestUser;
  sameOrgOnlyKey: string;
  deactivatedKey: string;
  noScopeKey: string;
  otherOrgLimitedKey: string;
}

function assertExact(response: LightMyRequestResponse, status: number, body: Envelope, where: string): void {
  assert.equal(response.statusCode, status, `${where}: ${response.body}`);
  assert.equal(response.headers['content-type'], 'application/json', where);
  assert.equal(response.body, JSON.stringify(body), where);
}

function assertNoneOf(response: LightMyRequestResponse, markers: readonly string[], where: string): void {
  for (const marker of markers)
    assert.ok(!response.body.includes(marker), `${where} leaked "${marker}": ${response.body.slice(0, 500)}`);
}

/** A TipTap document that embeds the shared recording and comments on it. */
function recordingDocument(comment: string) {
  return {
    type: 'doc',
    content: [
      { type: 'ph-recording', attrs: { id: SHARED_RECORDING } },
      {
        type: 'paragraph',
        content: [
          { type: 'ph-replay-timestamp', attrs: { sessionRecordingId: SHARED_RECORDING, playbackTime: 42 } },
          { type: 'text', text: comment },
        ],
      },
    ],
  };
}

/**
 * Seeds one project through the API with the given key: a notebook whose title, text and
 * recording comment carry a unique tag, an update and a soft delete + restore (activity), and a
 * second notebook.
 */
async function seedProject(env: TestEnv, project: Project, key: string, tag: string): Promise<SeededProject> {
  const unique = `${tag}${randomBytes(4).toString('hex')}`;
  const markers = [`Title${unique}`, `Text${unique}`, `Comment${unique}`, `Renamed${unique}`, `Second${unique}`];
  const create = async (body: Record<string, unknown>) => {
    const response = await env.request({ method: 'POST', url: env.url('', project.id), key, payload: body });
    assert.equal(response.statusCode, 201, response.body);
    return json<{ short_id: string; version: number }>(response);
  };
  const first = await create({
    title: `Title${unique} notebook`,
    text_content: `Text${unique} body`,
    content: recordingDocument(`Comment${unique}`),
  });
  const second = await create({ title: `Second${unique}` });
  const patch = async (shortId: string, body: Record<string, unknown>) => {
    const response = await env.request({
      method: 'PATCH',
      url: env.url(`${shortId}/`, project.id),
      key,
      payload: body,
    });
    assert.equal(response.statusCode, 200, response.body);
  };
  await patch(first.short_id, { title: `Renamed${unique} Title${unique} notebook` });
  await patch(second.short_id, { deleted: true });
  await patch(second.short_id, { deleted: false });
  return {
    project,
    shortIds: [first.short_id, second.short_id],
    markers: [...markers, first.short_id, second.short_id],
  };
}

async function buildWorld(env: TestEnv): Promise<World> {
  const sameOrgProject = await env.accounts.createProject({
    name: 'Same organization project',
    organizationId: env.org.id,
  });
  const otherOrgName = `Other organization ${randomBytes(3).toString('hex')}`;
  const otherOrg = await env.accounts.createOrganization(otherOrgName);
  const otherOrgProject = await env.accounts.createProject({
    name: `Project of ${otherOrgName}`,
    organizationId: otherOrg.id,
  });
  const otherOrgMember = await env.createUser({ org: otherOrg.id });

  const home = await seedProject(env, env.project, env.owner.key, 'Home');
  const sameOrg = await seedProject(env, sameOrgProject, env.owner.key, 'SameOrg');
  const other = await seedProject(env, otherOrgProject, otherOrgMember.key, 'OtherOrg');

  const sameOrgOnly = await env.createUser({ projects: [sameOrgProject.id] });
  // Never used before it is deactivated, so no cached authentication can hide the deactivation.
  const deactivated = await env.createUser();
  await env.accounts.setUserActive(deactivated.email, false);
  const noScope = await env.createUser({ scopes: ['insight:read', 'dashboard:write'] });
  const inBoth = await env.createUser();
  await env.accounts.addMembership(inBoth.id, otherOrg.id, 'member');
  const otherOrgLimitedKey = await env.createKey(inBoth.email, ['*'], { orgs: [otherOrg.id] });

  return {
    home,
    sameOrg,
    otherOrg: { ...other, markers: [...other.markers, otherOrgName, otherOrg.id] },
    otherOrgName,
    otherOrgMember,
    sameOrgOnlyKey: sameOrgOnly.key,
    deactivatedKey: deactivated.key,
    noScopeKey: noScope.key,
    otherOrgLimitedKey,
  };
}

function credentials(env: TestEnv, world: World): Credential[] {
  const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
  const unknownKey = `phx_${randomBytes(24).toString('hex')}`;
  const projectError = (route: Route, error: Envelope): Expected =>
    route.projectScoped ? { status: 403, body: error } : { status: 200 };
  return [
    { name: 'no credentials', apply: () => ({ headers: {} }), expect: () => ({ status: 401, body: notAuthenticated }) },
    {
      name: 'Authorization "Bearer" with nothing after it',
      apply: () => ({ headers: { authorization: 'Bearer' } }),
      expect: () => ({ status: 401, body: notAuthenticated }),
    },
    {
      name: 'Authorization "Bearer x" (too short to be a key)',
      apply: () => ({ headers: { authorization: 'Bearer x' } }),
      expect: () => ({ status: 401, body: notAuthenticated }),
    },
    {
      name: 'Authorization "Basic abc"',
      apply: () => ({ headers: { authorization: 'Basic abc' } }),
      expect: () => ({ status: 401, body: notAuthenticated }),
    },
    {
      name: 'an unknown key in the Authorization header',
      apply: () => bearer(unknownKey),
      expect: () => ({ status: 401, body: invalidKeyIn('Authorization header') }),
    },
    {
      name: 'an unknown key in the query string',
      apply: () => ({ headers: {}, query: `personal_api_key=${unknownKey}` }),
      expect: () => ({ status: 401, body: invalidKeyIn('query string') }),
    },
    {
      name: 'an unknown key in the body',
      needsBody: true,
      apply: (route) => ({ headers: {}, body: { ...route.body, personal_api_key: unknownKey } }),
      expect: () => ({ status: 401, body: invalidKeyIn('body') }),
    },
    {
      name: 'an OAuth access token (pha_)',
      apply: () => bearer('pha_not_a_token_we_know'),
      expect: () => ({ status: 401, body: authenticationFailed('Invalid access token.') }),
    },
    {
      name: 'the key of a deactivated user',
      apply: () => bearer(world.deactivatedKey),
      expect: () => ({ status: 401, body: invalidKeyIn('Authorization header') }),
    },
    {
      name: 'a key without the needed scope',
      apply: () => bearer(world.noScopeKey),
      expect: (route) => ({ status: 403, body: permissionDenied(`API key missing required scope '${route.scope}'`) }),
    },
    {
      name: 'a key of another organization',
      apply: () => bearer(world.otherOrgMember.key),
      expect: (route) => projectError(route, noProjectAccess),
    },
    {
      name: 'a key limited to another project',
      apply: () => bearer(world.sameOrgOnlyKey),
      expect: (route) => {
        if (route.name === 'projects')
          return {
            status: 403,
            body: permissionDenied('API keys with scoped projects are only supported on project-based endpoints.'),
          };
        return projectError(
          route,
          permissionDenied(`API key does not have access to the requested project: ID ${env.project.id}.`),
        );
      },
    },
    {
      name: 'a key limited to another organization',
      apply: () => bearer(world.otherOrgLimitedKey),
      expect: (route) =>
        projectError(
          route,
          permissionDenied(`API key does not have access to the requested organization: ID ${env.org.id}.`),
        ),
    },
  ];
}

async function tableSnapshot(env: TestEnv) {
  const notebooks = await env.db.kysely.selectFrom('notebooks').selectAll().orderBy('id').execute();
  const activity = await env.db.kysely.selectFrom('activity_logs').selectAll().orderBy('id').execute();
  return { notebooks, activity };
}

describeEachEngine('isolation: who may ask, and what they see', (env) => {
  let world: World;

  it('seeds three projects (home, same organization, other organization) with tagged notebooks, comments and activity', async () => {
    world = await buildWorld(env());
  });

  it('answers every route × every wrong caller with the exact status and body of the spec, and writes nothing', async () => {
    const before = await tableSnapshot(env());
    const homeNotebook = world.home.shortIds[0];
    let checked = 0;
    for (const credential of credentials(env(), world)) {
      for (const route of ROUTES) {
        if (credential.needsBody && route.body === undefined) continue;
        const carried = credential.apply(route);
        const base = route.url(env(), homeNotebook);
        const url = carried.query === undefined ? base : `${base}${base.includes('?') ? '&' : '?'}${carried.query}`;
        const payload = carried.body ?? route.body;
        const response = await env().request({
          method: route.method,
          url,
          key: null,
          headers: carried.headers,
          ...(payload !== undefined && { payload }),
        });
        const where = `${credential.name} → ${route.method} ${route.name}`;
        const expected = credential.expect(route);
        if ('body' in expected) assertExact(response, expected.status, expected.body, where);
        else {
          assert.equal(response.statusCode, expected.status, `${where}: ${response.body}`);
          // A caller who is not a member of the home organization may get 200 only where no
          // project is named (/api/projects/, /api/users/@me/); the home notebooks never appear.
          assertNoneOf(response, world.home.markers, where);
        }
        checked += 1;
      }
    }
    assert.ok(checked >= 140, `checked ${checked} route × caller pairs`);
    assert.deepEqual(await tableSnapshot(env()), before);
  });

  it('lets a key with notebook:read read but not write, and a key with notebook:write not read activity', async () => {
    const reader = await env().createUser({ scopes: ['notebook:read'] });
    const writer = await env().createUser({ scopes: ['notebook:write'] });
    const shortId = world.home.shortIds[0];
    for (const route of ROUTES.filter((r) => r.projectScoped && r.name !== 'project')) {
      const options = {
        method: route.method,
        url: route.url(env(), shortId),
        ...(route.body !== undefined && { payload: route.body }),
      };
      const asReader = await env().request({ ...options, key: reader.key });
      if (route.scope === 'notebook:read') assert.equal(asReader.statusCode, 200, `${route.name}: ${asReader.body}`);
      else
        assertExact(
          asReader,
          403,
          permissionDenied(`API key missing required scope '${route.scope}'`),
          `notebook:read → ${route.name}`,
        );
      if (route.scope === 'activity_log:read') {
        assertExact(
          await env().request({ ...options, key: writer.key }),
          403,
          permissionDenied("API key missing required scope 'activity_log:read'"),
          `notebook:write → ${route.name}`,
        );
      }
    }
  });

  /** Every read a caller can make on one project, including the other projects' short_ids and names. */
  function readsOn(
    projectId: number,
    own: SeededProject,
    others: SeededProject[],
  ): Array<{ name: string; url: string; ownMarker?: string }> {
    const base = env().url('', projectId);
    const reads: Array<{ name: string; url: string; ownMarker?: string }> = [
      { name: 'list', url: `${base}?limit=1000`, ownMarker: own.markers[3] },
      { name: 'list ordered by title', url: `${base}?order=title&limit=1000`, ownMarker: own.markers[3] },
      {
        name: 'list of notebooks with the shared recording',
        url: `${base}?contains=recording:${SHARED_RECORDING}`,
        ownMarker: own.markers[3],
      },
      {
        name: 'list of notebooks with any recording',
        url: `${base}?contains=recording:true`,
        ownMarker: own.markers[3],
      },
      { name: 'retrieve own', url: env().url(`${own.shortIds[0]}/`, projectId), ownMarker: own.markers[1] },
      { name: 'own activity', url: env().url(`${own.shortIds[0]}/activity/`, projectId), ownMarker: own.markers[3] },
      { name: 'project activity', url: `${env().url('activity/', projectId)}?limit=1000`, ownMarker: own.markers[3] },
      {
        name: 'recording comments',
        url: `${env().url('recording_comments/', projectId)}?recording_id=${SHARED_RECORDING}`,
        ownMarker: own.markers[2],
      },
      { name: 'project', url: `/api/projects/${projectId}/` },
    ];
    for (const other of others) {
      const [title, text, comment] = other.markers;
      reads.push(
        { name: `search for ${title}`, url: `${base}?search=${title}` },
        { name: `search for ${text}`, url: `${base}?search=${text}` },
        { name: `search for ${comment}`, url: `${base}?search=${comment}` },
        { name: `list filtered by short_id ${other.shortIds[0]}`, url: `${base}?short_id=${other.shortIds[0]}` },
      );
    }
    return reads;
  }

  async function assertSeesOnly(key: string, own: SeededProject, others: SeededProject[]): Promise<void> {
    const otherMarkers = others.flatMap((other) => other.markers);
    for (const read of readsOn(own.project.id, own, others)) {
      const response = await env().request({ method: 'GET', url: read.url, key });
      assert.equal(response.statusCode, 200, `${read.name}: ${response.body}`);
      assertNoneOf(response, otherMarkers, read.name);
      if (read.ownMarker !== undefined)
        assert.ok(
          response.body.includes(read.ownMarker),
          `${read.name} shows the project's own data (${read.ownMarker}): ${response.body.slice(0, 300)}`,
        );
    }
    for (const other of others) {
      for (const shortId of other.shortIds) {
        for (const suffix of [`${shortId}/`, `${shortId}/activity/`]) {
          const response = await env().request({ method: 'GET', url: env().url(suffix, own.project.id), key });
          assertExact(response, 404, notFound, `GET another project's ${suffix} through project ${own.project.id}`);
        }
        const before = await tableSnapshot(env());
        for (const method of ['PATCH', 'PUT'] as const) {
          const response = await env().request({
            method,
            url: env().url(`${shortId}/`, own.project.id),
            key,
            payload: { title: 'Hijacked', deleted: true },
          });
          assertExact(
            response,
            404,
            notFound,
            `${method} another project's ${shortId} through project ${own.project.id}`,
          );
        }
        assert.deepEqual(await tableSnapshot(env()), before, 'a write aimed at another project changes nothing');
      }
    }
  }

  it('never shows the home project anything of the same-organization or other-organization projects', async () => {
    await assertSeesOnly(env().owner.key, world.home, [world.sameOrg, world.otherOrg]);
  });

  it('never shows the same-organization project anything of the home or other-organization projects', async () => {
    await assertSeesOnly(env().owner.key, world.sameOrg, [world.home, world.otherOrg]);
  });

  it('never shows a key limited to one project anything of the other projects', async () => {
    await assertSeesOnly(world.sameOrgOnlyKey, world.sameOrg, [world.home, world.otherOrg]);
  });

  it('never shows a member of another organization anything of this organization’s projects', async () => {
    await assertSeesOnly(world.otherOrgMember.key, world.otherOrg, [world.home, world.sameOrg]);
  });

  it('lists only the caller’s organization’s projects, and names only the caller in /api/users/@me/', async () => {
    const asOwner = await env().request({ method: 'GET', url: '/api/projects/?limit=1000' });
    assert.equal(asOwner.statusCode, 200, asOwner.body);
    assertNoneOf(
      asOwner,
      [world.otherOrgName, world.otherOrg.project.name, world.otherOrg.project.apiToken],
      'owner /api/projects/',
    );
    assert.ok(asOwner.body.includes(world.sameOrg.project.name));
    const asOther = await env().request({
      method: 'GET',
      url: '/api/projects/?limit=1000',
      key: world.otherOrgMember.key,
    });
    assert.equal(asOther.statusCode, 200, asOther.body);
    assertNoneOf(
      asOther,
      [env().project.name, world.sameOrg.project.name, env().org.id],
      'other organization /api/projects/',
    );
    const limited = await env().request({
      method: 'GET',
      url: '/api/projects/?limit=1000',
      key: world.otherOrgLimitedKey,
    });
    assert.equal(limited.statusCode, 200, limited.body);
    assert.deepEqual(
      json<{ results: Array<{ id: number }> }>(limited).results.map((project) => project.id),
      [world.otherOrg.project.id],
    );
    for (const [key, own, others] of [
      [env().owner.key, env().owner.email, [world.otherOrgMember.email, world.otherOrgName]],
      [world.otherOrgMember.key, world.otherOrgMember.email, [env().owner.email, env().project.name, env().org.id]],
    ] as const) {
      const me = await env().request({ method: 'GET', url: '/api/users/@me/', key });
      assert.equal(me.statusCode, 200, me.body);
      assert.equal(json<{ email: string }>(me).email, own);
      assertNoneOf(me, others, `@me of ${own}`);
    }
  });
});
