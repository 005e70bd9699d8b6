import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Project } from '../../src/accounts/accounts.repository.ts';
import { createNotebook } from '../support/factories.ts';
import { describeEachEngine, json, type TestEnv, type TestUser } from '../support/harness.ts';

interface ActivityItem {
  user: { first_name: string; email: string | null };
  activity: string;
  scope: string;
  item_id: string;
  detail: {
    changes: Array<Record<string, unknown>> | null;
    trigger: null;
    name: string | null;
    short_id: string;
    type: null;
  };
  created_at: string;
}

interface ActivityPage {
  results: ActivityItem[];
  next: string | null;
  previous: string | null;
  total_count: number;
}

const ITEM_KEYS = ['user', 'activity', 'scope', 'item_id', 'detail', 'created_at'];
const DETAIL_KEYS = ['changes', 'trigger', 'name', 'short_id', 'type'];
const CHANGE_KEYS = ['type', 'action', 'field', 'before', 'after'];
const HOST = 'testserver';

/** A project of its own, so that its activity log holds only what a test writes. */
function freshProject(env: TestEnv, name = 'Activity project'): Promise<Project> {
  return env.accounts.createProject({ name, organizationId: env.org.id });
}

async function patchNotebook(
  env: TestEnv,
  project: Project,
  shortId: string,
  payload: Record<string, unknown>,
  key?: string,
): Promise<Record<string, unknown>> {
  const response = await env.request({ method: 'PATCH', url: env.url(`${shortId}/`, project.id), payload, key });
  assert.equal(response.statusCode, 200, response.body);
  return json(response);
}

/** GETs an activity URL (relative to the project's notebooks URL) and expects 200. */
async function activityPage(env: TestEnv, project: Project, path: string): Promise<ActivityPage> {
  const response = await env.request({ method: 'GET', url: env.url(path, project.id), headers: { host: HOST } });
  assert.equal(response.statusCode, 200, response.body);
  return json<ActivityPage>(response);
}

function absolute(env: TestEnv, project: Project, path: string): string {
  return `http://${HOST}${env.url(path, project.id)}`;
}

