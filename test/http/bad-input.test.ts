import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createNotebook } from '../support/factories.ts';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

// Property-based tests: whatever arrives — body, query string, path segment or
// header — the answer is never a 5xx, is always PostHog's error envelope unless it is one of the
// documented other answers, and a refused request changes nothing. Each property runs NUM_RUNS
// generated requests; FC_SEED=<seed> replays a failure (the seed is printed with it).

const NUM_RUNS = 150;
const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);

interface Envelope {
  type: string;
  code: string;
  detail: string;
  attr: string | null;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
type RouteName =
  | 'list'
  | 'create'
  | 'retrieve'
  | 'partial_update'
  | 'update'
  | 'destroy'
  | 'all_activity'
  | 'activity'
  | 'recording_comments'
  | 'projects'
  | 'project'
  | 'me';

interface Route {
  name: RouteName;
  method: Method;
  path(projectId: string, shortId: string): string;
}

const ROUTES: readonly Route[] = [
  { name: 'list', method: 'GET', path: (p) => `/api/projects/${p}/notebooks/` },
  { name: 'create', method: 'POST', path: (p) => `/api/projects/${p}/notebooks/` },
  { name: 'retrieve', method: 'GET', path: (p, s) => `/api/projects/${p}/notebooks/${s}/` },
  { name: 'partial_update', method: 'PATCH', path: (p, s) => `/api/projects/${p}/notebooks/${s}/` },
  { name: 'update', method: 'PUT', path: (p, s) => `/api/projects/${p}/notebooks/${s}/` },
  { name: 'destroy', method: 'DELETE', path: (p, s) => `/api/projects/${p}/notebooks/${s}/` },
  { name: 'all_activity', method: 'GET', path: (p) => `/api/projects/${p}/notebooks/activity/` },
  { name: 'activity', method: 'GET', path: (p, s) => `/api/projects/${p}/notebooks/${s}/activity/` },
  { name: 'recording_comments', method: 'GET', path: (p) => `/api/projects/${p}/notebooks/recording_comments/` },
  { name: 'projects', method: 'GET', path: () => '/api/projects/' },
  { name: 'project', method: 'GET', path: (p) => `/api/projects/${p}/` },
  { name: 'me', method: 'GET', path: () => '/api/users/@me/' },
];

const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
const RECORDING_ID_REQUIRED = '{"detail":"recording_id is required"}';
const RECORDING_COMMENTS_PATH = /\/notebooks\/recording_comments\/?(\?|$)/;

// Which envelope type each error status may carry, as PostHog's exception handler maps them.
const ENVELOPE_TYPES: Readonly<Record<number, readonly string[]>> = {
  400: ['validation_error', 'invalid_request'],
  401: ['authentication_error'],
  403: ['authentication_error'],
  404: ['invalid_request'],
  405: ['invalid_request'],
  406: ['invalid_request'],
  409: ['server_error'],
  413: ['invalid_request'],
  415: ['invalid_request'],
  429: ['throttled_error'],
};

const validationError = (attr: string | null, code: string, detail: string): Envelope => ({
  type: 'validation_error',
  code,
  detail,
  attr,
});
const nullCharacters = (attr: string) =>
  validationError(attr, 'null_characters_not_allowed', 'Null characters are not allowed.');
const endpointNotFound: Envelope = {
  type: 'invalid_request',
  code: 'not_found',
  detail: 'Endpoint not found.',
  attr: null,
};

// ---------------------------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------------------------

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The answer is one PostHog documents: a JSON object on success, the empty 304 (retrieve) or
 * 405 (notebook DELETE), recording_comments' plain 400, or else the four-key envelope with a
 * type that fits the status. Never a 5xx.
 */
function assertDocumentedAnswer(route: Route, url: string, request: string, response: LightMyRequestResponse): void {
  const where = `${request} → ${response.statusCode} ${response.body.slice(0, 300)}`;
  assert.ok(response.statusCode < 500, `never a 5xx: ${where}`);
  if (response.statusCode === 304) {
    assert.ok(route.name === 'retrieve' || route.name === 'list', `only retrieve and the list answer 304: ${where}`);
    assert.equal(response.body, '', where);
    assert.equal(response.headers['content-type'], undefined, where);
    return;
  }
  if (response.statusCode === 405 && response.body === '') {
    assert.equal(route.name, 'destroy', `only the notebook DELETE answers an empty 405: ${where}`);
    assert.equal(response.headers['content-type'], undefined, where);
    return;
  }
  assert.equal(response.headers['content-type'], 'application/json', where);
  const body: unknown = JSON.parse(response.body);
  if (response.statusCode >= 200 && response.statusCode < 300) {
    assert.ok(isPlainObject(body), `a success is a JSON object: ${where}`);
    return;
  }
  // A generated short_id "recording_comments" makes a retrieve URL the recording_comments route.
  const recordingComments =
    route.name === 'recording_comments' || (route.method === 'GET' && RECORDING_COMMENTS_PATH.test(url));
  if (recordingComments && response.statusCode === 400 && response.body === RECORDING_ID_REQUIRED) return;
  assertEnvelope(response.statusCode, body, where);
}

function assertEnvelope(status: number, body: unknown, where: string): void {
  assert.ok(isPlainObject(body), `the envelope is an object: ${where}`);
  assert.deepEqual(Object.keys(body), ['type', 'code', 'detail', 'attr'], `exactly the envelope keys: ${where}`);
  assert.ok(
    ENVELOPE_TYPES[status]?.includes(body.type as string),
    `type ${String(body.type)} fits status ${status}: ${where}`,
  );
  assert.equal(typeof body.code, 'string', where);
  assert.notEqual(body.code, '', where);
  assert.equal(typeof body.detail, 'string', where);
  assert.notEqual(body.detail, '', where);
  assert.ok(body.attr === null || typeof body.attr === 'string', where);
}

/** The exact status and envelope, byte for byte. */
function assertError(response: LightMyRequestResponse, status: number, expected: Envelope): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.headers['content-type'], 'application/json');
  assert.equal(response.body, JSON.stringify(expected));
}

