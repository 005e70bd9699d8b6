import assert from 'node:assert/strict';
import { it, mock } from 'node:test';
import { createNotebook, createProject, createSignedInUser, type NotebookDetail } from '../support/factories.ts';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

// ETag, If-None-Match and If-Match: HTTP's own validators, beside PostHog's version. A request
// without them is answered as PostHog answers (notebooks.api.test.ts).

const ETAG = /^"[A-Za-z0-9_-]{27}"$/;
const PRECONDITION_FAILED = {
  type: 'invalid_request',
  code: 'precondition_failed',
  detail: 'The resource has changed since the ETag in If-Match.',
  attr: null,
};
/** How long a notebook answer may show a user as they were (the notebooks' user cache). */
const USER_CACHE_MS = 10_000;
const doc = (text: string) => ({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

async function retrieve(e: TestEnv, shortId: string, headers: Record<string, string> = {}) {
  return e.request({ method: 'GET', url: e.url(`${shortId}/`), headers });
}

async function etagOf(e: TestEnv, shortId: string): Promise<string> {
  const response = await retrieve(e, shortId);
  assert.equal(response.statusCode, 200, response.body);
  assert.match(String(response.headers.etag), ETAG);
  return String(response.headers.etag);
}

function patch(e: TestEnv, shortId: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) {
  return e.request({ method: 'PATCH', url: e.url(`${shortId}/`), payload, headers });
}

function put(e: TestEnv, shortId: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) {
  return e.request({ method: 'PUT', url: e.url(`${shortId}/`), payload, headers });
}

describeEachEngine('HTTP validators on a notebook', (env) => {
  it('answers 304 with its ETag to If-None-Match naming it: strong, weak, in a list, or *', async () => {
    const e = env();
    const { short_id } = await createNotebook(e, { title: 'Validated' });
    const etag = await etagOf(e, short_id);
    assert.equal(await etagOf(e, short_id), etag, 'the same answer has the same ETag');
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const response = await retrieve(e, short_id, { 'if-none-match': header });
      assert.equal(response.statusCode, 304, `If-None-Match: ${header}`);
      assert.equal(response.body, '');
      assert.equal(response.headers.etag, etag);
    }
    const other = await retrieve(e, short_id, { 'if-none-match': '"someone-elses-etag"' });
    assert.equal(other.statusCode, 200);
  });

  it("keeps PostHog's bare version form exactly: 304 on the version, without reading the ETag", async () => {
    const e = env();
    const { short_id } = await createNotebook(e, { title: 'Versioned' });
    const response = await retrieve(e, short_id, { 'if-none-match': '0' });
    assert.equal(response.statusCode, 304);
    assert.equal(response.body, '');
  });

  it('changes the ETag when the title changes, when the notebook is deleted and restored, and with its writer', async () => {
    const e = env();
    const { short_id } = await createNotebook(e, { title: 'Before', content: doc('x') });
    const seen = new Set([await etagOf(e, short_id)]);
    const retitled = await patch(e, short_id, { title: 'After' });
    assert.equal(retitled.statusCode, 200, retitled.body);
    assert.equal(retitled.headers.etag, await etagOf(e, short_id), 'an update answers the ETag a retrieve then gives');
    seen.add(String(retitled.headers.etag));
    assert.equal((await patch(e, short_id, { deleted: true })).statusCode, 200);
    const restored = await patch(e, short_id, { deleted: false });
    seen.add(String(restored.headers.etag));
    const member = await e.createUser();
    const byMember = await e.request({
      method: 'PATCH',
      url: e.url(`${short_id}/`),
      key: member.key,
      payload: { text_content: 'only the text' },
    });
    assert.equal(byMember.statusCode, 200, byMember.body);
    seen.add(await etagOf(e, short_id));
    assert.equal(seen.size, 4, 'every change gave a new ETag');
  });

  it('gives each viewer the ETag of the answer they see (user_access_level differs)', async () => {
    const e = env();
    const { short_id } = await createNotebook(e, { title: 'Shared' });
    const member = await e.createUser();
    const asMember = await e.request({ method: 'GET', url: e.url(`${short_id}/`), key: member.key });
    assert.notEqual(asMember.headers.etag, await etagOf(e, short_id));
  });

  it('refuses a PATCH with a stale If-Match: 412 precondition_failed, for any field, and changes nothing', async () => {
    const e = env();
    const { short_id } = await createNotebook(e, { title: 'Guarded', content: doc('v0') });
    const stale = await etagOf(e, short_id);
    assert.equal((await patch(e, short_id, { title: 'Someone else' })).statusCode, 200);
    const current = await etagOf(e, short_id);
    for (const payload of [{ title: 'Mine' }, { deleted: true }, { content: doc('mine'), version: 0 }]) {
      const refused = await patch(e, short_id, payload, { 'if-match': stale });
      assert.equal(refused.statusCode, 412, refused.body);
      assert.deepEqual(json(refused), PRECONDITION_FAILED);
    }
    assert.equal(await etagOf(e, short_id), current, 'nothing was written');
    const weak = await patch(e, short_id, { title: 'Mine' }, { 'if-match': `W/${current}` });
    assert.equal(weak.statusCode, 412, 'If-Match compares strongly');
    const applied = await patch(e, short_id, { title: 'Mine' }, { 'if-match': `"x", ${current}` });
    assert.equal(applied.statusCode, 200, applied.body);
    assert.equal(json<{ title: string }>(applied).title, 'Mine');
    assert.equal((await patch(e, short_id, { title: 'Any' }, { 'if-match': '*' })).statusCode, 200);
  });

  it('guards a PUT with If-Match as it guards a PATCH: 412 precondition_failed when stale, applied when current', async () => {
    const e = env();
    const { short_id } = await createNotebook(e, { title: 'Put guarded', content: doc('v0') });
    const stale = await etagOf(e, short_id);
    assert.equal((await put(e, short_id, { title: 'Someone else' })).statusCode, 200);
    const current = await etagOf(e, short_id);
    for (const payload of [{ title: 'Mine' }, { deleted: true }, { content: doc('mine'), version: 0 }]) {
      const refused = await put(e, short_id, payload, { 'if-match': stale });
      assert.equal(refused.statusCode, 412, refused.body);
      assert.deepEqual(json(refused), PRECONDITION_FAILED);
    }
    assert.equal(await etagOf(e, short_id), current, 'nothing was written');
    const applied = await put(
      e,
      short_id,
      { title: 'Mine', content: doc('mine'), version: 0 },
      { 'if-match': current },
    );
    assert.equal(applied.statusCode, 200, applied.body);
    const body = json<NotebookDetail>(applied);
    assert.equal(body.title, 'Mine');
    assert.equal(body.version, 1);
    assert.equal(applied.headers.etag, await etagOf(e, short_id), 'the PUT answers the ETag a retrieve then gives');
    assert.notEqual(applied.headers.etag, current);
  });

  it('changes the ETag of the notebooks a user created or last modified when the user is renamed', async () => {
    const e = env();
    const writer = await createSignedInUser(e);
    const created = await createNotebook(e, { title: 'Created by the writer' }, { key: writer.key });
    assert.equal((await patch(e, created.short_id, { title: 'Then the owner' })).statusCode, 200);
    const modified = await createNotebook(e, { title: 'Modified by the writer' });
    const byWriter = await e.request({
      method: 'PATCH',
      url: e.url(`${modified.short_id}/`),
      key: writer.key,
      payload: { title: 'Last modified by the writer' },
    });
    assert.equal(byWriter.statusCode, 200, byWriter.body);
    const untouched = await createNotebook(e, { title: 'Nothing to do with the writer' });
    // A notebook answer may show a user as they were for USER_CACHE_MS: Date is moved past it.
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    try {
      const naming: Array<[string, 'created_by' | 'last_modified_by']> = [
        [created.short_id, 'created_by'],
        [modified.short_id, 'last_modified_by'],
      ];
      const before = new Map<string, string>();
      for (const shortId of [created.short_id, modified.short_id, untouched.short_id]) {
        before.set(shortId, await etagOf(e, shortId));
      }
      const renamed = await e.request({
        method: 'PATCH',
        url: '/api/users/@me/',
        key: null,
        headers: writer.browser.headers(),
        payload: { first_name: 'Renamed' },
      });
      assert.equal(renamed.statusCode, 200, renamed.body);
      mock.timers.tick(USER_CACHE_MS + 1);
      assert.equal(
        await etagOf(e, untouched.short_id),
        before.get(untouched.short_id),
        'a notebook not naming the user keeps its ETag',
      );
      for (const [shortId, field] of naming) {
        const old = String(before.get(shortId));
        const fresh = await retrieve(e, shortId, { 'if-none-match': old });
        assert.equal(fresh.statusCode, 200, `If-None-Match with the ETag from before the rename: ${shortId}`);
        assert.notEqual(fresh.headers.etag, old);
        assert.equal(json<NotebookDetail>(fresh)[field]?.first_name, 'Renamed', `${field} shows the new name`);
        const refused = await patch(e, shortId, { title: 'Stale' }, { 'if-match': old });
        assert.equal(refused.statusCode, 412, refused.body);
        assert.deepEqual(json(refused), PRECONDITION_FAILED);
        const applied = await patch(e, shortId, { title: 'Current' }, { 'if-match': String(fresh.headers.etag) });
        assert.equal(applied.statusCode, 200, applied.body);
      }
    } finally {
      mock.timers.reset();
    }
  });

  it('answers a list with an ETag, and 304 to it until a write to the project', async () => {
    const e = env();
    const project = await createProject(e, 'Validated list');
    const other = await createProject(e, 'Busy list');
    await createNotebook(e, { title: 'listed' }, { project });
    const url = e.url('?limit=5', project.id);
    const first = await e.request({ method: 'GET', url });
    assert.equal(first.statusCode, 200);
    const etag = String(first.headers.etag);
    assert.match(etag, ETAG);
    await createNotebook(e, { title: 'elsewhere' }, { project: other });
    const unchanged = await e.request({ method: 'GET', url, headers: { 'if-none-match': etag } });
    assert.equal(unchanged.statusCode, 304);
    assert.equal(unchanged.body, '');
    const otherUrl = await e.request({
      method: 'GET',
      url: e.url('?limit=6', project.id),
      headers: { 'if-none-match': etag },
    });
    assert.equal(otherUrl.statusCode, 200, 'another page of the same list is another answer');
    await createNotebook(e, { title: 'another' }, { project });
    const changed = await e.request({ method: 'GET', url, headers: { 'if-none-match': etag } });
    assert.equal(changed.statusCode, 200);
    assert.notEqual(changed.headers.etag, etag);
  });
});
