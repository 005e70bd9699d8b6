import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

// GET /api/projects/:project_id/notebooks/recording_comments/, as PostHog answers it, with the
// README's deviations 2 (project-scoped) and 7 (API keys with notebook:read). Every test works in
// a project of its own.

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

interface Comment {
  timeInRecording: JsonValue;
  comment: JsonValue;
  notebookShortId: string;
  notebookTitle: string | null;
  id: string;
}

interface Created {
  short_id: string;
  title: string | null;
}

const COMMENT_KEYS = ['timeInRecording', 'comment', 'notebookShortId', 'notebookTitle', 'id'];
const RECORDING = 'recording-0190a1b2';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const doc = (...nodes: JsonValue[]): JsonValue => ({ type: 'doc', content: nodes });
const recordingNode = (id: JsonValue): JsonValue => ({ type: 'ph-recording', attrs: { id, noInspector: false } });
const timestamp = (sessionRecordingId: string, playbackTime: JsonValue): JsonValue => ({
  type: 'ph-replay-timestamp',
  attrs: { playbackTime, sessionRecordingId },
});
const text = (value: string): JsonValue => ({ type: 'text', text: value });
/** The paragraph the PostHog editor writes for a comment on a replay: a timestamp, then text. */
const commentParagraph = (sessionRecordingId: string, playbackTime: JsonValue, comment: string): JsonValue => ({
  type: 'paragraph',
  content: [timestamp(sessionRecordingId, playbackTime), text(comment)],
});

let projectCounter = 0;

/** A project of its own in the test organization, with factories for its notebooks. */
async function freshProject(env: TestEnv) {
  projectCounter += 1;
  const project = await env.accounts.createProject({
    name: `Comments project ${projectCounter}`,
    organizationId: env.org.id,
  });
  const url = (suffix = '') => env.url(suffix, project.id);
  const notebooks = {
    projectId: project.id,
    async create(body: { title?: string | null; content?: JsonValue; deleted?: boolean }): Promise<Created> {
      const response = await env.request({ method: 'POST', url: url(), payload: body });
      assert.equal(response.statusCode, 201, response.body);
      return json<Created>(response);
    },
    async setLastModified(shortId: string, date: Date): Promise<void> {
      await env.db.kysely
        .updateTable('notebooks')
        .set({ last_modified_at: env.db.dialect.timestamp(date) })
        .where('team_id', '=', project.id)
        .where('short_id', '=', shortId)
        .execute();
    },
    get(query: string, key?: string) {
      return env.request({ method: 'GET', url: url(`recording_comments/${query}`), key });
    },
    async comments(recordingId: string, extraQuery = ''): Promise<Comment[]> {
      const response = await notebooks.get(`?recording_id=${encodeURIComponent(recordingId)}${extraQuery}`);
      assert.equal(response.statusCode, 200, response.body);
      const body = json<{ results: Comment[] }>(response);
      assert.deepEqual(Object.keys(body), ['results']);
      return body.results;
    },
  };
  return notebooks;
}

/** The comment PostHog builds, id included: sha256 of "<short_id>-<title>-<text>-<playbackTime>". */
function expectedComment(
  notebook: Created,
  playbackTime: JsonValue,
  comment: string | null,
  idSource: { title: string; text: string; playbackTime: string },
): Comment {
  return {
    timeInRecording: playbackTime,
    comment,
    notebookShortId: notebook.short_id,
    notebookTitle: notebook.title,
    id: sha256(`${notebook.short_id}-${idSource.title}-${idSource.text}-${idSource.playbackTime}`),
  };
}

