import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, type TestContext, test } from 'node:test';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } from 'kysely';
import pg from 'pg';
import { AccountsRepository } from '../../src/accounts/accounts.repository.ts';
import { AccountsService } from '../../src/accounts/accounts.service.ts';
import { pythonNumberRepr, pythonStr } from '../../src/compat/python-repr.ts';
import { openDatabase } from '../../src/db/database.ts';
import { CONTENT_FACTS_EXPRESSION } from '../../src/db/migrations/0002-postgres-search-vectors.ts';
import type { JsonValue } from '../../src/json/json-value.ts';
import { compareJsonbKeys, toJsonbOrder, toJsonbText } from '../../src/json/jsonb-text.ts';
import { parseJsonKeepingNumberText } from '../../src/json/number-texts.ts';
import {
  containsFacts,
  containsMatches,
  containsTestFacts,
  HAS_CONTENT_FACT,
} from '../../src/notebooks/contains/contains-facts.ts';
import { type ContainsTest, depluralize, parseContains } from '../../src/notebooks/contains/contains-grammar.ts';
import { recordingComments } from '../../src/notebooks/recording-comments.ts';
import { notebookStorageFor } from '../../src/notebooks/storage/notebook-storage.ts';
import { migrateDatabase } from '../../src/services.ts';
import { createTestDatabase } from '../support/harness.ts';
import { jsonbContains } from '../support/jsonb-contains.ts';

// ---------------------------------------------------------------------------------------------
// Test tools: a seeded PRNG, random JSON, PostgreSQL
// ---------------------------------------------------------------------------------------------

type Random = {
  next(): number;
  int(limit: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
};

/** mulberry32: small, fast and good enough to drive property tests reproducibly. */
function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (limit) => Math.floor(next() * limit),
    chance: (probability) => next() < probability,
    pick<T>(items: readonly T[]): T {
      return items[Math.floor(next() * items.length)];
    },
  };
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Builds an object with own keys only, so that "__proto__" is a key like any other. */
function objectOf(entries: [string, JsonValue][]): JsonValue {
  return Object.fromEntries(entries);
}

const STRINGS = [
  'a',
  'b',
  '',
  '1',
  'é',
  '😀',
  'a"b',
  "a'b",
  'back\\slash',
  'tab\t',
  '\u0001',
  '\u007f',
  '\u2028',
  'ph-recording',
];
const KEYS = [
  'a',
  'b',
  'B',
  'aa',
  'ab',
  'é',
  '😀',
  '\uff01',
  'a b',
  'type',
  'content',
  'attrs',
  'id',
  '__proto__',
  'constructor',
  '01',
  '-1',
];
const INTEGER_LIKE_KEYS = ['1', '9', '10', '0'];
const NUMBERS = [0, 1, 2, -1, 1.5, 0.1, 100];
/** Ways to write each number of NUMBERS in JSON; PostgreSQL and JSON.parse read them as equal. */
const NUMBER_FORMS = new Map<number, string[]>([
  [0, ['0', '-0', '0.0', '0e5', '-0.0']],
  [1, ['1', '1.0', '1e0', '0.1e1', '10E-1', '1.00']],
  [2, ['2', '2.0', '0.2E+1', '20e-1']],
  [-1, ['-1', '-1.0', '-1e0', '-0.1E1']],
  [1.5, ['1.5', '15e-1', '1.50', '0.15E1']],
  [0.1, ['0.1', '1e-1', '0.10', '10e-2']],
  [100, ['100', '1e2', '1E+2', '100.0', '0.001e5']],
]);

function randomScalar(random: Random): JsonValue {
  const kind = random.int(4);
  if (kind === 0) return random.pick([null, true, false]);
  if (kind === 1) return random.pick(NUMBERS);
  return random.pick(STRINGS);
}

function randomJson(random: Random, depth: number, keys: readonly string[]): JsonValue {
  const kind = depth >= 3 ? 0 : random.int(3);
  if (kind === 0) return randomScalar(random);
  const size = random.int(4);
  if (kind === 1) return Array.from({ length: size }, () => randomJson(random, depth + 1, keys));
  return objectOf(Array.from({ length: size }, () => [random.pick(keys), randomJson(random, depth + 1, keys)]));
}

/** A value probably contained by `value` (a sub-structure), sometimes broken on purpose. */
function deriveContained(value: JsonValue, random: Random, keys: readonly string[]): JsonValue {
  if (random.chance(0.06)) return randomJson(random, 2, keys);
  if (Array.isArray(value)) {
    const scalars = value.filter((element) => element === null || typeof element !== 'object');
    // Collapsing an array into one of its scalars: contained only at the top level.
    if (scalars.length > 0 && random.chance(0.1)) return random.pick(scalars);
    if (value.length === 0) return random.chance(0.8) ? [] : [randomScalar(random)];
    return Array.from({ length: random.int(3) }, () => deriveContained(random.pick(value), random, keys));
  }
  if (isObject(value)) {
    const entries = Object.entries(value).filter(() => random.chance(0.6));
    const derived: [string, JsonValue][] = entries.map(([key, member]) => [key, deriveContained(member, random, keys)]);
    if (random.chance(0.1)) derived.push([random.pick(keys), randomScalar(random)]);
    return objectOf(derived);
  }
  if (random.chance(0.1)) return randomScalar(random);
  return value;
}

/** JSON text for `value` with varied number spellings, spacing and overridden duplicate keys. */
function writeJson(value: JsonValue, random: Random): string {
  if (typeof value === 'number') return random.pick(NUMBER_FORMS.get(value) ?? [String(value)]);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const separator = random.pick([',', ', ', ' ,\n\t']);
  if (Array.isArray(value)) return `[${value.map((element) => writeJson(element, random)).join(separator)}]`;
  const members: string[] = [];
  for (const [key, member] of Object.entries(value)) {
    // An earlier duplicate: PostgreSQL and JSON.parse both keep the last value.
    if (random.chance(0.08)) members.push(`${JSON.stringify(key)}: ${writeJson(randomScalar(random), random)}`);
    members.push(`${JSON.stringify(key)}:${writeJson(member, random)}`);
  }
  return `{${members.join(separator)}}`;
}

const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
let postgresClient: Promise<pg.Client | null> | undefined;

/** A connected client, or null (after skipping the test) when PostgreSQL is down outside CI. */
async function postgresOrSkip(t: TestContext): Promise<pg.Client | null> {
  postgresClient ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      return client;
    } catch (error) {
      if (process.env.CI === 'true') throw error;
      return null;
    }
  })();
  const client = await postgresClient;
  // Outside CI a developer may not run PostgreSQL; CI must, and fails above if it cannot connect.
  if (client === null) t.skip('PostgreSQL not reachable');
  return client;
}

