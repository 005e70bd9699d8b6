import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createNotebook, createProject } from '../support/factories.ts';
import { describeEachEngine, json } from '../support/harness.ts';

// Our extension to the list: ?deleted=true lists the soft-deleted notebooks (the web app's
// "Deleted notebooks"); without it the list is PostHog's.

interface Page {
  count: number;
  results: Array<{ short_id: string; deleted: boolean }>;
}

describeEachEngine('listing deleted notebooks', (env) => {
  it("lists only the soft-deleted notebooks with ?deleted=true, newest first, and PostHog's list without", async () => {
    const e = env();
    const project = await createProject(e, 'Trash');
    const kept = await createNotebook(e, { title: 'kept' }, { project });
    const first = await createNotebook(e, { title: 'first gone' }, { project });
    const second = await createNotebook(e, { title: 'second gone' }, { project });
    for (const notebook of [first, second]) {
      const deleted = await e.request({
        method: 'PATCH',
        url: e.url(`${notebook.short_id}/`, project.id),
        payload: { deleted: true },
      });
      assert.equal(deleted.statusCode, 200, deleted.body);
    }
    const trash = json<Page>(await e.request({ method: 'GET', url: e.url('?deleted=true', project.id) }));
    assert.equal(trash.count, 2);
    assert.deepEqual(
      trash.results.map((item) => [item.short_id, item.deleted]),
      [
        [second.short_id, true],
        [first.short_id, true],
      ],
    );
    for (const query of ['', '?deleted=false', '?deleted=0']) {
      const listed = json<Page>(await e.request({ method: 'GET', url: e.url(query, project.id) }));
      assert.deepEqual(
        listed.results.map((item) => item.short_id),
        [kept.short_id],
        query,
      );
    }
    const restored = await e.request({
      method: 'PATCH',
      url: e.url(`${first.short_id}/`, project.id),
      payload: { deleted: false },
    });
    assert.equal(restored.statusCode, 200);
    const after = json<Page>(await e.request({ method: 'GET', url: e.url('?deleted=true&limit=1', project.id) }));
    assert.equal(after.count, 1);
    assert.equal(after.results[0].short_id, second.short_id);
  });

  it('combines ?deleted=true with the other filters but search, and refuses a value that is not a boolean', async () => {
    const e = env();
    const project = await createProject(e, 'Filtered trash');
    const member = await e.createUser({ scopes: ['notebook:read', 'notebook:write'] });
    const mine = await createNotebook(
      e,
      { title: 'mine', content: { type: 'doc', content: [{ type: 'ph-recording', attrs: { id: 'r1' } }] } },
      { project },
    );
    const theirs = await createNotebook(e, { title: 'theirs' }, { project, key: member.key });
    for (const notebook of [mine, theirs]) {
      await e.request({ method: 'PATCH', url: e.url(`${notebook.short_id}/`, project.id), payload: { deleted: true } });
    }
    const byMember = json<Page>(
      await e.request({
        method: 'GET',
        url: e.url(`?deleted=true&created_by=${member.uuid}`, project.id),
        key: member.key,
      }),
    );
    assert.deepEqual(
      byMember.results.map((item) => item.short_id),
      [theirs.short_id],
    );
    const withRecording = json<Page>(
      await e.request({ method: 'GET', url: e.url('?deleted=true&contains=recording:r1', project.id) }),
    );
    assert.deepEqual(
      withRecording.results.map((item) => item.short_id),
      [mine.short_id],
    );
    const searched = await e.request({ method: 'GET', url: e.url('?deleted=true&search=mine', project.id) });
    assert.equal(searched.statusCode, 400);
    assert.equal(json<{ attr: string }>(searched).attr, 'search');
    const bad = await e.request({ method: 'GET', url: e.url('?deleted=maybe', project.id) });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(json(bad), {
      type: 'validation_error',
      code: 'invalid',
      detail: 'Must be a valid boolean.',
      attr: 'deleted',
    });
  });
});