describeEachEngine('notebook activity log', (env) => {
  let actor: TestUser;
  const actorIdentity = () => ({ first_name: 'Ada', email: actor.email });

  before(async () => {
    actor = await env().createUser({ firstName: 'Ada', scopes: ['notebook:write', 'activity_log:read'] });
  });

  it('logs a created item with PostHog’s keys in order', async () => {
    const project = await freshProject(env());
    const shortId = (await createNotebook(env(), { title: 'First' }, { project: project, key: actor.key })).short_id;
    const page = await activityPage(env(), project, 'activity/');
    assert.deepEqual(Object.keys(page), ['results', 'next', 'previous', 'total_count']);
    assert.equal(page.total_count, 1);
    const [item] = page.results;
    assert.deepEqual(Object.keys(item), ITEM_KEYS);
    assert.deepEqual(Object.keys(item.detail), DETAIL_KEYS);
    assert.deepEqual(item.user, actorIdentity());
    assert.equal(item.activity, 'created');
    assert.equal(item.scope, 'Notebook');
    assert.equal(item.item_id, shortId);
    assert.deepEqual(item.detail, { changes: null, trigger: null, name: 'First', short_id: shortId, type: null });
    assert.match(item.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/);
  });

  it("logs PostHog's documented example exactly: title, content and version on a fresh notebook", async () => {
    const project = await freshProject(env());
    const shortId = (await createNotebook(env(), {}, { project: project, key: actor.key })).short_id;
    await patchNotebook(
      env(),
      project,
      shortId,
      { title: 'New title', content: { some: 'updated content' }, version: 0 },
      actor.key,
    );
    const page = await activityPage(env(), project, 'activity/');
    assert.equal(page.total_count, 2);
    const [updated, created] = page.results;
    assert.equal(created.activity, 'created');
    assert.equal(created.detail.name, null);
    assert.equal(updated.activity, 'updated');
    assert.deepEqual(updated.user, actorIdentity());
    assert.equal(updated.item_id, shortId);
    assert.deepEqual(Object.keys(updated.detail), DETAIL_KEYS);
    assert.equal(updated.detail.name, 'New title');
    assert.equal(updated.detail.short_id, shortId);
    assert.deepEqual(updated.detail.changes, [
      { type: 'Notebook', action: 'created', field: 'title', before: null, after: 'New title' },
      { type: 'Notebook', action: 'created', field: 'content', before: null, after: { some: 'updated content' } },
      { type: 'Notebook', action: 'changed', field: 'version', before: 0, after: 1 },
    ]);
    for (const change of updated.detail.changes ?? []) assert.deepEqual(Object.keys(change), CHANGE_KEYS);
  });

  it('records before and after of a changed title', async () => {
    const project = await freshProject(env());
    const shortId = (await createNotebook(env(), { title: 'Before' }, { project: project })).short_id;
    await patchNotebook(env(), project, shortId, { title: 'After' });
    const [item] = (await activityPage(env(), project, 'activity/')).results;
    assert.deepEqual(item.detail.changes, [
      { type: 'Notebook', action: 'changed', field: 'title', before: 'Before', after: 'After' },
    ]);
    assert.equal(item.detail.name, 'After');
  });

  it('leaves text_content out of the changes', async () => {
    const project = await freshProject(env());
    const shortId = (await createNotebook(env(), { title: 'Text' }, { project: project })).short_id;
    await patchNotebook(env(), project, shortId, { title: 'Text 2', text_content: 'plain words' });
    const [item] = (await activityPage(env(), project, 'activity/')).results;
    assert.deepEqual(
      item.detail.changes?.map((change) => change.field),
      ['title'],
    );
  });

  it('writes no item for an update that changes nothing diffable', async () => {
    const project = await freshProject(env());
    const shortId = (await createNotebook(env(), { title: 'Same' }, { project: project })).short_id;
    await patchNotebook(env(), project, shortId, { title: 'Same' });
    await patchNotebook(env(), project, shortId, { text_content: 'only text' });
    await patchNotebook(env(), project, shortId, {});
    const page = await activityPage(env(), project, 'activity/');
    assert.equal(page.total_count, 1);
    assert.deepEqual(
      page.results.map((item) => item.activity),
      ['created'],
    );
  });

  it('logs a soft delete as deleted and an undelete as restored, with the title as name', async () => {
    const project = await freshProject(env());
    const shortId = (await createNotebook(env(), { title: 'Doomed' }, { project: project })).short_id;
    await patchNotebook(env(), project, shortId, { deleted: true });
    await patchNotebook(env(), project, shortId, { deleted: false });
    const page = await activityPage(env(), project, 'activity/');
    assert.deepEqual(
      page.results.map((item) => item.activity),
      ['restored', 'deleted', 'created'],
    );
    const [restored, deleted] = page.results;
    assert.equal(deleted.detail.name, 'Doomed');
    assert.deepEqual(deleted.detail.changes, [
      { type: 'Notebook', action: 'changed', field: 'deleted', before: false, after: true },
    ]);
    assert.equal(restored.detail.name, 'Doomed');
    assert.deepEqual(restored.detail.changes, [
      { type: 'Notebook', action: 'changed', field: 'deleted', before: true, after: false },
    ]);
  });

  it('lists newest first, including the activity of soft-deleted notebooks', async () => {
    const project = await freshProject(env());
    const first = (await createNotebook(env(), { title: 'one' }, { project: project })).short_id;
    const second = (await createNotebook(env(), { title: 'two' }, { project: project })).short_id;
    await patchNotebook(env(), project, first, { title: 'one again' });
    await patchNotebook(env(), project, second, { deleted: true });
    const page = await activityPage(env(), project, 'activity/');
    assert.deepEqual(
      page.results.map((item) => [item.activity, item.item_id]),
      [
        ['deleted', second],
        ['updated', first],
        ['created', second],
        ['created', first],
      ],
    );
    const times = page.results.map((item) => Date.parse(item.created_at));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );
  });

  it('shows only that notebook’s items on the per-notebook endpoint', async () => {
    const project = await freshProject(env());
    const mine = (await createNotebook(env(), { title: 'mine' }, { project: project })).short_id;
    const other = (await createNotebook(env(), { title: 'other' }, { project: project })).short_id;
    await patchNotebook(env(), project, mine, { title: 'mine 2' });
    await patchNotebook(env(), project, other, { title: 'other 2' });
    const page = await activityPage(env(), project, `${mine}/activity/`);
    assert.equal(page.total_count, 2);
    assert.deepEqual(
      page.results.map((item) => [item.activity, item.item_id, item.detail.name]),
      [
        ['updated', mine, 'mine 2'],
        ['created', mine, 'mine'],
      ],
    );
  });

  it('answers 404 on the per-notebook endpoint for an unknown or soft-deleted notebook', async () => {
    const project = await freshProject(env());
    const notFound = JSON.stringify({ type: 'invalid_request', code: 'not_found', detail: 'Not found.', attr: null });
    const unknown = await env().request({ method: 'GET', url: env().url('NoSuchNb/activity/', project.id) });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.body, notFound);
    const shortId = (await createNotebook(env(), { title: 'gone' }, { project: project })).short_id;
    await patchNotebook(env(), project, shortId, { deleted: true });
    const deleted = await env().request({ method: 'GET', url: env().url(`${shortId}/activity/`, project.id) });
    assert.equal(deleted.statusCode, 404);
    assert.equal(deleted.body, notFound);
  });

  it('answers page 1 of an empty log with no results and no links', async () => {
    const project = await freshProject(env());
    assert.deepEqual(await activityPage(env(), project, 'activity/'), {
      results: [],
      next: null,
      previous: null,
      total_count: 0,
    });
  });

  it('never shows the activity of another project', async () => {
    const mine = await freshProject(env(), 'Mine');
    const theirs = await freshProject(env(), 'Theirs');
    const own = (await createNotebook(env(), { title: 'own' }, { project: mine })).short_id;
    const foreign = (await createNotebook(env(), { title: 'foreign' }, { project: theirs })).short_id;
    await patchNotebook(env(), theirs, foreign, { title: 'foreign 2' });
    const page = await activityPage(env(), mine, 'activity/');
    assert.deepEqual(
      page.results.map((item) => item.item_id),
      [own],
    );
    const across = await env().request({ method: 'GET', url: env().url(`${foreign}/activity/`, mine.id) });
    assert.equal(across.statusCode, 404, across.body);

    const otherOrg = await env().accounts.createOrganization('Elsewhere');
    const elsewhere = await env().accounts.createProject({ name: 'Elsewhere', organizationId: otherOrg.id });
    const outsider = await env().createUser({ org: otherOrg.id });
    (await createNotebook(env(), { title: 'outside' }, { project: elsewhere, key: outsider.key })).short_id;
    const denied = await env().request({ method: 'GET', url: env().url('activity/', elsewhere.id) });
    assert.equal(denied.statusCode, 403, denied.body);
    assert.deepEqual(
      (await activityPage(env(), mine, 'activity/')).results.map((item) => item.item_id),
      [own],
    );
  });

  describe('pagination over a project with 11 activity rows', () => paginationSuite(env));
});