after(async () => {
  const client = await postgresClient?.catch(() => null);
  await client?.end();
});

async function queryRows<Row>(client: pg.Client, sql: string, parameters: unknown[]): Promise<Row[]> {
  const result = await client.query(sql, parameters);
  return result.rows as Row[];
}

// ---------------------------------------------------------------------------------------------
// The contains grammar
// ---------------------------------------------------------------------------------------------

function matchOf(test: ContainsTest): JsonValue | undefined {
  const id = test.id;
  if (!Array.isArray(id) || !isObject(id[0])) return undefined;
  const node = id[0];
  const attrs = isObject(node.attrs) ? node.attrs : undefined;
  if (attrs !== undefined && isObject(attrs.query)) return attrs.query.shortId;
  if (attrs !== undefined) return attrs.id;
  const children = node.content;
  if (Array.isArray(children) && isObject(children[0]) && isObject(children[0].attrs))
    return children[0].attrs.sessionRecordingId;
  return undefined;
}

describe('depluralize', () => {
  test('follows PostHog for plural endings, the empty string and a lone "s"', () => {
    assert.equal(depluralize(''), null);
    assert.equal(depluralize('queries'), 'query');
    assert.equal(depluralize('ies'), 'y');
    assert.equal(depluralize('recordings'), 'recording');
    assert.equal(depluralize('feature-flags'), 'feature-flag');
    assert.equal(depluralize('s'), '');
    assert.equal(depluralize('recording'), 'recording');
  });
});

describe('parseContains', () => {
  test('a bare target or :true tests presence of the ph- type', () => {
    const presence = [{ type: 'ph-recording' }];
    assert.deepEqual(parseContains('recording'), [{ kind: 'present', presence, id: null }]);
    assert.deepEqual(parseContains('recordings:true'), [{ kind: 'present', presence, id: null }]);
    assert.deepEqual(parseContains('ph-recording:true'), [
      { kind: 'present', presence: [{ type: 'ph-ph-recording' }], id: null },
    ]);
  });

  test(':false tests absence', () => {
    assert.deepEqual(parseContains('recording:false'), [
      { kind: 'absent', presence: [{ type: 'ph-recording' }], id: null },
    ]);
  });

  test('any other match tests presence and the id, and True is just an id', () => {
    assert.deepEqual(parseContains('recording:abc'), [
      { kind: 'match', presence: [{ type: 'ph-recording' }], id: [{ attrs: { id: 'abc' } }] },
    ]);
    assert.deepEqual(parseContains('recording:True'), [
      { kind: 'match', presence: [{ type: 'ph-recording' }], id: [{ attrs: { id: 'True' } }] },
    ]);
    assert.deepEqual(parseContains('recording:'), [
      { kind: 'match', presence: [{ type: 'ph-recording' }], id: [{ attrs: { id: '' } }] },
    ]);
  });

  test('replay-timestamp looks one level down and query matches a SavedInsightNode shortId', () => {
    assert.deepEqual(parseContains('replay-timestamps:r1'), [
      {
        kind: 'match',
        presence: [{ content: [{ type: 'ph-replay-timestamp' }] }],
        id: [{ content: [{ attrs: { sessionRecordingId: 'r1' } }] }],
      },
    ]);
    assert.deepEqual(parseContains('queries:abc'), [
      {
        kind: 'match',
        presence: [{ type: 'ph-query' }],
        id: [{ attrs: { query: { kind: 'SavedInsightNode', shortId: 'abc' } } }],
      },
    ]);
  });

  test('commas and spaces separate tokens, empty tokens and empty targets are skipped', () => {
    assert.deepEqual(parseContains(''), []);
    assert.deepEqual(parseContains(',, ,'), []);
    assert.deepEqual(parseContains(':x s s:y'), []);
    assert.deepEqual(
      parseContains('recording:false,recording:recording_two').map((t) => t.kind),
      ['absent', 'match'],
    );
    assert.deepEqual(
      parseContains('recording:true  person').map((t) => [t.kind, t.presence]),
      [
        ['present', [{ type: 'ph-recording' }]],
        ['present', [{ type: 'ph-person' }]],
      ],
    );
  });

  test('only the second colon-separated part is the match', () => {
    assert.equal(matchOf(parseContains('recording:b:c')[0]), 'b');
    assert.equal(parseContains('recording:true:x')[0].kind, 'present');
  });

  test('matches that Python int() accepts become numbers', () => {
    const cases: [string, number][] = [
      ['1', 1],
      ['+1', 1],
      ['-1', -1],
      ['1_000', 1000],
      ['0_7', 7],
      ['007', 7],
      ['\t7\n', 7],
      ['\u00a07\u3000', 7],
      ['\u20001', 1],
      ['١٢', 12],
      ['١_٢', 12],
      ['𝟏𝟐', 12],
      ['1١', 11],
    ];
    for (const [match, expected] of cases) {
      assert.equal(matchOf(parseContains(`feature-flag:${match}`)[0]), expected, JSON.stringify(match));
    }
    assert.ok(Object.is(matchOf(parseContains('x:-0')[0]), 0), 'Python has no negative zero integer');
  });

  test('matches that Python int() rejects stay strings', () => {
    for (const match of [
      '1__0',
      '_1',
      '1_',
      '+_1',
      '0x1',
      '1.0',
      '1e3',
      '+',
      '-',
      '²',
      '\u001c7',
      '7\u001f',
      '1\u0000',
      '1\u200b',
      '٫',
    ]) {
      assert.equal(matchOf(parseContains(`feature-flag:${match}`)[0]), match, JSON.stringify(match));
    }
  });

  test('integers of more than 4300 digits stay strings, as Python refuses to convert them', () => {
    assert.equal(matchOf(parseContains(`x:${'0'.repeat(4300)}`)[0]), 0);
    assert.equal(typeof matchOf(parseContains(`x:${'0'.repeat(4301)}`)[0]), 'string');
    assert.equal(matchOf(parseContains(`x:0${'_0'.repeat(4299)}`)[0]), 0);
  });

  test('integers beyond 2^53 are kept as the nearest double (a documented precision loss)', () => {
    assert.equal(matchOf(parseContains('x:9007199254740993')[0]), 9007199254740992);
    assert.equal(matchOf(parseContains(`x:-1${'0'.repeat(300)}`)[0]), -1e300);
  });

  test('integers beyond the double range stay strings rather than becoming Infinity (JSON null)', () => {
    const huge = `1${'0'.repeat(400)}`;
    assert.equal(matchOf(parseContains(`x:${huge}`)[0]), huge);
  });
});

