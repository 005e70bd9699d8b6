import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createNotebook } from '../support/factories.ts';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

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
const notFound = (detail: string): Envelope => ({ type: 'invalid_request', code: 'not_found', detail, attr: null });

/** Asserts the status and the exact envelope, byte for byte and with PostHog's content type. */
function assertError(response: LightMyRequestResponse, status: number, expected: Envelope): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.headers['content-type'], 'application/json');
  assert.equal(response.body, JSON.stringify(expected));
}

/** A second organization with one project and one member holding a "*" key. */
async function otherOrganization(env: TestEnv) {
  const org = await env.accounts.createOrganization('Other organization');
  const project = await env.accounts.createProject({ name: 'Other project', organizationId: org.id });
  const member = await env.createUser({ org: org.id });
  return { org, project, member };
}

describeEachEngine('authentication and permissions', (env) => {
  it('answers 401 not_authenticated with the exact envelope when no credentials are sent', async () => {
    const response = await env().request({ method: 'GET', url: env().url(), key: null });
    assertError(response, 401, notAuthenticated);
  });

  it('answers 401 before looking at the project, even for an unknown one', async () => {
    const response = await env().request({ method: 'GET', url: env().url('', 999_999), key: null });
    assertError(response, 401, notAuthenticated);
  });

  it('accepts a key in the Authorization header as Bearer, with extra spaces around it', async () => {
    const response = await env().request({
      method: 'GET',
      url: env().url(),
      headers: { authorization: `Bearer    ${env().owner.key}   ` },
    });
    assert.equal(response.statusCode, 200, response.body);
  });

  it('accepts a key as personal_api_key in the JSON body', async () => {
    const response = await env().request({
      method: 'POST',
      url: env().url(),
      key: null,
      payload: { personal_api_key: env().owner.key, title: 'Made with a body key' },
    });
    assert.equal(response.statusCode, 201, response.body);
    assert.equal(json(response).title, 'Made with a body key');
  });

  it('accepts a key as personal_api_key in the query string', async () => {
    const response = await env().request({
      method: 'GET',
      url: `${env().url()}?personal_api_key=${env().owner.key}`,
      key: null,
    });
    assert.equal(response.statusCode, 200, response.body);
  });

  it('answers 401 naming the Authorization header when the bearer key is unknown', async () => {
    const response = await env().request({ method: 'GET', url: env().url(), key: 'phx_not_a_real_key' });
    assertError(
      response,
      401,
      authenticationFailed('Personal API key found in request Authorization header is invalid.'),
    );
  });

  it('answers 401 naming the body when the body key is unknown', async () => {
    const response = await env().request({
      method: 'POST',
      url: env().url(),
      key: null,
      payload: { personal_api_key: 'phx_not_a_real_key' },
    });
    assertError(response, 401, authenticationFailed('Personal API key found in request body is invalid.'));
  });

  it('answers 401 naming the query string when the query key is unknown', async () => {
    const response = await env().request({
      method: 'GET',
      url: `${env().url()}?personal_api_key=phx_not_a_real_key`,
      key: null,
    });
    assertError(response, 401, authenticationFailed('Personal API key found in request query string is invalid.'));
  });

  it('tries only the first key found: a bad bearer key is not rescued by a good query key', async () => {
    const response = await env().request({
      method: 'GET',
      url: `${env().url()}?personal_api_key=${env().owner.key}`,
      key: 'phx_not_a_real_key',
    });
    assertError(
      response,
      401,
      authenticationFailed('Personal API key found in request Authorization header is invalid.'),
    );
  });

  it('ignores a Basic Authorization header and falls through to the query key', async () => {
    const good = await env().request({
      method: 'GET',
      url: `${env().url()}?personal_api_key=${env().owner.key}`,
      headers: { authorization: 'Basic xyz' },
    });
    assert.equal(good.statusCode, 200, good.body);
    const bad = await env().request({
      method: 'GET',
      url: `${env().url()}?personal_api_key=phx_nope`,
      headers: { authorization: 'Basic xyz' },
    });
    assertError(bad, 401, authenticationFailed('Personal API key found in request query string is invalid.'));
  });

  it('answers 401 not_authenticated for a Basic header with no other key', async () => {
    const response = await env().request({ method: 'GET', url: env().url(), headers: { authorization: 'Basic xyz' } });
    assertError(response, 401, notAuthenticated);
  });

  it('ignores a Bearer header with a one-character token, as it does not match the Bearer pattern', async () => {
    const response = await env().request({ method: 'GET', url: env().url(), headers: { authorization: 'Bearer x' } });
    assertError(response, 401, notAuthenticated);
  });

  it('accepts a key as personal_api_key in a form-encoded body', async () => {
    const response = await env().request({
      method: 'POST',
      url: env().url(),
      key: null,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `personal_api_key=${env().owner.key}&title=form`,
    });
    assert.notEqual(response.statusCode, 401, response.body);
  });

  it('answers 401 for the key of a deactivated user', async () => {
    const user = await env().createUser();
    await env().accounts.setUserActive(user.email, false);
    const response = await env().request({ method: 'GET', url: env().url(), key: user.key });
    assertError(
      response,
      401,
      authenticationFailed('Personal API key found in request Authorization header is invalid.'),
    );
  });

  it('answers 401 "Invalid access token." for an OAuth pha_ token', async () => {
    const response = await env().request({ method: 'GET', url: env().url(), key: 'pha_some_oauth_token' });
    assertError(response, 401, authenticationFailed('Invalid access token.'));
  });

  it('lets a notebook:read key list and retrieve notebooks but not create one', async () => {
    const shortId = (await createNotebook(env(), { title: 'Auth test notebook' })).short_id;
    const reader = await env().createUser({ scopes: ['notebook:read'] });
    const list = await env().request({ method: 'GET', url: env().url(), key: reader.key });
    assert.equal(list.statusCode, 200, list.body);
    const retrieve = await env().request({ method: 'GET', url: env().url(`${shortId}/`), key: reader.key });
    assert.equal(retrieve.statusCode, 200, retrieve.body);
    const create = await env().request({
      method: 'POST',
      url: env().url(),
      key: reader.key,
      payload: { title: 'nope' },
    });
    assertError(create, 403, permissionDenied("API key missing required scope 'notebook:write'"));
    const patch = await env().request({
      method: 'PATCH',
      url: env().url(`${shortId}/`),
      key: reader.key,
      payload: { title: 'nope' },
    });
    assertError(patch, 403, permissionDenied("API key missing required scope 'notebook:write'"));
  });

  it('requires notebook:read for HEAD as for GET', async () => {
    const auditor = await env().createUser({ scopes: ['activity_log:read'] });
    const response = await env().request({ method: 'HEAD', url: env().url(), key: auditor.key });
    assert.equal(response.statusCode, 403);
  });

  it('lets a notebook:write key read as well as write', async () => {
    const writer = await env().createUser({ scopes: ['notebook:write'] });
    const create = await env().request({
      method: 'POST',
      url: env().url(),
      key: writer.key,
      payload: { title: 'written' },
    });
    assert.equal(create.statusCode, 201, create.body);
    const shortId = json<{ short_id: string }>(create).short_id;
    const list = await env().request({ method: 'GET', url: env().url(), key: writer.key });
    assert.equal(list.statusCode, 200, list.body);
    const retrieve = await env().request({ method: 'GET', url: env().url(`${shortId}/`), key: writer.key });
    assert.equal(retrieve.statusCode, 200, retrieve.body);
  });

  it('requires activity_log:read for both activity endpoints; notebook:read alone is refused', async () => {
    const shortId = (await createNotebook(env(), { title: 'Auth test notebook' })).short_id;
    const reader = await env().createUser({ scopes: ['notebook:read', 'notebook:write'] });
    const missing = permissionDenied("API key missing required scope 'activity_log:read'");
    assertError(await env().request({ method: 'GET', url: env().url('activity/'), key: reader.key }), 403, missing);
    assertError(
      await env().request({ method: 'GET', url: env().url(`${shortId}/activity/`), key: reader.key }),
      403,
      missing,
    );

    const auditor = await env().createUser({ scopes: ['activity_log:read'] });
    assert.equal(
      (await env().request({ method: 'GET', url: env().url('activity/'), key: auditor.key })).statusCode,
      200,
    );
    assert.equal(
      (await env().request({ method: 'GET', url: env().url(`${shortId}/activity/`), key: auditor.key })).statusCode,
      200,
    );
    const list = await env().request({ method: 'GET', url: env().url(), key: auditor.key });
    assertError(list, 403, permissionDenied("API key missing required scope 'notebook:read'"));
  });

  it('treats activity_log:write as implying activity_log:read', async () => {
    const auditor = await env().createUser({ scopes: ['activity_log:write'] });
    const response = await env().request({ method: 'GET', url: env().url('activity/'), key: auditor.key });
    assert.equal(response.statusCode, 200, response.body);
  });

  it('grants everything to a "*" key', async () => {
    const user = await env().createUser({ scopes: ['*'] });
    const create = await env().request({ method: 'POST', url: env().url(), key: user.key, payload: { title: 'star' } });
    assert.equal(create.statusCode, 201, create.body);
    const shortId = json<{ short_id: string }>(create).short_id;
    for (const url of [
      env().url(),
      env().url(`${shortId}/`),
      env().url('activity/'),
      env().url(`${shortId}/activity/`),
    ]) {
      const response = await env().request({ method: 'GET', url, key: user.key });
      assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
    }
    const patch = await env().request({
      method: 'PATCH',
      url: env().url(`${shortId}/`),
      key: user.key,
      payload: { title: 'starred' },
    });
    assert.equal(patch.statusCode, 200, patch.body);
  });

  it('answers 404 "Project not found." when the project id is not an integer', async () => {
    for (const id of ['abc', '1e3', '0x1', '@me']) {
      const response = await env().request({ method: 'GET', url: `/api/projects/${id}/notebooks/` });
      assertError(response, 404, notFound('Project not found.'));
    }
  });

  it('answers 404 "Endpoint not found." for a project id or short_id with a dot, even without credentials', async () => {
    const shortId = (await createNotebook(env(), { title: 'Auth test notebook' })).short_id;
    for (const url of [
      '/api/projects/1.5/notebooks/',
      `/api/projects/1.0/notebooks/${shortId}/`,
      env().url(`${shortId}.json/`),
      env().url('abc.def/activity/'),
    ]) {
      for (const key of [null, undefined]) {
        const response = await env().request({ method: 'GET', url, key });
        assertError(response, 404, notFound('Endpoint not found.'));
      }
    }
  });

  it('answers 404 "Project not found." for an unknown project', async () => {
    const response = await env().request({ method: 'GET', url: env().url('', 987_654) });
    assertError(response, 404, notFound('Project not found.'));
  });

  it('answers 403 for a project of another organization, on reads and on writes', async () => {
    const other = await otherOrganization(env());
    const expected = permissionDenied("You don't have access to the project.");
    assertError(await env().request({ method: 'GET', url: env().url('', other.project.id) }), 403, expected);
    assertError(
      await env().request({ method: 'POST', url: env().url('', other.project.id), payload: { title: 'x' } }),
      403,
      expected,
    );
    assertError(await env().request({ method: 'GET', url: env().url('activity/', other.project.id) }), 403, expected);
  });

  it('checks the scope before project membership', async () => {
    const other = await otherOrganization(env());
    const reader = await env().createUser({ scopes: ['notebook:read'] });
    const response = await env().request({
      method: 'POST',
      url: env().url('', other.project.id),
      key: reader.key,
      payload: {},
    });
    assertError(response, 403, permissionDenied("API key missing required scope 'notebook:write'"));
  });

  it('answers 403 naming the project when the key is limited to another project', async () => {
    const second = await env().accounts.createProject({ name: 'Second project', organizationId: env().org.id });
    const limited = await env().createUser({ projects: [second.id] });
    const response = await env().request({ method: 'GET', url: env().url(), key: limited.key });
    assertError(
      response,
      403,
      permissionDenied(`API key does not have access to the requested project: ID ${env().project.id}.`),
    );
    const allowed = await env().request({ method: 'GET', url: env().url('', second.id), key: limited.key });
    assert.equal(allowed.statusCode, 200, allowed.body);
  });

  it('answers 403 naming the organization when the key is limited to another organization', async () => {
    const other = await otherOrganization(env());
    const user = await env().createUser();
    await env().accounts.addMembership(user.id, other.org.id, 'member');
    const key = await env().createKey(user.email, ['*'], { orgs: [other.org.id] });
    const response = await env().request({ method: 'GET', url: env().url(), key });
    assertError(
      response,
      403,
      permissionDenied(`API key does not have access to the requested organization: ID ${env().org.id}.`),
    );
    const allowed = await env().request({ method: 'GET', url: env().url('', other.project.id), key });
    assert.equal(allowed.statusCode, 200, allowed.body);
  });

  it('answers 403 for a missing scope rather than 404 for an unknown notebook', async () => {
    const reader = await env().createUser({ scopes: ['notebook:read'] });
    const patch = await env().request({
      method: 'PATCH',
      url: env().url('NoSuchNb/'),
      key: reader.key,
      payload: { title: 'x' },
    });
    assertError(patch, 403, permissionDenied("API key missing required scope 'notebook:write'"));
    const activity = await env().request({ method: 'GET', url: env().url('NoSuchNb/activity/'), key: reader.key });
    assertError(activity, 403, permissionDenied("API key missing required scope 'activity_log:read'"));
    const found = await env().request({ method: 'GET', url: env().url('NoSuchNb/'), key: reader.key });
    assertError(found, 404, notFound('Not found.'));
  });

  it('answers 403 for a missing scope rather than the empty 405 of DELETE', async () => {
    const reader = await env().createUser({ scopes: ['notebook:read'] });
    const response = await env().request({ method: 'DELETE', url: env().url('NoSuchNb/'), key: reader.key });
    assertError(response, 403, permissionDenied("API key missing required scope 'notebook:write'"));
  });

  it('answers 401 before 403 when a missing scope would otherwise apply', async () => {
    const response = await env().request({ method: 'POST', url: env().url(), key: null, payload: { title: 'x' } });
    assertError(response, 401, notAuthenticated);
  });

  it('resolves @current to the single project a key is limited to', async () => {
    const second = await env().accounts.createProject({ name: 'Current project', organizationId: env().org.id });
    const limited = await env().createUser({ projects: [second.id] });
    const create = await env().request({
      method: 'POST',
      url: '/api/projects/@current/notebooks/',
      key: limited.key,
      payload: { title: 'current' },
    });
    assert.equal(create.statusCode, 201, create.body);
    const shortId = json<{ short_id: string }>(create).short_id;
    const inSecond = await env().request({ method: 'GET', url: env().url(`${shortId}/`, second.id) });
    assert.equal(inSecond.statusCode, 200, inSecond.body);
    const inFirst = await env().request({ method: 'GET', url: env().url(`${shortId}/`) });
    assertError(inFirst, 404, notFound('Not found.'));
  });

  it('resolves @current to the lowest-id project the user can reach', async () => {
    const org = await env().accounts.createOrganization('Current organization');
    const lower = await env().accounts.createProject({ name: 'Lower', organizationId: org.id });
    const higher = await env().accounts.createProject({ name: 'Higher', organizationId: org.id });
    assert.ok(lower.id < higher.id);
    const member = await env().createUser({ org: org.id });
    const create = await env().request({
      method: 'POST',
      url: '/api/projects/@current/notebooks/',
      key: member.key,
      payload: { title: 'lowest' },
    });
    assert.equal(create.statusCode, 201, create.body);
    const shortId = json<{ short_id: string }>(create).short_id;
    const inLower = await env().request({ method: 'GET', url: env().url(`${shortId}/`, lower.id), key: member.key });
    assert.equal(inLower.statusCode, 200, inLower.body);
    const inHigher = await env().request({ method: 'GET', url: env().url(`${shortId}/`, higher.id), key: member.key });
    assertError(inHigher, 404, notFound('Not found.'));
  });

  it('answers 404 "Endpoint not found." for an unknown /api/ path, even without credentials', async () => {
    for (const url of ['/api/nothing-here/', '/api/projects/1/dashboards/', `${env().url()}abc/def/ghi/`]) {
      const anonymous = await env().request({ method: 'GET', url, key: null });
      assertError(anonymous, 404, notFound('Endpoint not found.'));
      const authenticated = await env().request({ method: 'GET', url });
      assertError(authenticated, 404, notFound('Endpoint not found.'));
    }
  });

  it('stores a key only as sha256$<hex> of its value, never the raw value', async () => {
    const user = await env().createUser({ scopes: ['notebook:read'] });
    const rows = await env()
      .db.kysely.selectFrom('personal_api_keys')
      .select(['secure_value', 'mask_value'])
      .where('user_id', '=', user.id)
      .execute();
    assert.equal(rows.length, 1);
    const [row] = rows;
    assert.equal(row.secure_value, `sha256$${createHash('sha256').update(user.key, 'utf8').digest('hex')}`);
    assert.match(row.secure_value, /^sha256\$[0-9a-f]{64}$/);
    assert.equal(row.mask_value, `${user.key.slice(0, 4)}...${user.key.slice(-4)}`);
    const everything = JSON.stringify(await env().db.kysely.selectFrom('personal_api_keys').selectAll().execute());
    assert.ok(!everything.includes(user.key), 'the raw key appears in personal_api_keys');
    assert.ok(!everything.includes(env().owner.key), 'the raw owner key appears in personal_api_keys');
  });

  it('generates keys as phx_ followed by base57 characters', async () => {
    const user = await env().createUser();
    assert.match(user.key, /^phx_[23456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ]{48,49}$/);
  });
});