interface Snapshot {
  notebooks: unknown[];
  activity: unknown[];
}

async function snapshot(env: TestEnv): Promise<Snapshot> {
  const notebooks = await env.db.kysely.selectFrom('notebooks').selectAll().orderBy('id').execute();
  const activity = await env.db.kysely.selectFrom('activity_logs').selectAll().orderBy('id').execute();
  return { notebooks, activity };
}

/**
 * Sends one generated request and checks the three promises: no 5xx, a documented answer, and —
 * unless it was an accepted write — nothing written.
 */
async function sendAndCheck(
  env: TestEnv,
  route: Route,
  options: InjectOptions & { url: string; method: Method },
): Promise<void> {
  const before = await snapshot(env);
  const response = await env.app.inject(options);
  const request = `${options.method} ${options.url.slice(0, 300)} headers=${JSON.stringify(options.headers ?? {}).slice(0, 300)} body=${JSON.stringify(String(options.payload ?? '')).slice(0, 300)}`;
  assertDocumentedAnswer(route, options.url, request, response);
  const acceptedWrite = WRITE_METHODS.has(options.method) && response.statusCode >= 200 && response.statusCode < 300;
  if (!acceptedWrite)
    assert.deepEqual(await snapshot(env), before, `${request} → ${response.statusCode} must change nothing`);
}

/**
 * Runs a property NUM_RUNS times; a failure names the seed to replay it with. Shrinking is
 * bounded (each step is a real request and two table snapshots).
 */
async function holds<Ts extends [unknown, ...unknown[]]>(property: fc.IAsyncProperty<Ts>): Promise<void> {
  const details = await fc.check(property, { numRuns: NUM_RUNS, seed: SEED });
  if (!details.failed) return;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  assert.fail(
    `${fc.defaultReportMessage(details) ?? 'property failed'}\nFailure: ${cause}\nReplay with FC_SEED=${details.seed}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const shrinkBounded = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.limitShrink(arbitrary, 40);

// Characters that have broken servers before: NUL, lone surrogates, BOM, bidi overrides,
// joiners, line separators, non-characters, combining marks, astral code points, and the
// characters with a meaning in URLs and JSON.
const ODD_CHARACTERS = [
  '\u0000',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  '\ufeff',
  '\u202e',
  '\u200d',
  '\u200b',
  '\u0085',
  '\u2028',
  '\u2029',
  '\uffff',
  '\ufffe',
  '\ufffd',
  '\u00a0',
  '\u3000',
  'é',
  'e\u0301',
  'İ',
  'ß',
  '😀',
  '👩‍👩‍👧',
  '\u{10ffff}',
  '\u{e0001}',
  '%',
  '+',
  '&',
  '=',
  '"',
  "'",
  '\\',
  '/',
  '.',
  '#',
  '?',
  ';',
  ',',
  ':',
  ' ',
  '\t',
  '\n',
  '\r',
  '\u001f',
  '\u007f',
];
// The characters PostgreSQL cannot store, given their own weight so most runs meet one.
const UNSTORABLE_CHARACTERS = ['\u0000', '\ud800', '\udfff'];
const oddCharacter = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...UNSTORABLE_CHARACTERS) },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_CHARACTERS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
);
const oddString = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: oddCharacter, maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: oddCharacter, minLength: 300, maxLength: 2000 }) },
);
const veryLongString = fc.string({ unit: 'grapheme-ascii', minLength: 5000, maxLength: 12000 });

// Number texts JSON.parse cannot keep exactly, and other spellings of numbers.
const NUMBER_TEXTS = [
  '1e400',
  '-1e400',
  '12345678901234567890',
  '99999999999999999999',
  '1e-400',
  '-0',
  '0.1e1',
  '1E2',
  '2147483647',
  '2147483648',
  '-2147483649',
  '9007199254740993',
  '1.0',
  '3.14159',
];

const anyJsonValue = fc.jsonValue({ stringUnit: oddCharacter, maxDepth: 4 });
const NOTEBOOK_FIELDS = ['title', 'content', 'text_content', 'version', 'deleted', '_create_in_folder'];
const OTHER_FIELDS = [
  'personal_api_key',
  'id',
  'short_id',
  'created_by',
  'last_modified_by',
  'created_at',
  'visibility',
  'team',
  'user_access_level',
  '__proto__',
  'constructor',
];

/** One field value as JSON text: any JSON value, an inexact number, or a number inside content-like JSON. */
const fieldValueText = fc.oneof(
  { weight: 3, arbitrary: anyJsonValue.map((value) => JSON.stringify(value)) },
  { weight: 3, arbitrary: oddString.map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.constantFrom(...NUMBER_TEXTS) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(...NUMBER_TEXTS)
      .map((n) => `{"type": "doc", "content": [{"type": "ph-recording", "attrs": {"id": ${n}}}]}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'true',
      'false',
      'null',
      '"true"',
      '"no"',
      '""',
      '"  "',
      '[]',
      '{}',
      '"0"',
      '" 3 "',
      '"3.0"',
    ),
  },
);

