import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import { createNotebook } from '../support/factories.ts';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';
import { postHogResponseSchema, validatePostHog } from '../support/posthog-schemas.ts';

// ---------------------------------------------------------------------------------------------
// Shapes and small factories
// ---------------------------------------------------------------------------------------------

interface UserBasic {
  id: number;
  uuid: string;
  distinct_id: string | null;
  first_name: string;
  last_name: string;
  email: string;
  is_email_verified: boolean | null;
  hedgehog_config: Record<string, unknown> | null;
  role_at_organization: string | null;
}

interface NotebookDetail {
  id: string;
  short_id: string;
  title: string | null;
  content: unknown;
  text_content: string | null;
  version: number;
  deleted: boolean;
  created_at: string;
  created_by: UserBasic | null;
  last_modified_at: string;
  last_modified_by: UserBasic | null;
  user_access_level: string | null;
}

interface NotebookPage {
  count: number;
  next: string | null;
  previous: string | null;
  results: Array<{ short_id: string }>;
}

interface ErrorEnvelope {
  type: string;
  code: string;
  detail: string;
  attr: string | null;
}

const DETAIL_KEYS = [
  'id',
  'short_id',
  'title',
  'content',
  'text_content',
  'version',
  'deleted',
  'created_at',
  'created_by',
  'last_modified_at',
  'last_modified_by',
  'user_access_level',
];
const LIST_ITEM_KEYS = [
  'id',
  'short_id',
  'title',
  'deleted',
  'created_at',
  'created_by',
  'last_modified_at',
  'last_modified_by',
  'user_access_level',
];
const USER_KEYS = [
  'id',
  'uuid',
  'distinct_id',
  'first_name',
  'last_name',
  'email',
  'is_email_verified',
  'hedgehog_config',
  'role_at_organization',
];
const ENVELOPE_KEYS = ['type', 'code', 'detail', 'attr'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHORT_ID = /^[A-Za-z0-9]{8}$/;
// Python isoformat in UTC with "Z": six fractional digits, and only when they are not all zero.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.(?!0{6})\d{6})?Z$/;

const CONFLICT: ErrorEnvelope = {
  type: 'server_error',
  code: 'conflict',
  detail: 'Someone else edited the Notebook',
  attr: null,
};
const NOT_FOUND: ErrorEnvelope = { type: 'invalid_request', code: 'not_found', detail: 'Not found.', attr: null };

const invalid = (attr: string | null, detail: string, code = 'invalid_input'): ErrorEnvelope => ({
  type: 'validation_error',
  code,
  detail,
  attr,
});

/** A small TipTap document whose paragraph says `text`. */
const doc = (text: string) => ({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

function assertEnvelope(response: LightMyRequestResponse, status: number, expected: ErrorEnvelope): void {
  assert.equal(response.statusCode, status, response.body);
  const body = json<ErrorEnvelope>(response);
  assert.deepEqual(body, expected);
  assert.deepEqual(Object.keys(body), ENVELOPE_KEYS);
}

function assertEmptyBody(response: LightMyRequestResponse, status: number): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.body, '');
  assert.equal(response.headers['content-type'], undefined);
}

function assertConformsTo(operationId: string, response: LightMyRequestResponse): void {
  const schema = postHogResponseSchema(operationId, response.statusCode);
  assert.ok(schema, `PostHog documents a body for ${operationId} ${response.statusCode}`);
  assert.deepEqual(
    validatePostHog(schema, json(response)),
    [],
    `${operationId} ${response.statusCode} conforms to ${schema}`,
  );
}

/** The notebook as the database holds it (raw row: engine-specific scalar types). */
async function storedRow(env: TestEnv, shortId: string) {
  return env.db.kysely
    .selectFrom('notebooks')
    .select([
      'title',
      'text_content',
      'version',
      'deleted',
      'visibility',
      'team_id',
      'last_modified_at',
      'last_modified_by_id',
    ])
    .select((eb) => eb('content', 'is', null).as('content_is_sql_null'))
    .where('short_id', '=', shortId)
    .executeTakeFirstOrThrow();
}

async function countNotebooks(env: TestEnv): Promise<number> {
  const row = await env.db.kysely
    .selectFrom('notebooks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function countActivity(env: TestEnv, shortId: string, activity?: string): Promise<number> {
  const row = await env.db.kysely
    .selectFrom('activity_logs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('item_id', '=', shortId)
    .$if(activity !== undefined, (qb) => qb.where('activity', '=', activity as string))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const patch = (env: TestEnv, shortId: string, payload: unknown, key?: string) =>
  env.request({ method: 'PATCH', url: env.url(`${shortId}/`), payload: payload as Record<string, unknown>, key });

const retrieve = (env: TestEnv, shortId: string, headers: Record<string, string> = {}) =>
  env.request({ method: 'GET', url: env.url(`${shortId}/`), headers });

async function retrieveNotebook(env: TestEnv, shortId: string): Promise<NotebookDetail> {
  const response = await retrieve(env, shortId);
  assert.equal(response.statusCode, 200, response.body);
  return json<NotebookDetail>(response);
}

async function listedShortIds(env: TestEnv): Promise<string[]> {
  const response = await env.request({ method: 'GET', url: env.url('?limit=10000') });
  assert.equal(response.statusCode, 200, response.body);
  return json<NotebookPage>(response).results.map((item) => item.short_id);
}

// ---------------------------------------------------------------------------------------------
// The suite, on SQLite and on PostgreSQL
// ---------------------------------------------------------------------------------------------

describeEachEngine('notebooks API', (env) => {
  describe('creating a notebook', () => {
    it('answers 201 with exactly the detail keys, in serializer order', async () => {
      const response = await env().request({ method: 'POST', url: env().url(), payload: { title: 'Shapes' } });
      assert.equal(response.statusCode, 201, response.body);
      assert.match(String(response.headers['content-type']), /^application\/json/);
      assert.equal(response.headers.location, undefined);
      assert.deepEqual(Object.keys(json(response)), DETAIL_KEYS);
    });

    it('nests created_by and last_modified_by as the creator, with the UserBasic keys in order', async () => {
      const notebook = await createNotebook(env(), { title: 'Nested users' });
      for (const user of [notebook.created_by, notebook.last_modified_by]) {
        assert.ok(user);
        assert.deepEqual(Object.keys(user), USER_KEYS);
        assert.equal(user.id, env().owner.id);
        assert.equal(user.uuid, env().owner.uuid);
        assert.equal(user.email, env().owner.email);
        assert.equal(user.hedgehog_config, null);
      }
    });

    it('generates a UUID id and an 8-character alphanumeric short_id', async () => {
      const first = await createNotebook(env());
      const second = await createNotebook(env());
      assert.match(first.id, UUID);
      assert.match(first.short_id, SHORT_ID);
      assert.notEqual(first.id, second.id);
      assert.notEqual(first.short_id, second.short_id);
    });

    it('formats timestamps as ISO 8601 in UTC with Z, microseconds only when non-zero, at the time of the request', async () => {
      const before = Date.now();
      const notebook = await createNotebook(env());
      const after = Date.now();
      for (const stamp of [notebook.created_at, notebook.last_modified_at]) {
        assert.match(stamp, TIMESTAMP);
        const at = Date.parse(stamp);
        assert.ok(at >= before - 1 && at <= after + 1, `${stamp} lies within the request`);
      }
    });

    it('creates an empty notebook from an empty object', async () => {
      const notebook = await createNotebook(env(), {});
      assert.equal(notebook.title, null);
      assert.equal(notebook.content, null);
      assert.equal(notebook.text_content, null);
      assert.equal(notebook.version, 0);
      assert.equal(notebook.deleted, false);
      assert.equal(notebook.user_access_level, 'manager');
      const row = await storedRow(env(), notebook.short_id);
      assert.equal(
        row.content_is_sql_null,
        env().engine === 'postgres' ? true : 1,
        'absent content is stored as SQL NULL',
      );
    });

    it('echoes the content, text_content, version and deleted it was given', async () => {
      const content = {
        type: 'doc',
        content: [{ type: 'ph-recording', attrs: { id: 'rec-1', height: 300 } }, { type: 'paragraph' }],
      };
      const notebook = await createNotebook(env(), {
        title: 'Echo',
        content,
        text_content: 'plain words',
        version: 7,
        deleted: false,
      });
      assert.equal(notebook.title, 'Echo');
      assert.deepEqual(notebook.content, content);
      assert.equal(notebook.text_content, 'plain words');
      assert.equal(notebook.version, 7);
      assert.equal(notebook.deleted, false);
      const stored = await retrieveNotebook(env(), notebook.short_id);
      assert.deepEqual(stored.content, content);
      assert.equal(stored.version, 7);
    });

    it('accepts _create_in_folder and never echoes it', async () => {
      const response = await env().request({
        method: 'POST',
        url: env().url(),
        payload: { title: 'In a folder', _create_in_folder: 'Notebooks/Special Team Folder' },
      });
      assert.equal(response.statusCode, 201, response.body);
      const body = json(response);
      assert.equal('_create_in_folder' in body, false);
      assert.deepEqual(Object.keys(body), DETAIL_KEYS);
      const fetched = await retrieve(env(), String(body.short_id));
      assert.equal('_create_in_folder' in json(fetched), false);
    });

    it('silently ignores read-only fields', async () => {
      const forged = {
        id: '00000000-0000-0000-0000-000000000001',
        short_id: 'forged12',
        created_at: '2001-01-01T00:00:00Z',
        created_by: { id: 999 },
        last_modified_at: '2001-01-01T00:00:00Z',
        last_modified_by: { id: 999 },
        user_access_level: 'none',
      };
      const notebook = await createNotebook(env(), { title: 'Read-only', ...forged });
      assert.notEqual(notebook.id, forged.id);
      assert.notEqual(notebook.short_id, forged.short_id);
      assert.match(notebook.short_id, SHORT_ID);
      assert.notEqual(notebook.created_at, forged.created_at);
      assert.notEqual(notebook.last_modified_at, forged.last_modified_at);
      assert.equal(notebook.created_by?.id, env().owner.id);
      assert.equal(notebook.last_modified_by?.id, env().owner.id);
      assert.equal(notebook.user_access_level, 'manager');
    });

    it('silently ignores unknown keys such as visibility and team', async () => {
      const other = await env().accounts.createProject({ name: 'Ignored team', organizationId: env().org.id });
      const notebook = await createNotebook(env(), {
        title: 'Unknown keys',
        visibility: 'internal',
        team: other.id,
        unexpected: [1, 2],
      });
      assert.equal('visibility' in notebook, false);
      assert.equal('team' in notebook, false);
      const row = await storedRow(env(), notebook.short_id);
      assert.equal(row.visibility, 'default');
      assert.equal(row.team_id, env().project.id);
      assert.ok((await listedShortIds(env())).includes(notebook.short_id), 'a default-visibility notebook is listed');
    });

    it('reports user_access_level "manager" to the creator, even a plain member', async () => {
      const member = await env().createUser({ level: 'member' });
      const notebook = await createNotebook(env(), { title: "Member's own" }, { key: member.key });
      assert.equal(notebook.user_access_level, 'manager');
    });

    it('reports user_access_level "manager" to an organization admin viewing someone else\'s notebook', async () => {
      const admin = await env().createUser({ level: 'admin' });
      const notebook = await createNotebook(env(), { title: "Owner's" });
      const response = await env().request({ method: 'GET', url: env().url(`${notebook.short_id}/`), key: admin.key });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(json<NotebookDetail>(response).user_access_level, 'manager');
    });

    it('reports user_access_level "editor" to a plain member viewing someone else\'s notebook', async () => {
      const member = await env().createUser({ level: 'member' });
      const notebook = await createNotebook(env(), { title: "Owner's, seen by a member" });
      const response = await env().request({ method: 'GET', url: env().url(`${notebook.short_id}/`), key: member.key });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(json<NotebookDetail>(response).user_access_level, 'editor');
      const listed = await env().request({
        method: 'GET',
        url: env().url(`?short_id=${notebook.short_id}`),
        key: member.key,
      });
      assert.equal(json<{ results: NotebookDetail[] }>(listed).results[0].user_access_level, 'editor');
    });

    it('creates a notebook with deleted: true, which is then invisible', async () => {
      const notebook = await createNotebook(env(), { title: 'Born deleted', deleted: true });
      assert.equal(notebook.deleted, true);
      assertEnvelope(await retrieve(env(), notebook.short_id), 404, NOT_FOUND);
      assert.equal((await listedShortIds(env())).includes(notebook.short_id), false);
    });

    it('logs one "created" activity', async () => {
      const notebook = await createNotebook(env(), { title: 'Logged' });
      assert.equal(await countActivity(env(), notebook.short_id, 'created'), 1);
      assert.equal(await countActivity(env(), notebook.short_id), 1);
    });
  });

  describe("conforming to PostHog's published schemas", () => {
    it('validates the create response against Notebook', async () => {
      const response = await env().request({
        method: 'POST',
        url: env().url(),
        payload: { title: 'Contract', content: doc('x'), text_content: 'x' },
      });
      assertConformsTo('notebooks_create', response);
      const empty = await env().request({ method: 'POST', url: env().url(), payload: {} });
      assertConformsTo('notebooks_create', empty);
    });

    it('validates the retrieve response against Notebook', async () => {
      const notebook = await createNotebook(env(), { title: null, content: doc('retrieved') });
      assertConformsTo('notebooks_retrieve', await retrieve(env(), notebook.short_id));
    });

    it('validates PATCH and PUT responses against Notebook', async () => {
      const notebook = await createNotebook(env(), { title: 'Before' });
      const member = await env().createUser();
      assertConformsTo(
        'notebooks_partial_update',
        await patch(env(), notebook.short_id, { title: 'After', content: doc('v1'), version: 0 }, member.key),
      );
      assertConformsTo(
        'notebooks_update',
        await env().request({ method: 'PUT', url: env().url(`${notebook.short_id}/`), payload: { deleted: true } }),
      );
    });

    it('validates the list response against PaginatedNotebookMinimalList, items in NotebookMinimal order', async () => {
      await createNotebook(env(), { title: 'Listed one' });
      await createNotebook(env(), { title: 'Listed two' });
      const response = await env().request({ method: 'GET', url: env().url('?limit=1') });
      assert.equal(response.statusCode, 200, response.body);
      assertConformsTo('notebooks_list', response);
      const page = json<NotebookPage>(response);
      assert.deepEqual(Object.keys(page), ['count', 'next', 'previous', 'results']);
      assert.ok(page.next, 'a second page exists');
      assert.deepEqual(Object.keys(page.results[0]), LIST_ITEM_KEYS);
    });

    it('would notice a response that breaks the schema', () => {
      assert.notDeepEqual(validatePostHog('Notebook', { id: 'not-a-uuid', short_id: 'abc' }), []);
      assert.notDeepEqual(validatePostHog('NotebookMinimal', { id: '0190a0e6-7a0b-7c3d-8e9f-0123456789ab' }), []);
    });
  });

  describe('validating the body', () => {
    const expectInvalid = async (payload: unknown, expected: ErrorEnvelope) => {
      const before = await countNotebooks(env());
      assertEnvelope(
        await env().request({ method: 'POST', url: env().url(), payload: payload as Record<string, unknown> }),
        400,
        expected,
      );
      assert.equal(await countNotebooks(env()), before, 'nothing was written');
    };
    // The spec fixes the status, type and attr of a NUL in content, not its code or wording.
    const expectInvalidField = async (payload: Record<string, unknown>, attr: string) => {
      const before = await countNotebooks(env());
      const response = await env().request({ method: 'POST', url: env().url(), payload });
      assert.equal(response.statusCode, 400, response.body);
      const body = json<ErrorEnvelope>(response);
      assert.deepEqual(Object.keys(body), ENVELOPE_KEYS);
      assert.equal(body.type, 'validation_error');
      assert.equal(body.attr, attr);
      assert.equal(await countNotebooks(env()), before, 'nothing was written');
    };

    it('rejects a title longer than 256 characters after trimming', async () => {
      await expectInvalid(
        { title: 'x'.repeat(257) },
        invalid('title', 'Ensure this field has no more than 256 characters.', 'max_length'),
      );
    });

    it('accepts 256 characters surrounded by whitespace, and counts characters, not UTF-16 units', async () => {
      const padded = await createNotebook(env(), { title: `   ${'x'.repeat(256)}\n\t ` });
      assert.equal(padded.title, 'x'.repeat(256));
      const emoji = await createNotebook(env(), { title: '😀'.repeat(256) });
      assert.equal(emoji.title, '😀'.repeat(256));
      assert.equal((await storedRow(env(), emoji.short_id)).title, '😀'.repeat(256));
    });

    it('trims the title and text_content', async () => {
      const notebook = await createNotebook(env(), { title: '  Trimmed title \n', text_content: '\t body text  ' });
      assert.equal(notebook.title, 'Trimmed title');
      assert.equal(notebook.text_content, 'body text');
      assert.equal((await storedRow(env(), notebook.short_id)).title, 'Trimmed title');
    });

    it('coerces a number title to a string', async () => {
      const notebook = await createNotebook(env(), { title: 123 });
      assert.equal(notebook.title, '123');
    });

    it('rejects a boolean, object or array title as not a valid string', async () => {
      for (const title of [true, false, { a: 1 }, ['a']]) {
        await expectInvalid({ title }, invalid('title', 'Not a valid string.'));
      }
    });

    it('rejects a boolean or object text_content as not a valid string', async () => {
      await expectInvalid({ text_content: true }, invalid('text_content', 'Not a valid string.'));
      await expectInvalid({ text_content: { a: 1 } }, invalid('text_content', 'Not a valid string.'));
    });

    it('accepts an integer-like string version', async () => {
      const notebook = await createNotebook(env(), { version: '3' });
      assert.equal(notebook.version, 3);
    });

    it('rejects a non-integer version', async () => {
      await expectInvalid({ version: 'abc' }, invalid('version', 'A valid integer is required.'));
    });

    it('rejects a version beyond a 32-bit integer', async () => {
      await expectInvalid(
        { version: 2147483648 },
        invalid('version', 'Ensure this value is less than or equal to 2147483647.', 'max_value'),
      );
      await expectInvalid(
        { version: -2147483649 },
        invalid('version', 'Ensure this value is greater than or equal to -2147483648.', 'min_value'),
      );
      const largest = await createNotebook(env(), { version: 2147483647 });
      assert.equal(largest.version, 2147483647);
    });

    it('rejects a null version', async () => {
      await expectInvalid({ version: null }, invalid('version', 'This field may not be null.', 'null'));
    });

    it('parses "yes", "off" and 1 as booleans for deleted', async () => {
      assert.equal((await createNotebook(env(), { deleted: 'yes' })).deleted, true);
      assert.equal((await createNotebook(env(), { deleted: 'off' })).deleted, false);
      assert.equal((await createNotebook(env(), { deleted: 1 })).deleted, true);
    });

    it('rejects "maybe" for deleted', async () => {
      await expectInvalid({ deleted: 'maybe' }, invalid('deleted', 'Must be a valid boolean.'));
    });

    it('reports only the first error, in serializer field order rather than body order', async () => {
      await expectInvalid(
        { deleted: 'maybe', version: 'abc', text_content: true, title: 'x'.repeat(300) },
        invalid('title', 'Ensure this field has no more than 256 characters.', 'max_length'),
      );
      await expectInvalidField({ version: 'abc', text_content: { a: 1 }, content: 'nul \u0000' }, 'content');
      await expectInvalid(
        { deleted: 'maybe', version: 'abc', text_content: ['x'] },
        invalid('text_content', 'Not a valid string.'),
      );
      await expectInvalid({ deleted: 'maybe', version: 'abc' }, invalid('version', 'A valid integer is required.'));
    });

    it('rejects a JSON array body as not a dictionary', async () => {
      await expectInvalid(
        [{ title: 'in a list' }],
        invalid(null, 'Invalid data. Expected a dictionary, but got list.'),
      );
    });

    it('answers malformed JSON with a parse error', async () => {
      const before = await countNotebooks(env());
      const response = await env().request({
        method: 'POST',
        url: env().url(),
        payload: 'not json',
        headers: { 'content-type': 'application/json' },
      });
      assertEnvelope(response, 400, {
        type: 'invalid_request',
        code: 'parse_error',
        detail: 'JSON parse error - Expecting value: line 1 column 1 (char 0)',
        attr: null,
      });
      assert.equal(await countNotebooks(env()), before);
    });

    it('rejects a NUL character in title, text_content or content and writes nothing', async () => {
      await expectInvalid(
        { title: 'a\u0000b' },
        invalid('title', 'Null characters are not allowed.', 'null_characters_not_allowed'),
      );
      await expectInvalid(
        { text_content: 'a\u0000b' },
        invalid('text_content', 'Null characters are not allowed.', 'null_characters_not_allowed'),
      );
      for (const content of ['a\u0000b', doc('a\u0000b'), { 'key\u0000': 1 }])
        await expectInvalidField({ content }, 'content');
    });

    it('rejects a NUL character on update and leaves the notebook as it was', async () => {
      const notebook = await createNotebook(env(), { title: 'Clean', text_content: 'clean', content: doc('clean') });
      const activityBefore = await countActivity(env(), notebook.short_id);
      for (const payload of [
        { title: 'dirty\u0000' },
        { text_content: 'dirty\u0000' },
        { content: doc('dirty\u0000'), version: 0 },
      ]) {
        const response = await patch(env(), notebook.short_id, payload);
        assert.equal(response.statusCode, 400, response.body);
      }
      assert.deepEqual(await retrieveNotebook(env(), notebook.short_id), notebook);
      assert.equal(await countActivity(env(), notebook.short_id), activityBefore);
    });

    it('validates update bodies with the same envelopes', async () => {
      const notebook = await createNotebook(env(), { title: 'Validated on update' });
      assertEnvelope(
        await patch(env(), notebook.short_id, { version: 'abc' }),
        400,
        invalid('version', 'A valid integer is required.'),
      );
      assertEnvelope(
        await patch(env(), notebook.short_id, { deleted: null }),
        400,
        invalid('deleted', 'This field may not be null.', 'null'),
      );
      assertEnvelope(
        await patch(env(), notebook.short_id, [1]),
        400,
        invalid(null, 'Invalid data. Expected a dictionary, but got list.'),
      );
      assert.equal((await retrieveNotebook(env(), notebook.short_id)).last_modified_at, notebook.last_modified_at);
    });
  });

  describe('retrieving a notebook', () => {
    it('returns the notebook with its stored fields', async () => {
      const created = await createNotebook(env(), { title: 'Retrieved', content: doc('r'), text_content: 'r' });
      const response = await retrieve(env(), created.short_id);
      assert.equal(response.statusCode, 200);
      const notebook = json<NotebookDetail>(response);
      assert.deepEqual(Object.keys(notebook), DETAIL_KEYS);
      assert.deepEqual(notebook, created);
    });

    it('answers 404 Not found. for an unknown short_id', async () => {
      assertEnvelope(await retrieve(env(), 'nope1234'), 404, NOT_FOUND);
    });

    it('answers 404 for a soft-deleted notebook', async () => {
      const notebook = await createNotebook(env(), { title: 'Soon gone' });
      assert.equal((await patch(env(), notebook.short_id, { deleted: true })).statusCode, 200);
      assertEnvelope(await retrieve(env(), notebook.short_id), 404, NOT_FOUND);
    });

    it("answers 404 for another project's notebook, on retrieve and on update", async () => {
      const other = await env().accounts.createProject({ name: 'Second project', organizationId: env().org.id });
      const response = await env().request({
        method: 'POST',
        url: env().url('', other.id),
        payload: { title: 'Elsewhere' },
      });
      assert.equal(response.statusCode, 201, response.body);
      const elsewhere = json<NotebookDetail>(response);
      assert.equal(
        (await env().request({ method: 'GET', url: env().url(`${elsewhere.short_id}/`, other.id) })).statusCode,
        200,
      );
      assertEnvelope(await retrieve(env(), elsewhere.short_id), 404, NOT_FOUND);
      assertEnvelope(await patch(env(), elsewhere.short_id, { title: 'Hijacked' }), 404, NOT_FOUND);
      assert.equal((await storedRow(env(), elsewhere.short_id)).title, 'Elsewhere');
    });

    it('answers 304 with an empty body and no content type when If-None-Match equals the version', async () => {
      const notebook = await createNotebook(env(), { title: 'Cached' });
      assertEmptyBody(await retrieve(env(), notebook.short_id, { 'if-none-match': '0' }), 304);
    });

    it('answers 200 when If-None-Match is a quoted or weak version, or another version', async () => {
      const notebook = await createNotebook(env(), { title: 'Not cached' });
      for (const header of ['"0"', 'W/"0"', '1']) {
        const response = await retrieve(env(), notebook.short_id, { 'if-none-match': header });
        assert.equal(response.statusCode, 200, `If-None-Match: ${header}`);
        assert.equal(json<NotebookDetail>(response).short_id, notebook.short_id);
        assert.match(String(response.headers.etag), /^"[A-Za-z0-9_-]{27}"$/, 'every answer carries its ETag');
      }
    });

    it('compares If-None-Match with the current version after an update', async () => {
      const notebook = await createNotebook(env(), { content: doc('v0') });
      await patch(env(), notebook.short_id, { content: doc('v1'), version: 0 });
      assert.equal((await retrieve(env(), notebook.short_id, { 'if-none-match': '0' })).statusCode, 200);
      assertEmptyBody(await retrieve(env(), notebook.short_id, { 'if-none-match': '1' }), 304);
    });
  });

  describe('updating a notebook', () => {
    it('changes the title with PATCH and leaves the other fields alone', async () => {
      const notebook = await createNotebook(env(), { title: 'Old', content: doc('kept'), text_content: 'kept' });
      const response = await patch(env(), notebook.short_id, { title: 'New' });
      assert.equal(response.statusCode, 200, response.body);
      const updated = json<NotebookDetail>(response);
      assert.deepEqual(Object.keys(updated), DETAIL_KEYS);
      assert.equal(updated.title, 'New');
      assert.deepEqual(updated.content, doc('kept'));
      assert.equal(updated.text_content, 'kept');
      assert.equal(updated.version, 0);
      assert.equal((await retrieveNotebook(env(), notebook.short_id)).title, 'New');
    });

    it('treats PUT like PATCH: no field is reset', async () => {
      const notebook = await createNotebook(env(), {
        title: 'Put me',
        content: doc('kept'),
        text_content: 'kept',
        version: 4,
      });
      const response = await env().request({
        method: 'PUT',
        url: env().url(`${notebook.short_id}/`),
        payload: { title: 'Put' },
      });
      assert.equal(response.statusCode, 200, response.body);
      const updated = json<NotebookDetail>(response);
      assert.equal(updated.title, 'Put');
      assert.deepEqual(updated.content, doc('kept'));
      assert.equal(updated.text_content, 'kept');
      assert.equal(updated.version, 4);
      assert.equal(updated.deleted, false);
      assertEnvelope(
        await env().request({
          method: 'PUT',
          url: env().url(`${notebook.short_id}/`),
          payload: { content: doc('no version') },
        }),
        409,
        CONFLICT,
      );
    });

    it('answers 409 for content without a version, and writes nothing', async () => {
      const notebook = await createNotebook(env(), { title: 'Guarded', content: doc('original') });
      const activityBefore = await countActivity(env(), notebook.short_id);
      await sleep(5);
      assertEnvelope(
        await patch(env(), notebook.short_id, { title: 'Must not stick', content: doc('sneaky') }),
        409,
        CONFLICT,
      );
      const after = await retrieveNotebook(env(), notebook.short_id);
      assert.deepEqual(after, notebook);
      assert.equal(await countActivity(env(), notebook.short_id), activityBefore);
    });

    it('answers 409 for a stale or a future version', async () => {
      const notebook = await createNotebook(env(), { content: doc('v0') });
      assert.equal((await patch(env(), notebook.short_id, { content: doc('v1'), version: 0 })).statusCode, 200);
      assertEnvelope(await patch(env(), notebook.short_id, { content: doc('stale'), version: 0 }), 409, CONFLICT);
      assertEnvelope(await patch(env(), notebook.short_id, { content: doc('future'), version: 5 }), 409, CONFLICT);
      const stored = await retrieveNotebook(env(), notebook.short_id);
      assert.equal(stored.version, 1);
      assert.deepEqual(stored.content, doc('v1'));
    });

    it('increments the version by one for the right version, even when the content is identical', async () => {
      const notebook = await createNotebook(env(), { content: doc('same') });
      const first = json<NotebookDetail>(await patch(env(), notebook.short_id, { content: doc('same'), version: 0 }));
      assert.equal(first.version, 1);
      const second = json<NotebookDetail>(
        await patch(env(), notebook.short_id, { content: doc('same'), version: '1' }),
      );
      assert.equal(second.version, 2);
      assert.equal((await storedRow(env(), notebook.short_id)).version, 2);
    });

    it('treats any truthy content as content: a non-empty string, number or true needs the version too', async () => {
      const notebook = await createNotebook(env());
      for (const content of ['text', 1, true, [0], { a: null }]) {
        assertEnvelope(await patch(env(), notebook.short_id, { content }), 409, CONFLICT);
      }
      const accepted = json<NotebookDetail>(await patch(env(), notebook.short_id, { content: 'text', version: 0 }));
      assert.equal(accepted.version, 1);
      assert.equal(accepted.content, 'text');
    });

    it('stores falsy content as sent without a version check or an increment', async () => {
      const notebook = await createNotebook(env(), { content: doc('start'), version: 3 });
      for (const content of [{}, null, [], '', 0, false]) {
        const response = await patch(env(), notebook.short_id, { content });
        assert.equal(response.statusCode, 200, `content ${JSON.stringify(content)}: ${response.body}`);
        assert.deepEqual(json<NotebookDetail>(response).content, content);
        assert.equal(json<NotebookDetail>(response).version, 3);
        const stored = await retrieveNotebook(env(), notebook.short_id);
        assert.deepEqual(stored.content, content, `content ${JSON.stringify(content)} is stored`);
        assert.equal((await storedRow(env(), notebook.short_id)).version, 3);
      }
    });

    it('stores null content as SQL NULL', async () => {
      const notebook = await createNotebook(env(), { content: doc('to be cleared') });
      assert.equal((await patch(env(), notebook.short_id, { content: null })).statusCode, 200);
      assert.equal(
        (await storedRow(env(), notebook.short_id)).content_is_sql_null,
        env().engine === 'postgres' ? true : 1,
      );
    });

    it('keeps notebooks without content in contains=recording:false, as SQL NULL content is kept by PostHog', async () => {
      const never = await createNotebook(env(), { title: 'Never had content' });
      const cleared = await createNotebook(env(), { title: 'Content cleared', content: doc('gone') });
      assert.equal((await patch(env(), cleared.short_id, { content: null })).statusCode, 200);
      const response = await env().request({ method: 'GET', url: env().url('?contains=recording:false&limit=10000') });
      assert.equal(response.statusCode, 200, response.body);
      const listed = json<NotebookPage>(response).results.map((item) => item.short_id);
      assert.ok(listed.includes(never.short_id), 'a notebook created without content is kept');
      assert.ok(listed.includes(cleared.short_id), 'a notebook whose content was set to null is kept');
    });

    it('writes a client version verbatim when no truthy content is sent', async () => {
      const notebook = await createNotebook(env(), { content: doc('v') });
      const set = json<NotebookDetail>(await patch(env(), notebook.short_id, { version: 99 }));
      assert.equal(set.version, 99);
      const withFalsyContent = json<NotebookDetail>(await patch(env(), notebook.short_id, { content: {}, version: 5 }));
      assert.equal(withFalsyContent.version, 5);
      assert.equal((await storedRow(env(), notebook.short_id)).version, 5);
    });

    it('answers an empty payload with the unchanged notebook, without touching last_modified or logging', async () => {
      const notebook = await createNotebook(env(), { title: 'Untouched', content: doc('u') });
      const member = await env().createUser();
      const activityBefore = await countActivity(env(), notebook.short_id);
      await sleep(5);
      const payloads: Array<Record<string, unknown>> = [
        {},
        { short_id: 'x' },
        { id: 'x', created_at: '2001-01-01T00:00:00Z', visibility: 'internal', team: 1 },
      ];
      for (const payload of payloads) {
        for (const method of ['PATCH', 'PUT'] as const) {
          const response = await env().request({
            method,
            url: env().url(`${notebook.short_id}/`),
            payload,
            key: member.key,
          });
          assert.equal(response.statusCode, 200, `${method} ${JSON.stringify(payload)}: ${response.body}`);
          const body = json<NotebookDetail>(response);
          assert.equal(body.short_id, notebook.short_id);
          assert.equal(body.last_modified_at, notebook.last_modified_at);
          assert.equal(body.last_modified_by?.id, env().owner.id);
          assert.equal(body.user_access_level, 'editor');
        }
      }
      const row = await storedRow(env(), notebook.short_id);
      assert.equal(row.last_modified_by_id, env().owner.id);
      assert.equal(row.visibility, 'default');
      assert.equal((await retrieveNotebook(env(), notebook.short_id)).last_modified_at, notebook.last_modified_at);
      assert.equal(await countActivity(env(), notebook.short_id), activityBefore);
    });

    it('treats short_id plus the current version as a non-empty update: last_modified moves, short_id does not', async () => {
      const notebook = await createNotebook(env(), { title: 'Touched' });
      await sleep(5);
      const response = await patch(env(), notebook.short_id, { short_id: 'x', version: 0 });
      assert.equal(response.statusCode, 200, response.body);
      const body = json<NotebookDetail>(response);
      assert.equal(body.short_id, notebook.short_id);
      assert.ok(Date.parse(body.last_modified_at) > Date.parse(notebook.last_modified_at));
    });

    it('sets last_modified_by to the updater and last_modified_at to the update time', async () => {
      const member = await env().createUser({ firstName: 'Updater' });
      const notebook = await createNotebook(env(), { title: 'Shared' });
      await sleep(5);
      const before = Date.now();
      const response = await patch(env(), notebook.short_id, { title: 'Edited by a member' }, member.key);
      assert.equal(response.statusCode, 200, response.body);
      const updated = json<NotebookDetail>(response);
      assert.equal(updated.last_modified_by?.id, member.id);
      assert.equal(updated.last_modified_by?.email, member.email);
      assert.equal(updated.last_modified_by?.first_name, 'Updater');
      assert.equal(updated.created_by?.id, env().owner.id);
      assert.equal(updated.created_at, notebook.created_at);
      assert.match(updated.last_modified_at, TIMESTAMP);
      assert.ok(Date.parse(updated.last_modified_at) >= before - 1);
      assert.equal((await storedRow(env(), notebook.short_id)).last_modified_by_id, member.id);
      assert.equal((await retrieveNotebook(env(), notebook.short_id)).last_modified_by?.id, member.id);
    });

    it('soft-deletes and restores with PATCH deleted, and can still patch a deleted notebook', async () => {
      const notebook = await createNotebook(env(), { title: 'Round trip' });
      const deleted = await patch(env(), notebook.short_id, { deleted: true });
      assert.equal(deleted.statusCode, 200, deleted.body);
      assert.equal(json<NotebookDetail>(deleted).deleted, true);
      assertEnvelope(await retrieve(env(), notebook.short_id), 404, NOT_FOUND);
      assert.equal((await listedShortIds(env())).includes(notebook.short_id), false);
      assert.equal(await countActivity(env(), notebook.short_id, 'deleted'), 1);

      const renamed = await patch(env(), notebook.short_id, { title: 'Renamed while deleted' });
      assert.equal(renamed.statusCode, 200, renamed.body);
      assert.equal(json<NotebookDetail>(renamed).title, 'Renamed while deleted');
      assert.equal(json<NotebookDetail>(renamed).deleted, true);

      const restored = await patch(env(), notebook.short_id, { deleted: false });
      assert.equal(restored.statusCode, 200, restored.body);
      assert.equal(json<NotebookDetail>(restored).deleted, false);
      assert.equal((await retrieveNotebook(env(), notebook.short_id)).title, 'Renamed while deleted');
      assert.ok((await listedShortIds(env())).includes(notebook.short_id));
      assert.equal(await countActivity(env(), notebook.short_id, 'restored'), 1);
    });

    it('answers 404 for an unknown short_id', async () => {
      assertEnvelope(await patch(env(), 'missing1', { title: 'x' }), 404, NOT_FOUND);
      assertEnvelope(await env().request({ method: 'PUT', url: env().url('missing1/'), payload: {} }), 404, NOT_FOUND);
    });

    it('logs one "updated" activity for a real change and none for a no-op', async () => {
      const notebook = await createNotebook(env(), { title: 'Same' });
      assert.equal((await patch(env(), notebook.short_id, { title: 'Same' })).statusCode, 200);
      assert.equal(await countActivity(env(), notebook.short_id, 'updated'), 0);
      assert.equal((await patch(env(), notebook.short_id, { title: 'Different' })).statusCode, 200);
      assert.equal(await countActivity(env(), notebook.short_id, 'updated'), 1);
    });
  });

  describe('concurrent updates', () => {
    it('lets exactly one of 20 concurrent PATCHes with the same version win', async () => {
      const notebook = await createNotebook(env(), { content: doc('contended') });
      const writers = Array.from({ length: 20 }, (_, writer) =>
        patch(env(), notebook.short_id, { content: doc(`writer ${writer}`), version: 0 }),
      );
      const responses = await Promise.all(writers);
      const statuses = responses.map((response) => response.statusCode).sort();
      assert.deepEqual(statuses, [200, ...Array.from({ length: 19 }, () => 409)]);
      for (const response of responses.filter((r) => r.statusCode === 409)) assert.deepEqual(json(response), CONFLICT);
      const winner = json<NotebookDetail>(
        responses.find((response) => response.statusCode === 200) as LightMyRequestResponse,
      );
      assert.equal(winner.version, 1);
      const stored = await retrieveNotebook(env(), notebook.short_id);
      assert.equal(stored.version, 1);
      assert.deepEqual(stored.content, winner.content);
      assert.equal(await countActivity(env(), notebook.short_id, 'updated'), 1);
    });
  });

  describe('deleting', () => {
    it('answers DELETE on a notebook with 405, an empty body and no content type', async () => {
      const notebook = await createNotebook(env(), { title: 'Not deletable' });
      assertEmptyBody(await env().request({ method: 'DELETE', url: env().url(`${notebook.short_id}/`) }), 405);
      assert.equal((await retrieveNotebook(env(), notebook.short_id)).deleted, false);
    });

    it('answers 405 even for a short_id that does not exist', async () => {
      assertEmptyBody(await env().request({ method: 'DELETE', url: env().url('anything/') }), 405);
    });

    it('answers 403 to a key without notebook:write before the 405', async () => {
      const reader = await env().createUser({ scopes: ['notebook:read'] });
      const response = await env().request({ method: 'DELETE', url: env().url('anything/'), key: reader.key });
      assertEnvelope(response, 403, {
        type: 'authentication_error',
        code: 'permission_denied',
        detail: "API key missing required scope 'notebook:write'",
        attr: null,
      });
    });

    it('answers PUT and DELETE on the collection with 403 for a personal API key', async () => {
      for (const method of ['PUT', 'DELETE'] as const) {
        for (const url of [env().url(), env().url().replace(/\/$/, '')]) {
          assertEnvelope(await env().request({ method, url, payload: {} }), 403, {
            type: 'authentication_error',
            code: 'permission_denied',
            detail: 'This action does not support personal API key access',
            attr: null,
          });
        }
      }
    });
  });

  describe('trailing slashes', () => {
    it('serves every route with and without the trailing slash, without redirecting', async () => {
      const notebook = await createNotebook(env(), { title: 'Slashes', content: doc('s') });
      const s = notebook.short_id;
      const routes: Array<{
        method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
        path: string;
        query?: string;
        payload?: Record<string, unknown>;
        status: number;
      }> = [
        { method: 'GET', path: '', status: 200 },
        { method: 'POST', path: '', payload: { title: 'Slash create' }, status: 201 },
        { method: 'GET', path: s, status: 200 },
        { method: 'PATCH', path: s, payload: { title: 'Slash patch' }, status: 200 },
        { method: 'PUT', path: s, payload: { title: 'Slash put' }, status: 200 },
        { method: 'DELETE', path: s, status: 405 },
        { method: 'GET', path: `${s}/activity`, status: 200 },
        { method: 'GET', path: 'activity', status: 200 },
        { method: 'GET', path: 'recording_comments', query: '?recording_id=abc', status: 200 },
      ];
      for (const route of routes) {
        const base = env().url(route.path).replace(/\/$/, '');
        for (const url of [`${base}/${route.query ?? ''}`, `${base}${route.query ?? ''}`]) {
          const response = await env().request({ method: route.method, url, payload: route.payload });
          assert.equal(response.statusCode, route.status, `${route.method} ${url}: ${response.body}`);
        }
      }
    });
  });
});