// ---------------------------------------------------------------------------------------------
// jsonb @>
// ---------------------------------------------------------------------------------------------

describe('jsonbContains', () => {
  const cases: [string, string, boolean][] = [
    ['["a"]', '"a"', true],
    ['{"k":["a"]}', '{"k":"a"}', false],
    ['"a"', '["a"]', false],
    ['[["a"]]', '["a"]', false],
    ['[[1]]', '[1]', false],
    ['1', '1.0', true],
    ['[1]', '[1.0]', true],
    ['"1"', '1', false],
    ['[]', '[]', true],
    ['"a"', '[]', false],
    ['{}', '{}', true],
    ['[{}]', '[]', true],
    ['{"a":1}', '[]', false],
    ['[{"a":1}]', '{"a":1}', false],
    ['null', 'null', true],
    ['[null]', 'null', true],
    ['[[]]', '[[]]', true],
    ['[{}]', '[[]]', false],
    ['[{"type":"ph-recording","x":1},{"attrs":{"id":"a"}}]', '[{"type":"ph-recording"}]', true],
    ['[{"attrs":{"id":["a"]}}]', '[{"attrs":{"id":"a"}}]', false],
    ['[{"attrs":{"id":"a","b":2}}]', '[{"attrs":{}}]', true],
    ['[{"attrs":[]}]', '[{"attrs":{}}]', false],
    ['{"a":1,"b":2}', '{"a":1,"b":2,"c":3}', false],
    ['[1,2,3]', '[3,3,1]', true],
    ['{"toString":1}', '{"constructor":{}}', false],
  ];
  for (const [left, right, expected] of cases) {
    test(`${left} @> ${right} is ${expected}`, () => {
      assert.equal(jsonbContains(JSON.parse(left), JSON.parse(right)), expected);
    });
  }

  test('a missing left side (SQL NULL) contains nothing', () => {
    assert.equal(jsonbContains(undefined, []), false);
  });

  test('agrees with PostgreSQL @> on random pairs', async (t) => {
    const client = await postgresOrSkip(t);
    if (client === null) return;
    const random = seededRandom(20240501);
    const lefts: string[] = [];
    const rights: string[] = [];
    for (let i = 0; i < 600; i += 1) {
      const left = randomJson(random, 0, KEYS);
      const right = random.chance(0.85) ? deriveContained(left, random, KEYS) : randomJson(random, 0, KEYS);
      lefts.push(writeJson(left, random));
      rights.push(writeJson(right, random));
    }
    const rows = await queryRows<{ contained: boolean }>(
      client,
      'SELECT l::jsonb @> r::jsonb AS contained FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS p(l, r, n) ORDER BY n',
      [lefts, rights],
    );
    let trueCount = 0;
    rows.forEach((row, i) => {
      assert.equal(
        jsonbContains(JSON.parse(lefts[i]), JSON.parse(rights[i])),
        row.contained,
        `${lefts[i]} @> ${rights[i]}`,
      );
      if (row.contained) trueCount += 1;
    });
    assert.ok(trueCount > 150 && trueCount < 450, `a useful mix of outcomes (${trueCount} of 600 contained)`);
  });
});

// ---------------------------------------------------------------------------------------------
// Containment facts
// ---------------------------------------------------------------------------------------------

const NODE_TYPES: JsonValue[] = [
  'ph-recording',
  'ph-person',
  'ph-query',
  'ph-replay-timestamp',
  'paragraph',
  'ph-recording-playlist',
  'ph-feature-flag',
  'text',
  1,
  null,
];
const IDS: JsonValue[] = ['a', 'b', '1', '', 'True', 1, 2, 0, -0, 1.5, null, true, ['a'], [1], { id: 'a' }];
const CONTAINS_TARGETS = [
  'recording',
  'recordings',
  'person',
  'query',
  'queries',
  'replay-timestamp',
  'replay-timestamps',
  'feature-flag',
  'recording-playlist',
];
const CONTAINS_MATCHES: (string | null)[] = [
  null,
  'true',
  'false',
  'a',
  'b',
  '1',
  '+1',
  '2',
  '0',
  '-0',
  '',
  'True',
  '1.5',
];

function randomAttrs(random: Random): JsonValue {
  if (random.chance(0.1)) return random.pick<JsonValue>([null, 'attrs', ['a'], []]);
  const entries: [string, JsonValue][] = [];
  if (random.chance(0.6)) entries.push(['id', random.pick(IDS)]);
  if (random.chance(0.3)) entries.push(['sessionRecordingId', random.pick(IDS)]);
  if (random.chance(0.3)) {
    const query: [string, JsonValue][] = [];
    if (random.chance(0.8))
      query.push(['kind', random.pick<JsonValue>(['SavedInsightNode', 'SavedInsightNode', 'InsightVizNode', 1])]);
    if (random.chance(0.8)) query.push(['shortId', random.pick(IDS)]);
    entries.push(['query', random.chance(0.9) ? objectOf(query) : [objectOf(query)]]);
  }
  if (random.chance(0.2)) entries.push(['playbackTime', random.pick(IDS)]);
  return objectOf(entries);
}

function randomNode(random: Random, depth: number): JsonValue {
  if (random.chance(0.08)) return random.chance(0.5) ? randomScalar(random) : [randomNode(random, depth + 1)];
  const entries: [string, JsonValue][] = [];
  if (random.chance(0.8)) entries.push(['type', random.pick(NODE_TYPES)]);
  if (random.chance(0.6)) entries.push(['attrs', randomAttrs(random)]);
  if (depth < 3 && random.chance(0.5)) {
    const children = Array.from({ length: random.int(4) }, () => randomNode(random, depth + 1));
    const shape = random.int(10);
    entries.push([
      'content',
      shape === 0 ? objectOf([['type', 'ph-replay-timestamp']]) : shape === 1 ? 'text' : children,
    ]);
  }
  if (random.chance(0.2)) entries.push(['text', random.pick(STRINGS)]);
  return objectOf(entries);
}

function randomDocument(random: Random): JsonValue {
  const shape = random.int(20);
  if (shape === 0) return null;
  if (shape === 1) return random.pick<JsonValue>(['content', 1, [objectOf([['content', []]])], true]);
  if (shape === 2) return objectOf([['type', 'doc']]);
  const nodes = Array.from({ length: random.int(6) }, () => randomNode(random, 0));
  let inner: JsonValue = nodes;
  if (shape === 3) inner = nodes.length > 0 ? nodes[0] : null;
  if (shape === 4) inner = random.pick<JsonValue>(['ph-recording', 0, null, [nodes]]);
  return objectOf([
    ['type', 'doc'],
    ['content', inner],
  ]);
}