/** A JSON object text with notebook field names (and others, repeated keys allowed) mapped to arbitrary values. */
const notebookShapedText = fc
  .array(
    fc.tuple(
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...NOTEBOOK_FIELDS) },
        { weight: 1, arbitrary: fc.constantFrom(...OTHER_FIELDS) },
        { weight: 1, arbitrary: oddString },
      ),
      fieldValueText,
    ),
    { maxLength: 6 },
  )
  .map((pairs) => `{${pairs.map(([key, value]) => `${JSON.stringify(key)}: ${value}`).join(', ')}}`);

/**
 * A notebook body that passes the type checks (strings where strings go, a small version, a
 * boolean), so that its odd strings and content reach the database.
 */
const wellTypedNotebookText = fc
  .record(
    {
      title: fc.option(
        oddString.map((text) => text.slice(0, 200)),
        { nil: null },
      ),
      text_content: fc.option(oddString, { nil: null }),
      content: fc.oneof(
        anyJsonValue,
        oddString.map((text) => ({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] })),
      ),
      version: fc.integer({ min: 0, max: 3 }),
      deleted: fc.boolean(),
      _create_in_folder: oddString,
    },
    { requiredKeys: [] },
  )
  .map((body) => JSON.stringify(body));

/** A request body: arbitrary JSON, a notebook-shaped object, text that is probably not JSON, or none. */
const bodyText = fc.oneof(
  { weight: 2, arbitrary: anyJsonValue.map((value) => JSON.stringify(value)) },
  { weight: 3, arbitrary: notebookShapedText },
  { weight: 3, arbitrary: wellTypedNotebookText },
  { weight: 1, arbitrary: oddString },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const UNRESERVED = /^[A-Za-z0-9\-_.~]$/;

/**
 * Percent-encodes text the way a client might: every byte of its UTF-8 form (lone surrogates as
 * their invalid three-byte form), keeping unreserved characters — and, in "raw" mode, also "%",
 * "+" and "/" as typed, so that broken escapes and literal pluses reach the server.
 */
function percentEncode(text: string, mode: 'strict' | 'raw'): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i) as number;
    const char = String.fromCodePoint(code);
    if (code > 0xffff) i++;
    if (UNRESERVED.test(char) || (mode === 'raw' && (char === '%' || char === '+'))) {
      out += char;
      continue;
    }
    const bytes =
      code >= 0xd800 && code <= 0xdfff
        ? [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        : [...Buffer.from(char, 'utf8')];
    out += bytes.map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

const encodingMode = fc.constantFrom<'strict' | 'raw'>('strict', 'raw');

const QUERY_NAMES = [
  'contains',
  'search',
  'order',
  'created_by',
  'last_modified_by',
  'user',
  'date_from',
  'date_to',
  'short_id',
  'limit',
  'offset',
  'page',
  'recording_id',
  'personal_api_key',
  'token',
  'api_key',
  'format',
];
const QUERY_VALUES = [
  '',
  '%',
  '%%',
  '%zz',
  '%00',
  '%ff',
  '%ED%A0%80',
  '+',
  '++',
  '1',
  '-1',
  '0',
  ' 2 ',
  '1_0',
  '1.0',
  '99999999999999999999',
  '1e400',
  'NaN',
  'recording:true',
  'recording:false',
  'recordings:x',
  'notebook:1,recording:x',
  'replay-timestamp:abc',
  'query:',
  ':',
  ',,',
  's:1',
  'title',
  '-title',
  '--title',
  'created_at',
  'id',
  '@me',
  'today',
  '-7d',
  '-1000000y',
  'dStart',
  'mStart',
  '2024-02-30',
  '2024-01-01T25:00',
  '0001-01-01',
  '9999-12-31T23:59:59+14:00',
  'null',
];
const queryValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...QUERY_VALUES) },
  { weight: 4, arbitrary: oddString },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: veryLongString },
);
// Parameters whose value reaches the database as text or JSON.
const STORED_QUERY_NAMES = ['search', 'contains', 'short_id', 'recording_id'];
const queryPair = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.tuple(
      fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...QUERY_NAMES) }, { weight: 1, arbitrary: oddString }),
      queryValue,
      encodingMode,
    ),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...STORED_QUERY_NAMES), oddString, encodingMode) },
);
const queryString = fc
  .array(queryPair, { maxLength: 6 })
  .map((pairs) =>
    pairs.map(([key, value, mode]) => `${percentEncode(key, mode)}=${percentEncode(value, mode)}`).join('&'),
  );

