import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createNotebook } from '../support/factories.ts';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

// Concurrent writers at the API: no lost update, no duplicate, and an activity log that tells
// exactly what happened, in the order it happened.

interface NotebookDetail {
  id: string;
  short_id: string;
  title: string | null;
  content: unknown;
  version: number;
  deleted: boolean;
}

interface Change {
  type: string;
  action: string;
  field: string;
  before: unknown;
  after: unknown;
}

interface ActivityItem {
  activity: string;
  item_id: string;
  detail: { changes: Change[] | null; name: string | null; short_id: string | null };
  created_at: string;
}

const CONFLICT = { type: 'server_error', code: 'conflict', detail: 'Someone else edited the Notebook', attr: null };
const WRITERS = 50;

const doc = (text: string) => ({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

const patch = (env: TestEnv, shortId: string, payload: Record<string, unknown>) =>
  env.request({ method: 'PATCH', url: env.url(`${shortId}/`), payload });

/** The stored row, read past the API so a soft-deleted notebook is visible too. */
async function storedNotebook(env: TestEnv, shortId: string) {
  const row = await env.db.kysely
    .selectFrom('notebooks')
    .select(['title', 'content', 'version', 'deleted'])
    .where('team_id', '=', env.project.id)
    .where('short_id', '=', shortId)
    .executeTakeFirstOrThrow();
  return {
    title: row.title,
    content: env.db.dialect.readJson(row.content),
    version: row.version,
    deleted: env.db.dialect.readBoolean(row.deleted),
  };
}

/** The project's notebook activity for some items, newest first, as the API lists it. */
async function activityOf(env: TestEnv, shortIds: ReadonlySet<string>): Promise<ActivityItem[]> {
  const response = await env.request({ method: 'GET', url: env.url('activity/?limit=10000') });
  assert.equal(response.statusCode, 200, response.body);
  return json<{ results: ActivityItem[] }>(response).results.filter((item) => shortIds.has(item.item_id));
}

const changeOf = (item: ActivityItem, field: string): Change | undefined =>
  item.detail.changes?.find((change) => change.field === field);

function concurrentWrites(env: () => TestEnv): void {
  describe(`${WRITERS} PATCHes with the same version and new content`, () => {
    it('lets exactly one win with 200, answers the rest 409, moves the version by one and logs one update', {
      timeout: 60_000,
    }, async () => {
      const notebook = await createNotebook(env(), { title: 'Contended', content: doc('original') });
      const bodies = Array.from({ length: WRITERS }, (_, writer) => ({
        content: doc(`writer ${writer}`),
        version: notebook.version,
      }));
      const responses = await Promise.all(bodies.map((body) => patch(env(), notebook.short_id, body)));

      const winners = responses.flatMap((response, writer) => (response.statusCode === 200 ? [writer] : []));
      assert.equal(winners.length, 1, `exactly one 200, got statuses ${responses.map((r) => r.statusCode).join(',')}`);
      for (const response of responses.filter((r) => r.statusCode !== 200)) {
        assert.equal(response.statusCode, 409, response.body);
        assert.deepEqual(json(response), CONFLICT);
      }
      const winner = winners[0];
      assert.equal(json<NotebookDetail>(responses[winner]).version, notebook.version + 1);

      const stored = await storedNotebook(env(), notebook.short_id);
      assert.equal(stored.version, notebook.version + 1);
      assert.deepEqual(stored.content, bodies[winner].content);

      const activity = await activityOf(env(), new Set([notebook.short_id]));
      assert.deepEqual(
        activity.map((item) => item.activity),
        ['updated', 'created'],
      );
      assert.deepEqual(changeOf(activity[0], 'version'), {
        type: 'Notebook',
        action: 'changed',
        field: 'version',
        before: notebook.version,
        after: notebook.version + 1,
      });
      assert.deepEqual(changeOf(activity[0], 'content')?.after, bodies[winner].content);
    });
  });

  describe(`${WRITERS} concurrent creates`, () => {
    it('answers every one 201 with its own short_id, stores every row and logs every creation', {
      timeout: 60_000,
    }, async () => {
      const batch = `batch-${Date.now()}`;
      const responses = await Promise.all(
        Array.from({ length: WRITERS }, (_, writer) =>
          env().request({
            method: 'POST',
            url: env().url(),
            payload: { title: `${batch} ${writer}`, content: doc(`created by writer ${writer}`) },
          }),
        ),
      );
      for (const response of responses) assert.equal(response.statusCode, 201, response.body);
      const created = responses.map((response) => json<NotebookDetail>(response));
      for (const [writer, notebook] of created.entries()) assert.equal(notebook.title, `${batch} ${writer}`);
      const shortIds = new Set(created.map((notebook) => notebook.short_id));
      assert.equal(shortIds.size, WRITERS, 'distinct short_ids');
      assert.equal(new Set(created.map((notebook) => notebook.id)).size, WRITERS, 'distinct ids');

      const rows = await env()
        .db.kysely.selectFrom('notebooks')
        .select(['short_id', 'title', 'content'])
        .where('team_id', '=', env().project.id)
        .where('title', 'like', `${batch} %`)
        .execute();
      assert.equal(rows.length, WRITERS);
      for (const notebook of created) {
        const row = rows.find((candidate) => candidate.short_id === notebook.short_id);
        assert.ok(row, `row for ${notebook.short_id}`);
        assert.equal(row.title, notebook.title);
        assert.deepEqual(env().db.dialect.readJson(row.content), notebook.content);
      }

      const activity = await activityOf(env(), shortIds);
      assert.equal(activity.length, WRITERS);
      assert.ok(activity.every((item) => item.activity === 'created'));
      assert.deepEqual(new Set(activity.map((item) => item.item_id)), shortIds);
    });
  });

  describe('interleaved soft-delete and restore PATCHes', () => {
    it('answers every one 200 and logs one deleted/restored item per real change, alternating and ending at the stored state', {
      timeout: 60_000,
    }, async () => {
      const notebook = await createNotebook(env(), { title: 'Toggled' });
      const wanted = Array.from({ length: WRITERS }, (_, writer) => writer % 2 === 0);
      const responses = await Promise.all(wanted.map((deleted) => patch(env(), notebook.short_id, { deleted })));
      responses.forEach((response, writer) => {
        assert.equal(response.statusCode, 200, response.body);
        assert.equal(json<NotebookDetail>(response).deleted, wanted[writer], 'each answer shows its own write');
      });

      const stored = await storedNotebook(env(), notebook.short_id);
      const transitions = (await activityOf(env(), new Set([notebook.short_id]))).filter(
        (item) => item.activity !== 'created',
      );
      assert.ok(transitions.length >= 1, 'the first soft delete is a real change');
      assert.ok(transitions.length <= WRITERS);
      let state = stored.deleted;
      for (const item of transitions) {
        // Newest first: each item must lead to the state the next-newer one started from.
        assert.equal(item.activity, state ? 'deleted' : 'restored', JSON.stringify(transitions.map((t) => t.activity)));
        assert.deepEqual(changeOf(item, 'deleted'), {
          type: 'Notebook',
          action: 'changed',
          field: 'deleted',
          before: !state,
          after: state,
        });
        state = !state;
      }
      assert.equal(state, false, 'the oldest change starts from the notebook as created (not deleted)');
      assert.equal(stored.version, notebook.version, 'a soft delete does not move the version');
    });

    it('keeps the last committed write: stored title and deleted come from the same write, and the log replays every write once in commit order', {
      timeout: 60_000,
    }, async () => {
      const initialTitle = 'Replayed 0 (initial)';
      const notebook = await createNotebook(env(), { title: initialTitle });
      // A pattern with runs, so some writes change the state and some do not.
      const writes = Array.from({ length: WRITERS }, (_, writer) => ({
        title: `Replayed write ${writer}`,
        deleted: [true, true, false, true, false, false, false][writer % 7],
      }));
      const responses = await Promise.all(writes.map((write) => patch(env(), notebook.short_id, write)));
      responses.forEach((response, writer) => {
        assert.equal(response.statusCode, 200, response.body);
        const body = json<NotebookDetail>(response);
        assert.equal(body.title, writes[writer].title);
        assert.equal(body.deleted, writes[writer].deleted);
      });

      // Every write changes the title, so every write leaves exactly one activity item.
      const items = (await activityOf(env(), new Set([notebook.short_id]))).reverse();
      assert.equal(items[0].activity, 'created');
      const replay = items.slice(1);
      assert.equal(replay.length, WRITERS, 'one item per write: none lost, none invented');

      let title = initialTitle;
      let deleted = false;
      const seen = new Set<string>();
      for (const item of replay) {
        const titleChange = changeOf(item, 'title');
        assert.ok(titleChange, `${item.activity} item records the title change`);
        assert.equal(titleChange.before, title, 'oldest first, each write starts where the previous one ended');
        const writer = writes.findIndex((write) => write.title === titleChange.after);
        assert.ok(writer >= 0, `${String(titleChange.after)} is one of the writes`);
        assert.ok(!seen.has(writes[writer].title), 'no write appears twice');
        seen.add(writes[writer].title);
        const expected: string =
          writes[writer].deleted === deleted ? 'updated' : writes[writer].deleted ? 'deleted' : 'restored';
        assert.equal(item.activity, expected, `write ${writer} after deleted=${deleted}`);
        assert.equal(changeOf(item, 'deleted') !== undefined, expected !== 'updated');
        title = writes[writer].title;
        deleted = writes[writer].deleted;
      }

      const stored = await storedNotebook(env(), notebook.short_id);
      assert.equal(stored.title, title, 'the stored title is the last committed write');
      assert.equal(stored.deleted, deleted, 'the stored deleted flag is that same write');
    });
  });
}

describeEachEngine('concurrent notebook writes', concurrentWrites);
// A SQLite file, as the server runs it (the other suites use an in-memory database).
describeEachEngine('concurrent notebook writes to a database file', concurrentWrites, {}, { sqliteFile: true });