/** Targets and matches taken from the document itself, so that many tests hold. */
function documentVocabulary(document: JsonValue): { targets: string[]; matches: string[] } {
  const targets: string[] = [];
  const matches: string[] = [];
  const walk = (value: JsonValue): void => {
    if (Array.isArray(value)) value.forEach(walk);
    if (!isObject(value)) return;
    for (const [key, member] of Object.entries(value)) {
      if (key === 'type' && typeof member === 'string' && member.startsWith('ph-')) targets.push(member.slice(3));
      if (
        ['id', 'shortId', 'sessionRecordingId'].includes(key) &&
        (typeof member === 'string' || typeof member === 'number')
      ) {
        matches.push(String(member));
      }
      walk(member);
    }
  };
  walk(document);
  return { targets, matches };
}

function randomContainsTests(random: Random, document: JsonValue): ContainsTest[] {
  const vocabulary = documentVocabulary(document);
  const tokens = Array.from({ length: 1 + random.int(2) }, () => {
    const target =
      vocabulary.targets.length > 0 && random.chance(0.5)
        ? random.pick(vocabulary.targets)
        : random.pick(CONTAINS_TARGETS);
    const match =
      vocabulary.matches.length > 0 && random.chance(0.4)
        ? random.pick(vocabulary.matches)
        : random.pick(CONTAINS_MATCHES);
    return match === null ? target : `${target}:${match}`;
  });
  return parseContains(tokens.join(random.pick([',', ' '])));
}

/** What PostgreSQL's WHERE clause decides, evaluated with jsonbContains (null content = SQL NULL). */
function sqlReference(document: JsonValue, test: ContainsTest): boolean {
  const inner = isObject(document) && Object.hasOwn(document, 'content') ? document.content : undefined;
  if (test.kind === 'present') return jsonbContains(inner, test.presence);
  if (test.kind === 'match') return jsonbContains(inner, test.presence) && jsonbContains(inner, test.id ?? null);
  return document === null || (inner !== undefined && !jsonbContains(inner, test.presence));
}

describe('containsFacts', () => {
  test('lists the facts of top-level nodes and of their children', () => {
    const document: JsonValue = {
      type: 'doc',
      content: [
        { type: 'ph-recording', attrs: { id: 'rec-1' } },
        { type: 'ph-feature-flag', attrs: { id: 1.0 } },
        { type: 'ph-query', attrs: { query: { kind: 'SavedInsightNode', shortId: 'abc' } } },
        { type: 'ph-query', attrs: { query: { kind: 'InsightVizNode', shortId: 'nope' } } },
        {
          type: 'paragraph',
          content: [
            { type: 'ph-replay-timestamp', attrs: { sessionRecordingId: 'rec-1', playbackTime: 42 } },
            { type: 'text', text: 'hi' },
          ],
        },
        { type: 'ph-person', attrs: { id: ['array ids never match'] }, content: { type: 'not-an-array' } },
        'not a node',
      ],
    };
    assert.deepEqual(
      new Set(containsFacts(document)),
      new Set([
        HAS_CONTENT_FACT,
        't:ph-recording',
        'i:s:rec-1',
        't:ph-feature-flag',
        'i:n:1',
        't:ph-query',
        'q:s:abc',
        't:paragraph',
        'ct:ph-replay-timestamp',
        'cr:s:rec-1',
        'ct:text',
        't:ph-person',
      ]),
    );
  });

  test('numbers are facts by value and differ from digit strings', () => {
    assert.deepEqual(
      containsFacts(JSON.parse('{"content":[{"attrs":{"id":1e0}},{"attrs":{"id":-0.0}},{"attrs":{"id":"2"}}]}')),
      [HAS_CONTENT_FACT, 'i:n:1', 'i:n:0', 'i:s:2'],
    );
  });

  test('content without nodes has only has-content, and NULL or key-less content has no facts', () => {
    assert.deepEqual(containsFacts({ content: null }), [HAS_CONTENT_FACT]);
    assert.deepEqual(containsFacts({ content: { type: 'ph-recording' } }), [HAS_CONTENT_FACT]);
    assert.deepEqual(containsFacts({ type: 'doc' }), []);
    assert.deepEqual(containsFacts(null), []);
    assert.deepEqual(containsFacts(undefined), []);
    assert.deepEqual(containsFacts([{ content: [{ type: 'ph-recording' }] }]), []);
  });
});

describe('containsTestFacts', () => {
  test('gives the presence fact, plus the id fact for a match', () => {
    assert.deepEqual(containsTestFacts(parseContains('recording')[0]), ['t:ph-recording']);
    assert.deepEqual(containsTestFacts(parseContains('recording:false')[0]), ['t:ph-recording']);
    assert.deepEqual(containsTestFacts(parseContains('recording:abc')[0]), ['t:ph-recording', 'i:s:abc']);
    assert.deepEqual(containsTestFacts(parseContains('feature-flag:1')[0]), ['t:ph-feature-flag', 'i:n:1']);
    assert.deepEqual(containsTestFacts(parseContains('query:abc')[0]), ['t:ph-query', 'q:s:abc']);
    assert.deepEqual(containsTestFacts(parseContains('replay-timestamp:r')[0]), ['ct:ph-replay-timestamp', 'cr:s:r']);
  });

  test('refuses structures that parseContains does not build', () => {
    assert.throws(() => containsTestFacts({ kind: 'present', presence: [{ type: 'a', extra: 1 }], id: null }));
    assert.throws(() => containsTestFacts({ kind: 'match', presence: [{ type: 'a' }], id: [{ attrs: { id: null } }] }));
  });
});