/** A path segment: a meaningful constant, generated text (encoded or raw), or one around the router's length limit. */
function pathSegment(constants: readonly string[]) {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...constants) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.string({ unit: oddCharacter, maxLength: 16 }), encodingMode)
        .map(([text, mode]) => percentEncode(text, mode)),
    },
    {
      weight: 1,
      arbitrary: fc
        .string({ unit: 'grapheme-ascii', minLength: 990, maxLength: 1010 })
        .map((text) => percentEncode(text, 'strict')),
    },
  );
}

const AUTHORIZATION_FORMS = [
  'Bearer',
  'Bearer ',
  'Bearer x',
  'Bearer  ',
  'Basic abc',
  'Basic dXNlcjpwYXNz',
  'Bearer pha_unknown',
  'Bearer phx_unknown',
  'Token abc',
  'bearer',
  'Digest x=y',
  ' ',
  '',
];
// CURRENT stands for the target notebook's version at the time of the request.
const CURRENT_VERSION = 'CURRENT';
const IF_NONE_MATCH_FORMS = [
  CURRENT_VERSION,
  CURRENT_VERSION,
  '0',
  '1',
  '-1',
  '00',
  ' 0',
  '0 ',
  '"0"',
  'W/"0"',
  '*',
  '0, 1',
  '2147483648',
  '',
];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-8',
  'application/JSON',
  'Application/Json',
  'application/json; charset=latin-1',
  'application/json; charset=utf-16',
  'application/json;',
  'application/json; foo=bar',
  'application/json; charset=',
  'text/plain',
  'text/html',
  'text/json',
  'multipart/form-data',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/vnd.api+json',
  'application/merge-patch+json',
  'application/octet-stream',
  '*/*',
  '',
  ';',
  'application/',
  '/json',
  'application/json, text/plain',
];
const ACCEPT_FORMS = ['application/json', 'text/html', '*/*', 'application/xml', 'application/json; indent=4', ''];

// ---------------------------------------------------------------------------------------------
// Factories
// ---------------------------------------------------------------------------------------------

/** A notebook the generated requests aim at. */
function createTarget(env: TestEnv, body: Record<string, unknown> = {}) {
  return createNotebook(env, { title: 'Bad input target', ...body });
}

/** A notebook the generated requests can reach: restored if an earlier run soft-deleted it. Returns its version. */
async function liveNotebook(env: TestEnv, shortId: string): Promise<number> {
  const response = await env.request({ method: 'PATCH', url: env.url(`${shortId}/`), payload: { deleted: false } });
  assert.equal(response.statusCode, 200, response.body);
  return json<{ version: number }>(response).version;
}

async function countRows(env: TestEnv): Promise<{ notebooks: number; activity: number }> {
  const snap = await snapshot(env);
  return { notebooks: snap.notebooks.length, activity: snap.activity.length };
}