/** Activity pagination, PostHog's with deviation 5, on a project whose log holds 11 "created" rows. */
function paginationSuite(env: () => TestEnv): void {
  let project: Project;
  let shortIds: string[];

  before(async () => {
    project = await freshProject(env(), 'Eleven');
    shortIds = [];
    for (let i = 0; i < 11; i++) shortIds.push((await createNotebook(env(), { title: `n${i}` }, { project })).short_id);
  });

  it('pages by 10 by default, with next as ?page=2&limit=10', async () => {
    const page = await activityPage(env(), project, 'activity');
    assert.equal(page.total_count, 11);
    assert.equal(page.results.length, 10);
    assert.equal(page.next, `${absolute(env(), project, 'activity')}?page=2&limit=10`);
    assert.equal(page.previous, null);
    assert.deepEqual(
      page.results.map((item) => item.item_id),
      [...shortIds].reverse().slice(0, 10),
    );
  });

  it('appends page after an existing limit: ?limit=5 → ?limit=5&page=2', async () => {
    const page = await activityPage(env(), project, 'activity?limit=5');
    assert.equal(page.results.length, 5);
    assert.equal(page.next, `${absolute(env(), project, 'activity')}?limit=5&page=2`);
    assert.equal(page.previous, null);
  });

  it('replaces page and limit in place: ?page=2&limit=5 → previous ?page=1&limit=5, next ?page=3&limit=5', async () => {
    const page = await activityPage(env(), project, 'activity?page=2&limit=5');
    assert.equal(page.previous, `${absolute(env(), project, 'activity')}?page=1&limit=5`);
    assert.equal(page.next, `${absolute(env(), project, 'activity')}?page=3&limit=5`);
    assert.deepEqual(
      page.results.map((item) => item.item_id),
      [...shortIds].reverse().slice(5, 10),
    );
  });

  it('serves the last page with next null and previous ?page=1&limit=10', async () => {
    const page = await activityPage(env(), project, 'activity?page=2');
    assert.deepEqual(
      page.results.map((item) => item.item_id),
      [shortIds[0]],
    );
    assert.equal(page.next, null);
    assert.equal(page.previous, `${absolute(env(), project, 'activity')}?page=1&limit=10`);
    assert.equal(page.total_count, 11);
  });

  it('keeps the trailing slash and other parameters of the request in the links', async () => {
    const page = await activityPage(env(), project, 'activity/?foo=bar&limit=4');
    assert.equal(page.next, `${absolute(env(), project, 'activity/')}?foo=bar&limit=4&page=2`);
  });

  it('treats an empty limit or page as the default', async () => {
    const page = await activityPage(env(), project, 'activity?limit=&page=');
    assert.equal(page.results.length, 10);
    assert.equal(page.total_count, 11);
  });

  it('parses limit and page like Python int(), with surrounding spaces and a sign', async () => {
    const page = await activityPage(env(), project, 'activity?limit=%203%20&page=%2B2');
    assert.deepEqual(
      page.results.map((item) => item.item_id),
      [...shortIds].reverse().slice(3, 6),
    );
  });

  it('answers a page past the end with 200, no results, next null and a previous link (Deviation 5)', async () => {
    const page = await activityPage(env(), project, 'activity?page=3');
    assert.deepEqual(page, {
      results: [],
      next: null,
      previous: `${absolute(env(), project, 'activity')}?page=2&limit=10`,
      total_count: 11,
    });
    const far = await activityPage(env(), project, 'activity?page=99&limit=5');
    assert.equal(far.next, null);
    assert.equal(far.previous, `${absolute(env(), project, 'activity')}?page=98&limit=5`);
  });

  for (const parameter of ['limit', 'page']) {
    for (const value of ['abc', '0', '-1', '1.5', '2e1']) {
      it(`answers 400 validation_error with attr ${parameter} for ${parameter}=${value} on both endpoints (Deviation 5)`, async () => {
        for (const path of ['activity/', `${shortIds[0]}/activity/`]) {
          const response = await env().request({
            method: 'GET',
            url: `${env().url(path, project.id)}?${parameter}=${encodeURIComponent(value)}`,
          });
          assert.equal(response.statusCode, 400, `${path}: ${response.body}`);
          const body = json<{ type: string; code: string; detail: string; attr: string | null }>(response);
          assert.deepEqual(Object.keys(body), ['type', 'code', 'detail', 'attr']);
          assert.equal(body.type, 'validation_error');
          assert.equal(body.attr, parameter);
          assert.equal(typeof body.code, 'string');
          assert.equal(typeof body.detail, 'string');
        }
      });
    }
  }

  it('paginates the per-notebook endpoint the same way', async () => {
    const shortId = shortIds[0];
    for (const title of ['a', 'b', 'c']) await patchNotebook(env(), project, shortId, { title });
    const first = await activityPage(env(), project, `${shortId}/activity?limit=2`);
    assert.equal(first.total_count, 4);
    assert.deepEqual(
      first.results.map((item) => item.detail.name),
      ['c', 'b'],
    );
    assert.equal(first.next, `${absolute(env(), project, `${shortId}/activity`)}?limit=2&page=2`);
    const second = await activityPage(env(), project, `${shortId}/activity?limit=2&page=2`);
    assert.deepEqual(
      second.results.map((item) => [item.activity, item.detail.name]),
      [
        ['updated', 'a'],
        ['created', 'n0'],
      ],
    );
    assert.equal(second.next, null);
    assert.equal(second.previous, `${absolute(env(), project, `${shortId}/activity`)}?limit=2&page=1`);
    const past = await activityPage(env(), project, `${shortId}/activity?limit=2&page=3`);
    assert.deepEqual(past.results, []);
    assert.equal(past.next, null);
    assert.equal(past.previous, `${absolute(env(), project, `${shortId}/activity`)}?limit=2&page=2`);
  });
}