describe('containsMatches', () => {
  const absent = parseContains('recording:false')[0];
  const present = parseContains('recording')[0];

  test(':false keeps NULL content and content whose nodes lack the type', () => {
    assert.equal(containsMatches(new Set(), true, absent), true);
    assert.equal(containsMatches(new Set(containsFacts({ content: null })), false, absent), true);
    assert.equal(containsMatches(new Set(containsFacts({ content: [{ type: 'ph-person' }] })), false, absent), true);
  });

  test(':false drops content with the type and non-null content without a content key', () => {
    assert.equal(
      containsMatches(new Set(containsFacts({ content: [{ type: 'ph-recording' }] })), false, absent),
      false,
    );
    assert.equal(containsMatches(new Set(containsFacts({ type: 'doc' })), false, absent), false);
  });

  test('positive tests never match NULL content', () => {
    assert.equal(containsMatches(new Set(['t:ph-recording']), true, present), false);
    assert.equal(containsMatches(new Set(), true, present), false);
  });

  test('presence and id may be satisfied by different nodes', () => {
    const facts = new Set(
      containsFacts({ content: [{ type: 'ph-recording' }, { type: 'ph-person', attrs: { id: 'x' } }] }),
    );
    assert.equal(containsMatches(facts, false, parseContains('recording:x')[0]), true);
  });

  test('agrees with the SQL semantics of @> on thousands of random documents and tests', () => {
    const random = seededRandom(42);
    const outcomes = new Map<string, [number, number]>();
    for (let i = 0; i < 4000; i += 1) {
      const document = randomDocument(random);
      const facts = new Set(containsFacts(document));
      for (const test of randomContainsTests(random, document)) {
        const expected = sqlReference(document, test);
        assert.equal(
          containsMatches(facts, document === null, test),
          expected,
          `${JSON.stringify(document)}\n${JSON.stringify(test)}\nfacts: ${JSON.stringify([...facts])}`,
        );
        const [falses, trues] = outcomes.get(test.kind) ?? [0, 0];
        outcomes.set(test.kind, expected ? [falses, trues + 1] : [falses + 1, trues]);
      }
    }
    for (const [kind, [falses, trues]] of outcomes) {
      assert.ok(falses > 100 && trues > 100, `both outcomes are exercised for ${kind}: ${trues} true, ${falses} false`);
    }
  });

  test("agrees with PostgreSQL filtering on content->'content' @> structure", async (t) => {
    const client = await postgresOrSkip(t);
    if (client === null) return;
    const random = seededRandom(7);
    const documents: (string | null)[] = [];
    const presences: string[] = [];
    const ids: (string | null)[] = [];
    const kinds: string[] = [];
    const expected: boolean[] = [];
    for (let i = 0; i < 800; i += 1) {
      const document = randomDocument(random);
      const facts = new Set(containsFacts(document));
      for (const test of randomContainsTests(random, document)) {
        documents.push(document === null ? null : JSON.stringify(document));
        presences.push(JSON.stringify(test.presence));
        ids.push(test.id === null ? null : JSON.stringify(test.id));
        kinds.push(test.kind);
        expected.push(containsMatches(facts, document === null, test));
      }
    }
    // The WHERE clauses Django builds for .filter(...) and .exclude(...); NULL drops the row.
    const rows = await queryRows<{ kept: boolean }>(
      client,
      `SELECT COALESCE(CASE p.kind
                 WHEN 'present' THEN c.d -> 'content' @> c.presence
                 WHEN 'match' THEN c.d -> 'content' @> c.presence AND c.d -> 'content' @> c.id
                 ELSE NOT (c.d -> 'content' @> c.presence AND c.d IS NOT NULL)
               END, false) AS kept
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS p(d, presence, id, kind, n)
         CROSS JOIN LATERAL (SELECT p.d::jsonb AS d, p.presence::jsonb AS presence, p.id::jsonb AS id) AS c
        ORDER BY p.n`,
      [documents, presences, ids, kinds],
    );
    rows.forEach((row, i) => {
      assert.equal(expected[i], row.kept, `${documents[i]}\n${kinds[i]} ${presences[i]} ${ids[i]}`);
    });
  });
});