function jsonRequest(
  env: TestEnv,
  method: Method,
  url: string,
  payload: string | Buffer,
  key: string | null = env.owner.key,
) {
  return env.request({ method, url, key, headers: { 'content-type': 'application/json' }, payload });
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describeEachEngine('bad input: generated requests', (env) => {
  let target = '';

  it('sets up a notebook for the generated requests to aim at', async () => {
    target = (
      await createTarget(env(), {
        content: { type: 'doc', content: [{ type: 'ph-recording', attrs: { id: 'rec-1' } }] },
      })
    ).short_id;
  });

  it('answers generated JSON bodies on every route without a 5xx, with a documented answer, and writes nothing when it refuses', async () => {
    const bodyRoutes = ROUTES.filter((route) => ['create', 'partial_update', 'update'].includes(route.name));
    const route = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...bodyRoutes) },
      { weight: 1, arbitrary: fc.constantFrom(...ROUTES) },
    );
    await holds(
      fc.asyncProperty(
        route,
        shrinkBounded(bodyText),
        fc.constantFrom('target', 'unknown'),
        async (route, body, which) => {
          await liveNotebook(env(), target);
          const url = route.path(String(env().project.id), which === 'target' ? target : 'zzzzzzzz');
          await sendAndCheck(env(), route, {
            method: route.method,
            url,
            headers: {
              authorization: `Bearer ${env().owner.key}`,
              ...(body !== undefined && { 'content-type': 'application/json' }),
            },
            ...(body !== undefined && { payload: body }),
          });
        },
      ),
    );
  });

  it('answers generated query strings on every route without a 5xx, with a documented answer, and writes nothing when it refuses', async () => {
    const queryRoutes = ROUTES.filter((route) =>
      ['list', 'all_activity', 'activity', 'recording_comments'].includes(route.name),
    );
    const route = fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(...queryRoutes) },
      { weight: 1, arbitrary: fc.constantFrom(...ROUTES) },
    );
    await holds(
      fc.asyncProperty(route, shrinkBounded(queryString), async (route, query) => {
        await liveNotebook(env(), target);
        const url = `${route.path(String(env().project.id), target)}?${query}`;
        await sendAndCheck(env(), route, {
          method: route.method,
          url,
          headers: { authorization: `Bearer ${env().owner.key}` },
        });
      }),
    );
  });

  it('answers generated project_id and short_id path segments without a 5xx, with a documented answer, and writes nothing when it refuses', async () => {
    const projectId = String(env().project.id);
    const projectSegments = [
      projectId,
      `${projectId}.0`,
      `+${projectId}`,
      `%20${projectId}`,
      `0${projectId}`,
      '@current',
      '@me',
      '0',
      '-1',
      '2147483648',
      '99999999999999999999',
      '1e3',
      '0x1',
      '%D9%A1',
      '%',
      '%zz',
      '%00',
      '..',
      '.',
      'notebooks',
    ];
    const shortIdSegments = () => [
      target,
      target.toUpperCase(),
      target.toLowerCase(),
      `${target}%20`,
      `${target}.json`,
      'activity',
      'recording_comments',
      '%00',
      '%zz',
      '%ED%A0%80',
      'a.b',
      '.',
      '..',
      '@me',
      '0',
    ];
    await holds(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        shrinkBounded(pathSegment(projectSegments)),
        shrinkBounded(pathSegment(shortIdSegments())),
        fc.boolean(),
        async (route, project, shortId, trailingSlash) => {
          await liveNotebook(env(), target);
          const path = route.path(project, shortId);
          const url = trailingSlash ? path : path.replace(/\/$/, '');
          const write = route.method !== 'GET';
          await sendAndCheck(env(), route, {
            method: route.method,
            url,
            headers: {
              authorization: `Bearer ${env().owner.key}`,
              ...(write && { 'content-type': 'application/json' }),
            },
            ...(write && { payload: '{"title": "From a generated path"}' }),
          });
        },
      ),
    );
  });

  it('answers generated If-None-Match, Authorization, Content-Type and Accept headers without a 5xx, with a documented answer, and writes nothing when it refuses', async () => {
    const key = env().owner.key;
    const authorization = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(`Bearer ${key}`, `Bearer   ${key}   `, `Bearer\t${key}`) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          `bearer ${key}`,
          `Token ${key}`,
          `Bearer ${key} extra`,
          `Bearer ${key}x`,
          ...AUTHORIZATION_FORMS,
        ),
      },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 60 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((text) => `Bearer ${text}`) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
    const ifNoneMatch = fc.option(
      fc.oneof(fc.constantFrom(...IF_NONE_MATCH_FORMS), fc.string({ unit: 'grapheme-ascii', maxLength: 20 })),
      { nil: undefined },
    );
    const contentType = fc.option(
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
        { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 40 }) },
      ),
      { nil: undefined },
    );
    const accept = fc.option(fc.constantFrom(...ACCEPT_FORMS), { nil: undefined });
    const payload = fc.option(
      fc.oneof(
        fc.constantFrom(
          '{"title": "From generated headers"}',
          `{"personal_api_key": "${key}", "title": "Body key"}`,
          'title=Form+title',
          `personal_api_key=${key}&title=Form`,
          '{',
          '',
          '--x--',
        ),
        notebookShapedText,
      ),
      { nil: undefined },
    );
    await holds(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        shrinkBounded(authorization),
        ifNoneMatch,
        contentType,
        accept,
        shrinkBounded(payload),
        async (route, auth, etag, type, acceptHeader, body) => {
          const version = await liveNotebook(env(), target);
          const headers: Record<string, string> = {};
          if (auth !== undefined) headers.authorization = auth;
          if (etag !== undefined) headers['if-none-match'] = etag.replace(CURRENT_VERSION, String(version));
          if (type !== undefined) headers['content-type'] = type;
          if (acceptHeader !== undefined) headers.accept = acceptHeader;
          await sendAndCheck(env(), route, {
            method: route.method,
            url: route.path(String(env().project.id), target),
            headers,
            ...(body !== undefined && { payload: body }),
          });
        },
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Named cases
// ---------------------------------------------------------------------------------------------

describeEachEngine('bad input: named cases', (env) => {
  it('answers malformed JSON with 400 parse_error in Python json wording, and writes nothing', async () => {
    const before = await countRows(env());
    const response = await jsonRequest(env(), 'POST', env().url(), '{"title": }');
    assertError(response, 400, {
      type: 'invalid_request',
      code: 'parse_error',
      detail: 'JSON parse error - Expecting value: line 1 column 11 (char 10)',
      attr: null,
    });
    const truncated = await jsonRequest(env(), 'POST', env().url(), '{"title": "x"');
    assertError(truncated, 400, {
      type: 'invalid_request',
      code: 'parse_error',
      detail: "JSON parse error - Expecting ',' delimiter: line 1 column 14 (char 13)",
      attr: null,
    });
    assert.deepEqual(await countRows(env()), before);
  });

  it('answers malformed JSON on PATCH with 400 parse_error and leaves the notebook as it was', async () => {
    const notebook = await createTarget(env());
    const before = await snapshot(env());
    const response = await jsonRequest(
      env(),
      'PATCH',
      env().url(`${notebook.short_id}/`),
      "{'title': 'single quotes'}",
    );
    assertError(response, 400, {
      type: 'invalid_request',
      code: 'parse_error',
      detail: 'JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)',
      attr: null,
    });
    assert.deepEqual(await snapshot(env()), before);
  });

  it('answers Content-Type text/plain with 415 unsupported_media_type naming the type, and writes nothing', async () => {
    const before = await countRows(env());
    const response = await env().request({
      method: 'POST',
      url: env().url(),
      headers: { 'content-type': 'text/plain' },
      payload: '{"title": "plain"}',
    });
    assertError(response, 415, {
      type: 'invalid_request',
      code: 'unsupported_media_type',
      detail: 'Unsupported media type "text/plain" in request.',
      attr: null,
    });
    assert.deepEqual(await countRows(env()), before);
  });

  it('answers JSON nested 100,000 deep with 400 parse_error instead of crashing, and still answers afterwards', async () => {
    const before = await countRows(env());
    const deepArray = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const deepObject = `{"content": ${'{"a": '.repeat(100_000)}1${'}'.repeat(100_000)}}`;
    for (const payload of [deepArray, deepObject]) {
      const response = await jsonRequest(env(), 'POST', env().url(), payload);
      assert.equal(response.statusCode, 400, response.body.slice(0, 300));
      const body = json<Envelope>(response);
      assert.equal(body.type, 'invalid_request');
      assert.equal(body.code, 'parse_error');
      assert.equal(body.attr, null);
      assert.match(body.detail, /^JSON parse error - /);
    }
    const notebook = await createTarget(env());
    const patch = await jsonRequest(env(), 'PATCH', env().url(`${notebook.short_id}/`), `{"content": ${deepArray}}`);
    assert.equal(patch.statusCode, 400, patch.body.slice(0, 300));
    const list = await env().request({ method: 'GET', url: env().url() });
    assert.equal(list.statusCode, 200, list.body);
    const after = await countRows(env());
    assert.deepEqual(after, { notebooks: before.notebooks + 1, activity: before.activity + 1 });
  });

  it('stores content nested as deep as the limit allows and logs its update, on both engines', async () => {
    const deepest = `${'['.repeat(500)}"bottom"${']'.repeat(500)}`;
    const created = await jsonRequest(env(), 'POST', env().url(), `{"content": ${deepest}}`);
    assert.equal(created.statusCode, 201, created.body.slice(0, 300));
    const { short_id: shortId } = json<{ short_id: string }>(created);
    const updated = await jsonRequest(
      env(),
      'PATCH',
      env().url(`${shortId}/`),
      `{"version": 0, "content": [${deepest}]}`,
    );
    assert.equal(updated.statusCode, 200, updated.body.slice(0, 300));
    const retrieved = await env().request({ method: 'GET', url: env().url(`${shortId}/`) });
    assert.equal(retrieved.statusCode, 200);
    assert.deepEqual(json(retrieved).content, [JSON.parse(deepest)]);
    const activity = await env().request({ method: 'GET', url: env().url(`${shortId}/activity/`) });
    assert.equal(activity.statusCode, 200, activity.body.slice(0, 300));
  });

  it('answers invalid UTF-8 in a JSON body with 400 parse_error, and writes nothing', async () => {
    const before = await countRows(env());
    const invalid = Buffer.concat([Buffer.from('{"title": "'), Buffer.from([0xff]), Buffer.from('"}')]);
    const response = await jsonRequest(env(), 'POST', env().url(), invalid);
    assertError(response, 400, {
      type: 'invalid_request',
      code: 'parse_error',
      detail: "JSON parse error - 'utf-8' codec can't decode byte 0xff in position 11: invalid start byte",
      attr: null,
    });
    for (const bytes of [
      [0xc3, 0x28],
      [0xe2, 0x82],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xc0, 0xaf],
    ]) {
      const broken = Buffer.concat([Buffer.from('{"title": "'), Buffer.from(bytes), Buffer.from('"}')]);
      const answer = await jsonRequest(env(), 'POST', env().url(), broken);
      assert.equal(answer.statusCode, 400, `${bytes.join(',')}: ${answer.body}`);
      assert.equal(json<Envelope>(answer).code, 'parse_error');
    }
    assert.deepEqual(await countRows(env()), before);
  });

  for (const field of ['title', 'text_content', 'content'] as const) {
    it(`refuses a NUL character in ${field} with 400 null_characters_not_allowed on create and update, and writes nothing`, async () => {
      const notebook = await createTarget(env());
      const before = await snapshot(env());
      const values =
        field === 'content'
          ? [{ text: 'a\u0000b' }, ['x', { deep: ['\u0000'] }], { 'key\u0000': 1 }, '\u0000']
          : ['a\u0000b', '\u0000', '  \u0000  '];
      for (const value of values) {
        const created = await env().request({ method: 'POST', url: env().url(), payload: { [field]: value } });
        assertError(created, 400, nullCharacters(field));
        const updated = await env().request({
          method: 'PATCH',
          url: env().url(`${notebook.short_id}/`),
          payload: { [field]: value, version: notebook.version },
        });
        assertError(updated, 400, nullCharacters(field));
      }
      assert.deepEqual(await snapshot(env()), before);
    });
  }

  it('refuses a lone surrogate in title, text_content or content with 400 surrogate_characters_not_allowed, as DRF does', async () => {
    const before = await countRows(env());
    for (const field of ['title', 'text_content', 'content', '_create_in_folder']) {
      const value = field === 'content' ? '{"doc": ["ok", "\\ud800"]}' : '"x\\udfffy"';
      const response = await jsonRequest(env(), 'POST', env().url(), `{"${field}": ${value}}`);
      const codePoint = field === 'content' ? 'D800' : 'DFFF';
      assertError(
        response,
        400,
        validationError(
          field,
          'surrogate_characters_not_allowed',
          `Surrogate characters are not allowed: U+${codePoint}.`,
        ),
      );
    }
    const paired = await jsonRequest(
      env(),
      'POST',
      env().url(),
      '{"title": "\\ud83d\\ude00", "content": {"\\ud83d\\ude00": "\\ud83d\\ude00"}}',
    );
    assert.equal(paired.statusCode, 201, paired.body);
    assert.equal(json(paired).title, '😀');
    assert.deepEqual(await countRows(env()), { notebooks: before.notebooks + 1, activity: before.activity + 1 });
  });

  it('refuses a NUL character in the search, contains, short_id and recording_id parameters with 400 naming the parameter', async () => {
    for (const parameter of ['search', 'contains', 'short_id']) {
      const response = await env().request({ method: 'GET', url: `${env().url()}?${parameter}=a%00b` });
      assertError(response, 400, nullCharacters(parameter));
    }
    const comments = await env().request({ method: 'GET', url: env().url('recording_comments/?recording_id=a%00b') });
    assertError(comments, 400, nullCharacters('recording_id'));
  });

  it('answers a short_id with a NUL character in the path with 404 Not found on every detail route', async () => {
    for (const url of [env().url('a%00b/'), env().url('%00/activity/')]) {
      const response = await env().request({ method: 'GET', url });
      assertError(response, 404, { type: 'invalid_request', code: 'not_found', detail: 'Not found.', attr: null });
    }
    const before = await countRows(env());
    const patch = await env().request({ method: 'PATCH', url: env().url('a%00b/'), payload: { title: 'never' } });
    assertError(patch, 404, { type: 'invalid_request', code: 'not_found', detail: 'Not found.', attr: null });
    assert.deepEqual(await countRows(env()), before);
  });

  it('answers huge numbers in version with DRF integer errors and in content with 400 attr content, writing nothing', async () => {
    const notebook = await createTarget(env());
    const before = await snapshot(env());
    const cases: Array<[string, Envelope | { attr: string }]> = [
      ['{"version": 1e400}', validationError('version', 'invalid_input', 'A valid integer is required.')],
      ['{"version": -1e400}', validationError('version', 'invalid_input', 'A valid integer is required.')],
      [
        '{"version": 99999999999999999999}',
        validationError('version', 'max_value', 'Ensure this value is less than or equal to 2147483647.'),
      ],
      [
        '{"version": -99999999999999999999}',
        validationError('version', 'min_value', 'Ensure this value is greater than or equal to -2147483648.'),
      ],
      ['{"content": {"n": 1e400}}', { attr: 'content' }],
      ['{"content": [-1e400]}', { attr: 'content' }],
      ['{"content": {"id": 12345678901234567890}}', { attr: 'content' }],
      ['{"content": 12345678901234567890, "version": 0}', { attr: 'content' }],
    ];
    for (const [payload, expected] of cases) {
      for (const [method, url] of [
        ['POST', env().url()],
        ['PATCH', env().url(`${notebook.short_id}/`)],
      ] as const) {
        const response = await jsonRequest(env(), method, url, payload);
        if ('type' in expected) {
          assertError(response, 400, expected);
        } else {
          assert.equal(response.statusCode, 400, `${method} ${payload}: ${response.body}`);
          const body = json<Envelope>(response);
          assert.deepEqual(Object.keys(body), ['type', 'code', 'detail', 'attr']);
          assert.equal(body.type, 'validation_error');
          assert.equal(body.attr, expected.attr);
        }
      }
    }
    assert.deepEqual(await snapshot(env()), before);
  });

  it('takes the last of duplicate query keys, as Django does: ?limit=1&limit=2 gives 2 results', async () => {
    for (let i = 0; i < 3; i++) await createTarget(env());
    const response = await env().request({ method: 'GET', url: `${env().url()}?limit=1&limit=2` });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(json<{ results: unknown[] }>(response).results.length, 2);
    const wanted = await createTarget(env());
    const byShortId = await env().request({
      method: 'GET',
      url: `${env().url()}?short_id=nothing&short_id=${wanted.short_id}`,
    });
    assert.deepEqual(
      json<{ results: Array<{ short_id: string }> }>(byShortId).results.map((item) => item.short_id),
      [wanted.short_id],
    );
  });

  it('answers an unknown route with the 404 Endpoint not found envelope, with or without credentials', async () => {
    for (const url of [
      '/api/nothing-here/',
      '/api/projects/1/notebooks/abc/unknown/',
      '/api/projects/1/dashboards/',
      '/nothing',
    ]) {
      assertError(await env().request({ method: 'GET', url }), 404, endpointNotFound);
      assertError(await env().request({ method: 'GET', url, key: null }), 404, endpointNotFound);
    }
  });

  it('answers an undecodable or over-long path segment with the 404 Endpoint not found envelope, not Fastify’s body', async () => {
    for (const url of [
      env().url('%zz/'),
      '/api/projects/%E0%A4/notebooks/',
      env().url('%ED%A0%80/activity/'),
      env().url(`${'a'.repeat(1001)}/`),
    ]) {
      assertError(await env().request({ method: 'GET', url }), 404, endpointNotFound);
    }
  });

  it('answers an unknown method on a known route with an envelope, not Fastify’s default body', async () => {
    for (const method of ['PROPFIND', 'TRACE', 'SEARCH', 'MKCOL', 'LOCK'] as const) {
      for (const url of [env().url(), env().url('abcdefgh/'), '/api/users/@me/']) {
        for (const key of [env().owner.key, null]) {
          const response = await env().request({ method, url, key });
          assert.ok(
            response.statusCode >= 400 && response.statusCode < 500,
            `${method} ${url}: ${response.statusCode}`,
          );
          assert.equal(response.headers['content-type'], 'application/json');
          assertEnvelope(response.statusCode, JSON.parse(response.body), `${method} ${url}`);
        }
      }
    }
  });

  it('refuses a text_content too large for PostgreSQL’s search index with 400 attr text_content there, and stores it on SQLite', async () => {
    const words = Array.from({ length: 120_000 }, () => randomBytes(6).toString('hex')).join(' ');
    const notebook = await createTarget(env());
    const before = await snapshot(env());
    const created = await env().request({ method: 'POST', url: env().url(), payload: { text_content: words } });
    const updated = await env().request({
      method: 'PATCH',
      url: env().url(`${notebook.short_id}/`),
      payload: { text_content: words },
    });
    if (env().engine === 'postgres') {
      for (const response of [created, updated]) {
        assert.equal(response.statusCode, 400, response.body.slice(0, 300));
        const body = json<Envelope>(response);
        assert.equal(body.type, 'validation_error');
        assert.equal(body.attr, 'text_content');
      }
      assert.deepEqual(await snapshot(env()), before);
    } else {
      assert.equal(created.statusCode, 201, created.body.slice(0, 300));
      assert.equal(updated.statusCode, 200, updated.body.slice(0, 300));
    }
  });
});

describeEachEngine(
  'bad input: a body over the configured limit',
  (env) => {
    it('answers a body over the limit with the 413 envelope and writes nothing', async () => {
      const before = await countRows(env());
      const response = await jsonRequest(
        env(),
        'POST',
        env().url(),
        JSON.stringify({ title: 'big', text_content: 'x'.repeat(2000) }),
      );
      assertError(response, 413, {
        type: 'invalid_request',
        code: 'payload_too_large',
        detail: 'Request body exceeds the limit of 1024 bytes.',
        attr: null,
      });
      const noKey = await jsonRequest(
        env(),
        'POST',
        env().url(),
        JSON.stringify({ text_content: 'x'.repeat(2000) }),
        null,
      );
      assert.equal(noKey.statusCode, 413);
      assert.deepEqual(await countRows(env()), before);
    });

    it('accepts a body just under the limit', async () => {
      const payload = JSON.stringify({ text_content: 'x'.repeat(900) });
      assert.ok(Buffer.byteLength(payload) <= 1024);
      const response = await jsonRequest(env(), 'POST', env().url(), payload);
      assert.equal(response.statusCode, 201, response.body);
    });
  },
  { bodyLimit: 1024 },
);