describeEachEngine('GET /notebooks/recording_comments/', (env) => {
  describe('the recording_id parameter', () => {
    it('answers 400 with the plain body {"detail":"recording_id is required"} when it is missing or empty', async () => {
      const notebooks = await freshProject(env());
      await notebooks.create({
        title: 'has a recording',
        content: doc(recordingNode(RECORDING), commentParagraph(RECORDING, 1, 'hi')),
      });
      for (const query of ['', '?recording_id=', '?recordingId=x', `?search=${RECORDING}`]) {
        const response = await notebooks.get(query);
        assert.equal(response.statusCode, 400, query);
        assert.equal(response.body, '{"detail":"recording_id is required"}', query);
        assert.match(String(response.headers['content-type']), /^application\/json/);
      }
    });

    it('answers {"results":[]} when no notebook of the project embeds the recording', async () => {
      const notebooks = await freshProject(env());
      await notebooks.create({
        title: 'other recording',
        content: doc(recordingNode('other'), commentParagraph('other', 3, 'elsewhere')),
      });
      const response = await notebooks.get(`?recording_id=${RECORDING}`);
      assert.equal(response.statusCode, 200);
      assert.equal(response.body, '{"results":[]}');
    });
  });

  describe('which paragraphs are comments', () => {
    it("turns a two-child paragraph into a comment with its keys in order and PostHog's id", async () => {
      const notebooks = await freshProject(env());
      const notebook = await notebooks.create({
        title: 'Another notebook',
        content: doc(recordingNode(RECORDING), commentParagraph(RECORDING, 42, 'a]comment')),
      });
      const comments = await notebooks.comments(RECORDING);
      assert.equal(comments.length, 1);
      assert.deepEqual(Object.keys(comments[0]), COMMENT_KEYS);
      assert.deepEqual(comments, [
        expectedComment(notebook, 42, 'a]comment', {
          title: 'Another notebook',
          text: 'a]comment',
          playbackTime: '42',
        }),
      ]);
      assert.equal(comments[0].id, sha256(`${notebook.short_id}-Another notebook-a]comment-42`));
    });

    it('takes only top-level paragraphs with exactly two children whose first child points at the recording', async () => {
      const notebooks = await freshProject(env());
      const notebook = await notebooks.create({
        title: 'Mixed',
        content: doc(
          recordingNode(RECORDING),
          commentParagraph(RECORDING, 10, 'first'),
          { type: 'paragraph', content: [timestamp(RECORDING, 11)] },
          { type: 'paragraph', content: [timestamp(RECORDING, 12), text('three'), text('children')] },
          { type: 'paragraph', content: [text('text first'), timestamp(RECORDING, 13)] },
          { type: 'heading', content: [timestamp(RECORDING, 14), text('not a paragraph')] },
          commentParagraph('another-recording', 15, 'another recording'),
          { type: 'blockquote', content: [commentParagraph(RECORDING, 16, 'nested')] },
          { type: 'paragraph' },
          {
            type: 'paragraph',
            content: [
              { attrs: { playbackTime: 17, sessionRecordingId: RECORDING } },
              text('first child without a type'),
            ],
          },
          commentParagraph(RECORDING, 18, 'last'),
        ),
      });
      const comments = await notebooks.comments(RECORDING);
      assert.deepEqual(comments, [
        expectedComment(notebook, 10, 'first', { title: 'Mixed', text: 'first', playbackTime: '10' }),
        expectedComment(notebook, 17, 'first child without a type', {
          title: 'Mixed',
          text: 'first child without a type',
          playbackTime: '17',
        }),
        expectedComment(notebook, 18, 'last', { title: 'Mixed', text: 'last', playbackTime: '18' }),
      ]);
    });

    it('compares sessionRecordingId by plain string equality', async () => {
      const notebooks = await freshProject(env());
      await notebooks.create({
        title: 'Near misses',
        content: doc(
          recordingNode(RECORDING),
          commentParagraph(RECORDING.toUpperCase(), 1, 'upper case'),
          commentParagraph(`${RECORDING} `, 2, 'trailing space'),
        ),
      });
      assert.deepEqual(await notebooks.comments(RECORDING), []);
    });

    it('accepts a playbackTime of 0 and skips a null or missing one', async () => {
      const notebooks = await freshProject(env());
      const notebook = await notebooks.create({
        title: 'Times',
        content: doc(
          recordingNode(RECORDING),
          commentParagraph(RECORDING, 0, 'at the start'),
          commentParagraph(RECORDING, null, 'null time'),
          {
            type: 'paragraph',
            content: [{ type: 'ph-replay-timestamp', attrs: { sessionRecordingId: RECORDING } }, text('no time')],
          },
        ),
      });
      assert.deepEqual(await notebooks.comments(RECORDING), [
        expectedComment(notebook, 0, 'at the start', { title: 'Times', text: 'at the start', playbackTime: '0' }),
      ]);
    });

    it('formats the id with Python str(): None for a null title or text, integers and floats as Python prints them', async () => {
      const notebooks = await freshProject(env());
      const notebook = await notebooks.create({
        title: null,
        content: doc(
          recordingNode(RECORDING),
          commentParagraph(RECORDING, 42, 'untitled'),
          { type: 'paragraph', content: [timestamp(RECORDING, 7), { type: 'text' }] },
          commentParagraph(RECORDING, 1.5, 'a float'),
          commentParagraph(RECORDING, '00:42', 'a string time'),
          commentParagraph(RECORDING, true, 'a boolean time'),
        ),
      });
      assert.equal(notebook.title, null);
      assert.deepEqual(await notebooks.comments(RECORDING), [
        expectedComment(notebook, 42, 'untitled', { title: 'None', text: 'untitled', playbackTime: '42' }),
        expectedComment(notebook, 7, null, { title: 'None', text: 'None', playbackTime: '7' }),
        expectedComment(notebook, 1.5, 'a float', { title: 'None', text: 'a float', playbackTime: '1.5' }),
        expectedComment(notebook, '00:42', 'a string time', {
          title: 'None',
          text: 'a string time',
          playbackTime: '00:42',
        }),
        expectedComment(notebook, true, 'a boolean time', {
          title: 'None',
          text: 'a boolean time',
          playbackTime: 'True',
        }),
      ]);
    });

    it('hashes a playbackTime written as 42.0 as Python\'s "42.0"', async () => {
      const notebooks = await freshProject(env());
      const payload = `{"title":"Float","content":{"type":"doc","content":[${JSON.stringify(recordingNode(RECORDING))},{"type":"paragraph","content":[{"type":"ph-replay-timestamp","attrs":{"playbackTime":42.0,"sessionRecordingId":"${RECORDING}"}},{"type":"text","text":"c"}]}]}}`;
      const response = await env().request({
        method: 'POST',
        url: env().url('', notebooks.projectId),
        payload,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(response.statusCode, 201, response.body);
      const notebook = json<Created>(response);
      const [comment] = await notebooks.comments(RECORDING);
      assert.equal(comment.id, sha256(`${notebook.short_id}-Float-c-42.0`));
    });

    it('answers 500 for a malformed candidate paragraph, as PostHog does', async () => {
      const notebooks = await freshProject(env());
      await notebooks.create({
        title: 'Broken',
        content: doc(recordingNode(RECORDING), { type: 'paragraph', content: ['not', 'objects'] }),
      });
      const response = await notebooks.get(`?recording_id=${RECORDING}`);
      assert.equal(response.statusCode, 500);
      assert.deepEqual(json(response), {
        type: 'server_error',
        code: 'error',
        detail: 'A server error occurred.',
        attr: null,
      });
    });
  });

  describe('which notebooks are scanned', () => {
    it('skips notebooks without a top-level ph-recording node and a node with attrs.id equal to the recording', async () => {
      const notebooks = await freshProject(env());
      await notebooks.create({
        title: 'timestamps only',
        content: doc(commentParagraph(RECORDING, 1, 'no recording node')),
      });
      await notebooks.create({
        title: 'another recording node',
        content: doc(recordingNode('other'), commentParagraph(RECORDING, 2, 'wrong node')),
      });
      await notebooks.create({
        title: 'nested recording node',
        content: doc(
          { type: 'blockquote', content: [recordingNode(RECORDING)] },
          commentParagraph(RECORDING, 3, 'nested node'),
        ),
      });
      await notebooks.create({
        title: 'playlist node',
        content: doc(
          { type: 'ph-recording-playlist', attrs: { id: RECORDING } },
          commentParagraph(RECORDING, 4, 'playlist'),
        ),
      });
      await notebooks.create({ title: 'null content', content: null });
      const scanned = await notebooks.create({
        title: 'recording node',
        content: doc(commentParagraph(RECORDING, 5, 'scanned'), recordingNode(RECORDING)),
      });
      assert.deepEqual(await notebooks.comments(RECORDING), [
        expectedComment(scanned, 5, 'scanned', { title: 'recording node', text: 'scanned', playbackTime: '5' }),
      ]);
    });

    it('scans a notebook whose recording node and id node differ, as the contains filter does', async () => {
      const notebooks = await freshProject(env());
      const notebook = await notebooks.create({
        title: 'person with the id',
        content: doc(
          recordingNode('other'),
          { type: 'ph-person', attrs: { id: RECORDING } },
          commentParagraph(RECORDING, 6, 'independent tests'),
        ),
      });
      assert.deepEqual(await notebooks.comments(RECORDING), [
        expectedComment(notebook, 6, 'independent tests', {
          title: 'person with the id',
          text: 'independent tests',
          playbackTime: '6',
        }),
      ]);
    });

    it('never finds a digit-only recording id in a string attrs.id, but finds it in a numeric one', async () => {
      const notebooks = await freshProject(env());
      await notebooks.create({
        title: 'string id',
        content: doc(recordingNode('12345'), commentParagraph('12345', 1, 'string')),
      });
      const numeric = await notebooks.create({
        title: 'numeric id',
        content: doc(recordingNode(12345), commentParagraph('12345', 2, 'numeric')),
      });
      assert.deepEqual(await notebooks.comments('12345'), [
        expectedComment(numeric, 2, 'numeric', { title: 'numeric id', text: 'numeric', playbackTime: '2' }),
      ]);
    });

    it('never scans soft-deleted notebooks', async () => {
      const notebooks = await freshProject(env());
      await notebooks.create({
        title: 'deleted',
        deleted: true,
        content: doc(recordingNode(RECORDING), commentParagraph(RECORDING, 1, 'gone')),
      });
      const kept = await notebooks.create({
        title: 'kept',
        content: doc(recordingNode(RECORDING), commentParagraph(RECORDING, 2, 'here')),
      });
      assert.deepEqual(await notebooks.comments(RECORDING), [
        expectedComment(kept, 2, 'here', { title: 'kept', text: 'here', playbackTime: '2' }),
      ]);
    });

    it('scans only the project in the URL, even when another project embeds the same recording (Deviation 2)', async () => {
      const here = await freshProject(env());
      const elsewhere = await freshProject(env());
      const local = await here.create({
        title: 'here',
        content: doc(recordingNode(RECORDING), commentParagraph(RECORDING, 1, 'local')),
      });
      const remote = await elsewhere.create({
        title: 'elsewhere',
        content: doc(recordingNode(RECORDING), commentParagraph(RECORDING, 2, 'remote')),
      });
      assert.deepEqual(await here.comments(RECORDING), [
        expectedComment(local, 1, 'local', { title: 'here', text: 'local', playbackTime: '1' }),
      ]);
      assert.deepEqual(await elsewhere.comments(RECORDING), [
        expectedComment(remote, 2, 'remote', { title: 'elsewhere', text: 'remote', playbackTime: '2' }),
      ]);
    });

    it('lists comments notebook by notebook, newest modification first or by order, then in node order', async () => {
      const notebooks = await freshProject(env());
      const older = await notebooks.create({
        title: 'b older',
        content: doc(
          recordingNode(RECORDING),
          commentParagraph(RECORDING, 1, 'older one'),
          commentParagraph(RECORDING, 2, 'older two'),
        ),
      });
      const newer = await notebooks.create({
        title: 'a newer',
        content: doc(recordingNode(RECORDING), commentParagraph(RECORDING, 3, 'newer one')),
      });
      await notebooks.setLastModified(older.short_id, new Date('2024-01-01T00:00:00Z'));
      await notebooks.setLastModified(newer.short_id, new Date('2024-02-01T00:00:00Z'));
      const commentTexts = async (query = '') =>
        (await notebooks.comments(RECORDING, query)).map((comment) => comment.comment);
      assert.deepEqual(await commentTexts(), ['newer one', 'older one', 'older two']);
      assert.deepEqual(await commentTexts('&order=last_modified_at'), ['older one', 'older two', 'newer one']);
      assert.deepEqual(await commentTexts('&order=-title'), ['older one', 'older two', 'newer one']);
      assert.deepEqual(await commentTexts('&order=title'), ['newer one', 'older one', 'older two']);
    });

    it('ignores the list filters other than order', async () => {
      const notebooks = await freshProject(env());
      const member = await env().createUser();
      await notebooks.create({
        title: 'owned',
        content: doc(recordingNode(RECORDING), commentParagraph(RECORDING, 1, 'kept')),
      });
      const comments = await notebooks.comments(
        RECORDING,
        `&search=nothing&created_by=${member.uuid}&contains=recording:false&date_from=2999-01-01&user&limit=0&offset=5`,
      );
      assert.deepEqual(
        comments.map((comment) => comment.comment),
        ['kept'],
      );
    });

    it('answers 400 validation_error with attr order for an order outside the allow-list', async () => {
      const notebooks = await freshProject(env());
      const response = await notebooks.get(`?recording_id=${RECORDING}&order=id`);
      assert.equal(response.statusCode, 400);
      const body = json<{ type: string; attr: string | null }>(response);
      assert.equal(body.type, 'validation_error');
      assert.equal(body.attr, 'order');
    });
  });

  describe('personal API key scopes (Deviation 7)', () => {
    it('serves a key with notebook:read or notebook:write', async () => {
      const notebooks = await freshProject(env());
      await notebooks.create({
        title: 'shared',
        content: doc(recordingNode(RECORDING), commentParagraph(RECORDING, 1, 'visible')),
      });
      for (const scopes of [['notebook:read'], ['notebook:write']]) {
        const user = await env().createUser({ scopes });
        const response = await notebooks.get(`?recording_id=${RECORDING}`, user.key);
        assert.equal(response.statusCode, 200, `${scopes.join(',')}: ${response.body}`);
        assert.deepEqual(
          json<{ results: Comment[] }>(response).results.map((comment) => comment.comment),
          ['visible'],
        );
      }
    });

    it('answers 403 "API key missing required scope \'notebook:read\'" to a key with only activity_log:read', async () => {
      const notebooks = await freshProject(env());
      const user = await env().createUser({ scopes: ['activity_log:read'] });
      const response = await notebooks.get(`?recording_id=${RECORDING}`, user.key);
      assert.equal(response.statusCode, 403);
      assert.deepEqual(json(response), {
        type: 'authentication_error',
        code: 'permission_denied',
        detail: "API key missing required scope 'notebook:read'",
        attr: null,
      });
    });

    it('checks the scope before the recording_id', async () => {
      const notebooks = await freshProject(env());
      const user = await env().createUser({ scopes: ['activity_log:read'] });
      const response = await notebooks.get('', user.key);
      assert.equal(response.statusCode, 403);
    });
  });
});