describe('PostgreSQL content_facts (migration 0002)', () => {
  // A compiler only: the test runs the SQL on its own client, where the temp table lives.
  const compiler = new Kysely<never>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  const postgres = notebookStorageFor('postgres');

  test("the contains filter on content_facts keeps exactly the rows PostHog's content->'content' @> keeps", async (t) => {
    const client = await postgresOrSkip(t);
    if (client === null) return;
    const generated = sql`create temp table contains_documents (
      n integer primary key,
      content jsonb,
      content_facts jsonb generated always as (${CONTENT_FACTS_EXPRESSION}) stored
    )`.compile(compiler);
    await client.query(generated.sql);
    try {
      const random = seededRandom(11);
      const documents = Array.from({ length: 5000 }, () => randomDocument(random));
      await client.query(
        'insert into contains_documents (n, content) select n - 1, d::jsonb from unnest($1::text[]) with ordinality as p(d, n)',
        [documents.map((document) => (document === null ? null : JSON.stringify(document)))],
      );
      const outcomes = new Map<string, [number, number]>();
      for (const [n, document] of documents.entries()) {
        for (const test of randomContainsTests(random, document)) {
          const presence = sql`${JSON.stringify(test.presence)}::jsonb`;
          const posthog =
            test.kind === 'present'
              ? sql`content -> 'content' @> ${presence}`
              : test.kind === 'match'
                ? sql`content -> 'content' @> ${presence} and content -> 'content' @> ${JSON.stringify(test.id)}::jsonb`
                : sql`not (content -> 'content' @> ${presence} and content is not null)`;
          const query =
            sql`select coalesce(${postgres.containsFilter(test, 1)}, false) as ours, coalesce(${posthog}, false) as posthog
            from contains_documents where n = ${n}`.compile(compiler);
          const [row] = (await client.query(query.sql, [...query.parameters])).rows as {
            ours: boolean;
            posthog: boolean;
          }[];
          assert.equal(row.ours, row.posthog, `${JSON.stringify(document)}\n${JSON.stringify(test)}`);
          const [falses, trues] = outcomes.get(test.kind) ?? [0, 0];
          outcomes.set(test.kind, row.posthog ? [falses, trues + 1] : [falses + 1, trues]);
        }
      }
      for (const [kind, [falses, trues]] of outcomes) {
        assert.ok(
          falses > 100 && trues > 100,
          `both outcomes are exercised for ${kind}: ${trues} true, ${falses} false`,
        );
      }
    } finally {
      await client.query('drop table contains_documents');
    }
  });

  test('counts from notebook_content_fact_rows equal counts with the filter, through inserts, edits and soft deletes', async (t) => {
    if ((await postgresOrSkip(t)) === null) return;
    const database = await createTestDatabase('postgres');
    const db = await openDatabase(database.target);
    try {
      await migrateDatabase(db);
      const accounts = new AccountsService(db, new AccountsRepository(db.kysely, db.dialect));
      const org = await accounts.createOrganization('Facts');
      const [teamId, otherTeamId] = [
        (await accounts.createProject({ name: 'A', organizationId: org.id })).id,
        (await accounts.createProject({ name: 'B', organizationId: org.id })).id,
      ];
      const random = seededRandom(23);
      const documents = Array.from({ length: 1200 }, () => randomDocument(random));
      const ids = documents.map(() => crypto.randomUUID());
      const now = new Date();
      await db.kysely
        .insertInto('notebooks')
        .values(
          documents.map((document, n) => ({
            id: ids[n],
            short_id: `n${n}`,
            team_id: n % 5 === 0 ? otherTeamId : teamId,
            title: null,
            content: document === null ? null : JSON.stringify(document),
            text_content: null,
            deleted: random.chance(0.1),
            visibility: random.chance(0.1) ? 'internal' : 'default',
            version: 0,
            folder: 'f',
            created_at: now,
            created_by_id: null,
            last_modified_at: now,
            last_modified_by_id: null,
          })),
        )
        .execute();
      const compare = async (label: string) => {
        let nonZero = 0;
        for (const [n, document] of documents.entries()) {
          if (n % 4 !== 0) continue;
          const tests = randomContainsTests(random, document).filter((test) => test.kind !== 'absent');
          if (tests.length === 0) continue;
          const fromRows = await postgres.listedContainsCount(db.kysely, teamId, tests);
          const filtered = await tests
            .reduce(
              (query, test) => query.where(postgres.containsFilter(test, teamId)),
              db.kysely
                .selectFrom('notebooks')
                .where('team_id', '=', teamId)
                .where('deleted', '=', false)
                .where('visibility', '=', 'default'),
            )
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow();
          assert.equal(fromRows, Number(filtered.n), `${label}: ${JSON.stringify(tests)}`);
          if (fromRows !== 0) nonZero += 1;
        }
        assert.ok(nonZero > 50, `${label}: counts that are not zero (${nonZero}) make the comparison mean something`);
      };
      await compare('inserted');
      for (const [n, id] of ids.entries()) {
        if (n % 3 === 0)
          await db.kysely
            .updateTable('notebooks')
            .set({ deleted: sql<boolean>`not deleted` })
            .where('id', '=', id)
            .execute();
        if (n % 7 === 0) {
          documents[n] = randomDocument(random);
          await db.kysely
            .updateTable('notebooks')
            .set({ content: documents[n] === null ? null : JSON.stringify(documents[n]) })
            .where('id', '=', id)
            .execute();
        }
        if (n % 11 === 0)
          await db.kysely.updateTable('notebooks').set({ title: 'only the title' }).where('id', '=', id).execute();
      }
      await compare('edited');
    } finally {
      await db.close();
      await database.drop();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// jsonb storage form
// ---------------------------------------------------------------------------------------------

describe('toJsonbOrder', () => {
  test('orders keys by UTF-8 length, then bytes, at every depth', () => {
    const ordered = toJsonbOrder({ bb: 1, a: { zz: 1, é: 2, y: 3 }, é: [{ b: 1, a: 2 }], ab: 0, '😀': 1, '\uff01': 2 });
    assert.equal(JSON.stringify(ordered), '{"a":{"y":3,"zz":1,"é":2},"ab":0,"bb":1,"é":[{"a":2,"b":1}],"！":2,"😀":1}');
  });

  test('keeps "__proto__" as an ordinary key', () => {
    const ordered = toJsonbOrder(JSON.parse('{"b":1,"__proto__":{"x":1}}'));
    assert.deepEqual(Object.keys(ordered as object), ['b', '__proto__']);
    assert.equal(Object.getPrototypeOf(ordered), Object.prototype);
  });

  test('cannot move integer-like keys, which JS objects always list first', () => {
    assert.deepEqual(Object.keys(toJsonbOrder({ a: 1, 10: 2, 9: 3 }) as object), ['9', '10', 'a']);
  });

  test('matches the key order PostgreSQL returns for random objects', async (t) => {
    const client = await postgresOrSkip(t);
    if (client === null) return;
    const random = seededRandom(99);
    const texts = Array.from({ length: 300 }, () =>
      writeJson(
        objectOf([
          [random.pick(KEYS), randomJson(random, 0, KEYS)],
          [random.pick(KEYS), randomJson(random, 0, KEYS)],
        ]),
        random,
      ),
    );
    const rows = await queryRows<{ stored: string }>(
      client,
      'SELECT v::jsonb::text AS stored FROM unnest($1::text[]) WITH ORDINALITY AS p(v, n) ORDER BY n',
      [texts],
    );
    rows.forEach((row, i) => {
      assert.equal(
        JSON.stringify(toJsonbOrder(JSON.parse(texts[i]))),
        JSON.stringify(JSON.parse(row.stored)),
        texts[i],
      );
    });
  });
});

describe('compareJsonbKeys', () => {
  test('sorts keys like jsonb_object_keys, integer-like keys included', async (t) => {
    const client = await postgresOrSkip(t);
    if (client === null) return;
    const keys = [...KEYS, ...INTEGER_LIKE_KEYS];
    const object = Object.fromEntries(keys.map((key, i) => [key, i]));
    const rows = await queryRows<{ key: string }>(
      client,
      'SELECT k AS key FROM jsonb_object_keys($1::jsonb) WITH ORDINALITY AS p(k, n) ORDER BY n',
      [JSON.stringify(object)],
    );
    assert.deepEqual(
      [...keys].sort(compareJsonbKeys),
      rows.map((row) => row.key),
    );
  });
});

describe('toJsonbText', () => {
  test('writes what PostgreSQL prints for jsonb', () => {
    const { value, numberTexts } = parseJsonKeepingNumberText(
      '{"b": [1E5, 4.20e1, -0.0], "10": {}, "a": "\\u001f\\"", "9": []}',
    );
    assert.equal(toJsonbText(value, numberTexts), '{"9": [], "a": "\\u001f\\"", "b": [100000, 42.0, 0.0], "10": {}}');
    assert.equal(toJsonbText(value), '{"9": [], "a": "\\u001f\\"", "b": [100000, 42, 0], "10": {}}');
    assert.equal(toJsonbText(1e21), '1000000000000000000000');
    assert.equal(toJsonbText(1e-7), '0.0000001');
  });

  test('refuses what PostgreSQL cannot store', () => {
    assert.throws(() => toJsonbText('a\u0000'), RangeError);
    assert.throws(() => toJsonbText(['\ud800']), RangeError);
    assert.throws(() => toJsonbText(Number.POSITIVE_INFINITY), RangeError);
    const tooPrecise = parseJsonKeepingNumberText('[1e-16384]');
    assert.throws(() => toJsonbText(tooPrecise.value, tooPrecise.numberTexts), RangeError);
  });

  test("is byte for byte PostgreSQL's jsonb::text, from source text or from parsed values", async (t) => {
    const client = await postgresOrSkip(t);
    if (client === null) return;
    const random = seededRandom(5);
    const keys = [...KEYS, ...INTEGER_LIKE_KEYS];
    // Wrapped in an array: a number that is the whole document has no recorded source text.
    const texts = Array.from({ length: 400 }, () => writeJson([randomJson(random, 0, keys)], random));
    texts.push('[1E5, 4.20e1, 1e-5, -0, -0.0, 1.50, 1e16, 0.1e1, 100e-2, 123.456e-1, -1e-20, 1.5e300]');
    const reparsed = texts.map((text) => JSON.stringify(JSON.parse(text)));
    const rows = await queryRows<{ stored: string; reparsed: string }>(
      client,
      'SELECT v::jsonb::text AS stored, r::jsonb::text AS reparsed FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS p(v, r, n) ORDER BY n',
      [texts, reparsed],
    );
    rows.forEach((row, i) => {
      const { value, numberTexts } = parseJsonKeepingNumberText(texts[i]);
      assert.equal(toJsonbText(value, numberTexts), row.stored, texts[i]);
      assert.equal(toJsonbText(JSON.parse(texts[i])), row.reparsed, texts[i]);
    });
  });
});

describe('parseJsonKeepingNumberText', () => {
  test('gives the same value and key order as JSON.parse', () => {
    const random = seededRandom(11);
    for (let i = 0; i < 1000; i += 1) {
      const text = writeJson(randomJson(random, 0, [...KEYS, ...INTEGER_LIKE_KEYS]), random);
      const { value } = parseJsonKeepingNumberText(` ${text}\n`);
      assert.deepEqual(value, JSON.parse(text));
      assert.equal(JSON.stringify(value), JSON.stringify(JSON.parse(text)));
    }
  });

  test('rejects what JSON.parse rejects', () => {
    for (const text of [
      '',
      ' ',
      '01',
      '[1,]',
      '{"a":1,}',
      '"\u0001"',
      '[1 2]',
      'tru',
      '{"a" 1}',
      '"abc',
      '1.',
      '.5',
      '-',
      '+1',
      '[]]',
      "'a'",
      '"\\x"',
      'NaN',
      '{1:2}',
      '[',
      '{"a":1',
    ]) {
      assert.throws(() => JSON.parse(text), SyntaxError, text);
      assert.throws(() => parseJsonKeepingNumberText(text), SyntaxError, text);
    }
  });

  test('records how each number was written, the last duplicate winning', () => {
    const { value, numberTexts } = parseJsonKeepingNumberText(
      '{"a": 42.0, "b": [1E5, "x", 7], "a": 4.20e1, "c": {"d": 1.50}}',
    );
    assert.ok(isObject(value));
    assert.deepEqual(numberTexts.get(value), new Map([['a', '4.20e1']]));
    assert.deepEqual(
      numberTexts.get(value.b as object),
      new Map([
        ['0', '1E5'],
        ['2', '7'],
      ]),
    );
    assert.deepEqual(numberTexts.get(value.c as object), new Map([['d', '1.50']]));
  });
});

// ---------------------------------------------------------------------------------------------
// Python str()
// ---------------------------------------------------------------------------------------------

describe('pythonNumberRepr', () => {
  test("prints what PostHog's Python reads back from jsonb", () => {
    const cases: [string, string][] = [
      ['42', '42'],
      ['-7', '-7'],
      ['42.0', '42.0'],
      ['4.20e1', '42.0'],
      // jsonb stores 1E5 as the numeric 100000, which json.loads reads as an int.
      ['1E5', '100000'],
      ['1.0E5', '100000'],
      ['1e-5', '1e-05'],
      ['1.5', '1.5'],
      ['1.50', '1.5'],
      ['0.1', '0.1'],
      ['0.0001', '0.0001'],
      ['-0', '0'],
      ['-0.0', '0.0'],
      ['1e16', '10000000000000000'],
      ['10000000000000000.0', '1e+16'],
      ['1000000000000000.0', '1000000000000000.0'],
      ['1.5e300', `15${'0'.repeat(299)}`],
      ['1.5e-300', '1.5e-300'],
      ['-1e-400', '-0.0'],
      ['1e-400', '0.0'],
      [`1${'0'.repeat(400)}.5`, 'inf'],
      ['123.456e-1', '12.3456'],
      ['100e-2', '1.0'],
    ];
    for (const [raw, expected] of cases) assert.equal(pythonNumberRepr(raw), expected, raw);
  });

  test('refuses numbers that PostgreSQL or Python would refuse', () => {
    assert.throws(() => pythonNumberRepr('1e-16384'), RangeError);
    assert.throws(() => pythonNumberRepr('1e131072'), RangeError);
    assert.throws(() => pythonNumberRepr(`1${'0'.repeat(4300)}`), RangeError);
    assert.equal(pythonNumberRepr(`1${'0'.repeat(4299)}`).length, 4300);
    assert.throws(() => pythonNumberRepr('abc'), SyntaxError);
    assert.throws(() => pythonNumberRepr('01'), SyntaxError);
  });
});

describe('pythonStr', () => {
  test('formats JSON values like Python str()', () => {
    const cases: [JsonValue | undefined, string][] = [
      [undefined, 'None'],
      [null, 'None'],
      [true, 'True'],
      [false, 'False'],
      [42, '42'],
      [-0, '0'],
      [1e21, '1000000000000000000000'],
      [1.5, '1.5'],
      [0.1, '0.1'],
      [1e-5, '1e-05'],
      [1.5e300, `15${'0'.repeat(299)}`],
      [1e16, '10000000000000000'],
      [123456789.123, '123456789.123'],
      ["it's", "it's"],
      [['a', 1, null, true, 1.5], "['a', 1, None, True, 1.5]"],
      [{ b: 1, a: [] }, "{'a': [], 'b': 1}"],
      [{}, '{}'],
      [["it's"], '["it\'s"]'],
      [['say "hi"'], '[\'say "hi"\']'],
      [['it\'s "x"'], "['it\\'s \"x\"']"],
      [
        ['back\\slash', 'tab\t', 'nl\n', 'cr\r', '\u0001', '\u007f'],
        "['back\\\\slash', 'tab\\t', 'nl\\n', 'cr\\r', '\\x01', '\\x7f']",
      ],
      [
        ['é', '😀', '\u00a0', '\u00ad', '\u2028', '\u{e0001}', '\ud800'],
        "['é', '😀', '\\xa0', '\\xad', '\\u2028', '\\U000e0001', '\\ud800']",
      ],
      [{ 10: 1, 9: 2, a: 3 }, "{'9': 2, 'a': 3, '10': 1}"],
    ];
    for (const [value, expected] of cases) assert.equal(pythonStr(value), expected, JSON.stringify(value));
  });

  test('uses recorded number texts for numbers inside lists and dicts', () => {
    const { value, numberTexts } = parseJsonKeepingNumberText('{"t": [42.0, 42, 1E5]}');
    assert.equal(pythonStr(value, numberTexts), "{'t': [42.0, 42, 100000]}");
    assert.equal(pythonStr(value), "{'t': [42, 42, 100000]}");
  });
});

// ---------------------------------------------------------------------------------------------
// Recording comments
// ---------------------------------------------------------------------------------------------

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function commentNode(
  recordingId: JsonValue,
  playbackTime: JsonValue | undefined,
  text: JsonValue | undefined,
): JsonValue {
  const attrs: { [key: string]: JsonValue } = { sessionRecordingId: recordingId };
  if (playbackTime !== undefined) attrs.playbackTime = playbackTime;
  const second: { [key: string]: JsonValue } = { type: 'text' };
  if (text !== undefined) second.text = text;
  return { type: 'paragraph', content: [{ type: 'ph-replay-timestamp', attrs }, second] };
}

describe('recordingComments', () => {
  const notebook = (content: JsonValue | undefined, title: string | null = 'Another notebook') => ({
    shortId: 'abc',
    title,
    content,
  });

  test('hashes the spec example and keeps the key order', () => {
    const content = {
      type: 'doc',
      content: [{ type: 'ph-recording', attrs: { id: 'r1' } }, commentNode('r1', 42, 'a]comment')],
    };
    const comments = recordingComments(notebook(content), 'r1');
    assert.deepEqual(comments, [
      {
        timeInRecording: 42,
        comment: 'a]comment',
        notebookShortId: 'abc',
        notebookTitle: 'Another notebook',
        id: sha256('abc-Another notebook-a]comment-42'),
      },
    ]);
    assert.deepEqual(Object.keys(comments[0]), [
      'timeInRecording',
      'comment',
      'notebookShortId',
      'notebookTitle',
      'id',
    ]);
  });

  test('returns comments in node order and skips nodes that do not qualify', () => {
    const content: JsonValue = {
      content: [
        commentNode('r1', 0, 'first'),
        commentNode('r2', 5, 'other recording'),
        commentNode(1, 5, 'numeric id never equals the string'),
        commentNode('r1', null, 'null playbackTime'),
        commentNode('r1', undefined, 'no playbackTime'),
        {
          type: 'heading',
          content: [{ attrs: { sessionRecordingId: 'r1', playbackTime: 1 } }, { text: 'not a paragraph' }],
        },
        {
          type: 'paragraph',
          content: [{ attrs: { sessionRecordingId: 'r1', playbackTime: 1 } }, { text: 'three' }, { text: 'children' }],
        },
        {
          type: 'paragraph',
          content: [{ attrs: { sessionRecordingId: 'r2', playbackTime: 1 } }, 'second child not inspected'],
        },
        { type: 'paragraph', content: 'abc' },
        { type: 'paragraph' },
        { type: 'paragraph', content: [{ attrs: { sessionRecordingId: 'r1', playbackTime: 2.5 } }, { type: 'text' }] },
        { type: 'ph-recording', content: [commentNode('r1', 9, 'nested paragraphs are not walked')] },
      ],
    };
    const comments = recordingComments(notebook(content, null), 'r1');
    assert.deepEqual(
      comments.map((c) => [c.timeInRecording, c.comment, c.notebookTitle, c.id]),
      [
        [0, 'first', null, sha256('abc-None-first-0')],
        [2.5, null, null, sha256('abc-None-None-2.5')],
      ],
    );
  });

  test('formats non-string texts and playback times with Python str()', () => {
    const content = { content: [commentNode('r1', [1, 'a'], { b: 2, a: "it's" })] };
    const [comment] = recordingComments(notebook(content), 'r1');
    assert.equal(comment.id, sha256("abc-Another notebook-{'a': \"it's\", 'b': 2}-[1, 'a']"));
    assert.deepEqual(comment.comment, { b: 2, a: "it's" });
  });

  test('hashes a float-written playbackTime as Python does when given the content text', () => {
    const contentText =
      '{"content": [{"type": "paragraph", "content": [{"attrs": {"sessionRecordingId": "r1", "playbackTime": 42.0}}, {"text": [1E5, 2.50]}]}]}';
    const withText = recordingComments({ ...notebook(null), contentText }, 'r1');
    assert.equal(withText[0].id, sha256('abc-Another notebook-[100000, 2.5]-42.0'));
    assert.equal(withText[0].timeInRecording, 42);
    const withoutText = recordingComments(notebook(JSON.parse(contentText)), 'r1');
    assert.equal(withoutText[0].id, sha256('abc-Another notebook-[100000, 2.5]-42'), 'only the JS number is known');
  });

  test('finds nothing when content.content is missing or empty', () => {
    assert.deepEqual(recordingComments(notebook({ type: 'doc' }), 'r1'), []);
    assert.deepEqual(recordingComments(notebook({ content: {} }), 'r1'), []);
    assert.deepEqual(recordingComments(notebook({ content: '' }), 'r1'), []);
  });

  test('throws where PostHog raises on malformed content', () => {
    const malformed: (JsonValue | undefined)[] = [
      null,
      undefined,
      ['not an object'],
      { content: 5 },
      { content: null },
      { content: 'ab' },
      { content: { a: 1 } },
      { content: ['not a node'] },
      { content: [{ type: 'paragraph', content: { a: 1, b: 2 } }] },
      { content: [{ type: 'paragraph', content: 'ab' }] },
      { content: [{ type: 'paragraph', content: null }] },
      { content: [{ type: 'paragraph', content: 3 }] },
      { content: [{ type: 'paragraph', content: ['first', {}] }] },
      { content: [{ type: 'paragraph', content: [{ attrs: null }, {}] }] },
      { content: [{ type: 'paragraph', content: [{ attrs: ['x'] }, {}] }] },
      {
        content: [{ type: 'paragraph', content: [{ attrs: { sessionRecordingId: 'r1', playbackTime: 1 } }, 'second'] }],
      },
    ];
    for (const content of malformed) {
      assert.throws(() => recordingComments(notebook(content), 'r1'), /malformed content/, JSON.stringify(content));
    }
  });

  test('throws on a lone surrogate, which Python cannot encode for the hash', () => {
    assert.throws(
      () => recordingComments(notebook({ content: [commentNode('r1', 1, 'bad \ud800')] }), 'r1'),
      /lone UTF-16 surrogate/,
    );
  });
});
