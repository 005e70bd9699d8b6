import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import pg from 'pg';
import { lexemes, matchesSearch, searchQueryLexemes, stem } from '../../src/notebooks/search/search-text.ts';

describe('stem', () => {
  it('stems pony and ponies to poni', () => {
    assert.equal(stem('pony'), 'poni');
    assert.equal(stem('ponies'), 'poni');
  });

  it('stems hobby and hobbies to hobbi', () => {
    assert.equal(stem('hobby'), 'hobbi');
    assert.equal(stem('hobbies'), 'hobbi');
  });

  it('applies the Porter2 rules for plurals, -ed, -ing and double consonants', () => {
    const expected: Record<string, string> = {
      caresses: 'caress',
      ties: 'tie',
      cries: 'cri',
      gas: 'gas',
      gaps: 'gap',
      kiwis: 'kiwi',
      hopping: 'hop',
      hoped: 'hope',
      agreed: 'agre',
      feed: 'feed',
      crying: 'cri',
      played: 'play',
      says: 'say',
      luxuriously: 'luxuri',
      generously: 'generous',
      generate: 'generat',
      communism: 'communism',
      community: 'communiti',
      arsenal: 'arsenal',
    };
    for (const [word, stemmed] of Object.entries(expected)) assert.equal(stem(word), stemmed, word);
  });

  it('uses the exceptional forms before any rule', () => {
    const expected: Record<string, string> = {
      skies: 'sky',
      dying: 'die',
      lying: 'lie',
      tying: 'tie',
      idly: 'idl',
      gently: 'gentl',
      ugly: 'ugli',
      early: 'earli',
      only: 'onli',
      singly: 'singl',
      sky: 'sky',
      news: 'news',
      howe: 'howe',
      atlas: 'atlas',
      cosmos: 'cosmos',
      bias: 'bias',
      andes: 'andes',
    };
    for (const [word, stemmed] of Object.entries(expected)) assert.equal(stem(word), stemmed, word);
  });

  it('stops after step 1a for inning, outing, proceed and the other invariant words', () => {
    assert.equal(stem('innings'), 'inning');
    assert.equal(stem('outings'), 'outing');
    assert.equal(stem('herrings'), 'herring');
    assert.equal(stem('proceeds'), 'proceed');
    assert.equal(stem('succeed'), 'succeed');
    assert.equal(stem('proceeding'), 'proceed');
  });

  it('counts an astral character as one character', () => {
    assert.equal(stem('x𝐀y'), 'x𝐀i');
    assert.equal(stem('𝐀y'), '𝐀y');
    assert.equal(stem('xy𝐀ies'), 'xy𝐀i');
  });
});

describe('lexemes', () => {
  it('drops English stop words', () => {
    assert.deepEqual(lexemes('The pony is MY hobby, and it was theirs'), ['poni', 'hobbi']);
  });

  it('returns unique lexemes in first-seen order', () => {
    assert.deepEqual(lexemes('Ponies, pony; PONY! (hobbies) "hobby"'), ['poni', 'hobbi']);
  });

  it('keeps tokens with digits lowercased and unstemmed, stop words included', () => {
    assert.deepEqual(lexemes('Running2 a1 42 THE'), ['running2', 'a1', '42']);
  });

  it('lowercases each character alone, as PostgreSQL does', () => {
    assert.deepEqual(lexemes('ΟΔΟΣ İstanbul ǅemal'), ['οδοσ', 'istanbul', 'ǆemal']);
  });

  it('keeps combining marks inside a word but never starts a word with one', () => {
    assert.deepEqual(lexemes('cafe\u0301 \u0301x'), ['cafe\u0301', 'x']);
  });

  it('splits hyphenated words, emails and paths into their parts, unlike PostgreSQL', () => {
    assert.deepEqual(lexemes('x-ray me@example.com a/b'), ['x', 'ray', 'exampl', 'com', 'b']);
  });

  it('leaves tokens over 1000 bytes unstemmed and ignores tokens of 2047 bytes or more', () => {
    assert.deepEqual(lexemes(`${'a'.repeat(997)}ing`), ['a'.repeat(997)]);
    assert.deepEqual(lexemes(`${'A'.repeat(998)}ING`), [`${'a'.repeat(998)}ing`]);
    assert.deepEqual(lexemes('a'.repeat(2046)), ['a'.repeat(2046)]);
    assert.deepEqual(lexemes(`${'a'.repeat(2047)} cats`), ['cat']);
    assert.deepEqual(lexemes(`${'é'.repeat(1024)} cats`), ['cat']);
    // Measured before lowercasing: İ is two bytes, its lowercase i one.
    assert.deepEqual(lexemes(`${'İ'.repeat(10) + 'a'.repeat(985)}ing`), [`${'i'.repeat(10) + 'a'.repeat(985)}ing`]);
    assert.deepEqual(lexemes('İ'.repeat(1024)), []);
  });
});

describe('searchQueryLexemes and matchesSearch', () => {
  it('returns no lexemes for a query of stop words only', () => {
    assert.deepEqual(searchQueryLexemes('the and of'), []);
    assert.deepEqual(searchQueryLexemes('  '), []);
  });

  it('matches regardless of case and inflection', () => {
    assert.equal(matchesSearch(searchQueryLexemes('PONY'), 'My ponies'), true);
    assert.equal(matchesSearch(searchQueryLexemes('hobbies'), 'A HOBBY'), true);
  });

  it('does not match prefixes', () => {
    assert.equal(matchesSearch(searchQueryLexemes('pon'), 'ponies'), false);
    assert.equal(matchesSearch(searchQueryLexemes('ponies'), 'pon'), false);
  });

  it('requires every query lexeme in the one field', () => {
    assert.equal(matchesSearch(searchQueryLexemes('pony hobby'), 'a pony'), false);
    assert.equal(matchesSearch(searchQueryLexemes('pony hobby'), 'hobby: pony'), true);
  });

  it('treats a missing or empty field as holding no lexemes', () => {
    assert.equal(matchesSearch(['poni'], null), false);
    assert.equal(matchesSearch(['poni'], ''), false);
  });

  it('lets a query without lexemes match anything, since it means no filter', () => {
    assert.equal(matchesSearch([], null), true);
  });
});

const TYPESCRIPT_LIB = join(import.meta.dirname, '../../node_modules/typescript/lib');
const NODE_TYPES = join(import.meta.dirname, '../../node_modules/@types/node');

const ROOTS = [
  'connect',
  'relate',
  'generate',
  'hope',
  'hop',
  'agree',
  'feed',
  'happy',
  'pony',
  'hobby',
  'cry',
  'fly',
  'play',
  'say',
  'run',
  'sing',
  'nation',
  'condition',
  'rational',
  'sensitive',
  'decisive',
  'hopeful',
  'effect',
  'adjust',
  'depend',
  'adopt',
  'communicate',
  'general',
  'arsenal',
  'digit',
  'vietnam',
  'formal',
  'electric',
  'private',
  'care',
  'caress',
  'tie',
  'die',
  'lie',
  'sky',
  'news',
  'early',
  'only',
  'gentle',
  'ugly',
  'idle',
  'single',
  'proceed',
  'exceed',
  'succeed',
  'inning',
  'outing',
  'can',
  'herring',
  'earring',
  'fizz',
  'tap',
  'stop',
  'rob',
  'add',
  'stuff',
  'beg',
  'trim',
  'plan',
  'ship',
  'bar',
  'bat',
  'fall',
  'roll',
  'control',
  'notebook',
  'insight',
  'cohort',
  'dashboard',
  'replay',
  'record',
  'analyze',
  'organize',
  'realize',
  'use',
  'value',
  'live',
  'past',
  'univers',
  'later',
  'emerg',
  'organ',
  'ab',
  'by',
  'eye',
  'key',
  'boy',
  'toy',
  'obey',
  'tidy',
  'luxury',
  'beauty',
  'bury',
  'busy',
  'copy',
  'deny',
  'enjoy',
  'happen',
  'open',
  'offer',
  'visit',
  'limit',
  'profit',
  'benefit',
  'travel',
  'model',
  'label',
  'cancel',
  'fulfil',
  'permit',
  'refer',
  'prefer',
  'admit',
  'commit',
  'submit',
  'occur',
  'focus',
  'bias',
  'atlas',
  'cosmos',
  'gas',
  'bus',
  'kiss',
  'class',
  'mess',
  'box',
  'fix',
  'wax',
  'sew',
  'know',
  'show',
  'allow',
  'follow',
  'agency',
  'emergency',
  'critic',
  'logic',
  'geology',
  'analog',
  'biology',
  'apology',
  'sense',
  'able',
  'possible',
  'responsible',
  'accept',
  'argue',
  'manage',
  'engage',
  'judge',
  'age',
  'ice',
  'ease',
];
const SUFFIXES = [
  '',
  's',
  'es',
  'ies',
  'ied',
  'ed',
  'ing',
  'ingly',
  'edly',
  'eed',
  'eedly',
  'ly',
  'ness',
  'ful',
  'fulness',
  'less',
  'lessly',
  'ation',
  'ational',
  'ations',
  'tional',
  'ator',
  'izer',
  'ization',
  'ize',
  'ise',
  'ism',
  'ist',
  'ity',
  'ities',
  'ive',
  'ively',
  'iveness',
  'ivity',
  'able',
  'ably',
  'ability',
  'ible',
  'ibly',
  'al',
  'ally',
  'alism',
  'ality',
  'ance',
  'ence',
  'ancy',
  'ency',
  'ant',
  'ent',
  'ently',
  'ment',
  'ement',
  'er',
  'ers',
  'or',
  'ic',
  'ical',
  'ically',
  'icate',
  'icity',
  'ous',
  'ously',
  'ousness',
  'ion',
  'sion',
  'tion',
  'ogi',
  'ogist',
  'y',
  'ies',
  'sses',
  "'",
  "'s",
  "'s'",
];
const SYLLABLES = [
  'a',
  'e',
  'i',
  'o',
  'u',
  'y',
  'b',
  'c',
  'd',
  'f',
  'g',
  'l',
  'm',
  'n',
  'p',
  'r',
  's',
  't',
  'v',
  'w',
  'x',
  'z',
  'ss',
  'll',
  'tt',
  'bb',
  'ing',
  'ed',
  'eed',
  'ly',
  'li',
  'ies',
  'ied',
  'us',
  'at',
  'bl',
  'iz',
  'ation',
  'ational',
  'tional',
  'enci',
  'anci',
  'abli',
  'entli',
  'alism',
  'aliti',
  'alli',
  'ousli',
  'iviti',
  'biliti',
  'bli',
  'ogi',
  'fulli',
  'lessli',
  'alize',
  'icate',
  'iciti',
  'ical',
  'ful',
  'ness',
  'ative',
  'al',
  'ance',
  'ence',
  'er',
  'ic',
  'able',
  'ible',
  'ant',
  'ement',
  'ment',
  'ent',
  'ism',
  'ate',
  'iti',
  'ous',
  'ive',
  'ize',
  'ion',
  'gener',
  'commun',
  'arsen',
  'ay',
  'ey',
  'oy',
  'yy',
  'é',
  'ñ',
  'ß',
  '𝐀',
];

function textFiles(directory: string, suffix: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(suffix))
    .map((name) => readFileSync(join(directory, name), 'utf8'));
}

let messagesRead: string[] | undefined;

/** TypeScript's diagnostic messages: English (from the keys) and its thirteen translations. */
function diagnosticMessages(): string[] {
  if (messagesRead !== undefined) return messagesRead;
  const messages: string[] = [];
  for (const file of textFiles(TYPESCRIPT_LIB, 'diagnosticMessages.generated.json')) {
    const translations = JSON.parse(file) as Record<string, string>;
    for (const [key, translation] of Object.entries(translations)) {
      messages.push(key.replace(/_\d+$/, '').replaceAll('_', ' '), translation);
    }
  }
  messagesRead = messages;
  return messages;
}

/** A deterministic pseudo-random generator (mulberry32), so a failure can be reproduced. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let wordsBuilt: string[] | undefined;

/** Lowercase words: real English ones, every short letter string, and generated suffix stacks. */
function corpusWords(): string[] {
  if (wordsBuilt !== undefined) return wordsBuilt;
  const words = new Set<string>();
  const addWordsOf = (text: string) => {
    for (const [word] of text.matchAll(/\p{L}+/gu)) {
      words.add(word.toLowerCase());
      for (const part of word.split(/(?<=\p{Ll})(?=\p{Lu})/u)) words.add(part.toLowerCase());
    }
  };
  if (existsSync('/usr/share/dict/words')) addWordsOf(readFileSync('/usr/share/dict/words', 'utf8'));
  for (const file of textFiles(TYPESCRIPT_LIB, '.d.ts')) addWordsOf(file);
  for (const file of textFiles(NODE_TYPES, '.d.ts')) addWordsOf(file);
  for (const message of diagnosticMessages()) addWordsOf(message);
  for (const root of ROOTS) {
    for (const suffix of SUFFIXES) {
      words.add(root + suffix);
      if (root.endsWith('e')) words.add(root.slice(0, -1) + suffix);
      if (root.endsWith('y')) words.add(`${root.slice(0, -1)}i${suffix}`);
    }
  }
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (const first of letters) {
    words.add(first);
    for (const second of letters) {
      words.add(first + second);
      for (const third of letters) words.add(first + second + third);
    }
  }
  const random = seededRandom(20240601);
  for (let i = 0; i < 30_000; i++) {
    let word = '';
    const syllables = 1 + Math.floor(random() * 4);
    for (let s = 0; s < syllables; s++) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    words.add(word);
  }
  wordsBuilt = [...words];
  return wordsBuilt;
}

/** Sentences of letters, spaces, apostrophes and plain punctuation, where both tokenizers agree. */
function plainSentences(): string[] {
  return diagnosticMessages().filter((message) => !/[-/@&<>~+]|[.:_]\S/.test(message));
}

const SEARCH_PHRASES = [
  'pony',
  'Ponies',
  'my hobbies',
  'The quick brown foxes',
  'the',
  'the and of',
  'is it',
  'to be or not to be',
  'what is this',
  'Session replays',
  'funnel conversion',
  'retention cohorts',
  'feature flags rollout',
  'running runs ran',
  'generously generated generals',
  "don't stop",
  "it's",
  'QUERY Results!',
  'Notebook: weekly insights (draft)',
  'naïve café',
  'ΟΔΟΣ',
  'error 404 page',
  'a1 b2',
  '',
  '   ',
  '?!',
  'connection connections connective connected connecting',
];

type Mismatch = { input: string; postgres: string; typescript: string };

function assertNoMismatches(t: TestContext, what: string, compared: number, mismatches: Mismatch[]): void {
  t.diagnostic(`${compared} ${what} compared with PostgreSQL, ${mismatches.length} mismatches`);
  assert.equal(
    mismatches.length,
    0,
    `${mismatches.length} of ${compared} ${what} differ from PostgreSQL, e.g. ${JSON.stringify(mismatches.slice(0, 10))}`,
  );
}

let connection: Promise<pg.Client | undefined> | undefined;

async function postgresOrSkip(t: TestContext): Promise<pg.Client | undefined> {
  connection ??= (async () => {
    const client = new pg.Client({
      connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    });
    try {
      await client.connect();
    } catch (error) {
      if (process.env.CI === 'true') throw error;
      return undefined;
    }
    // english_stem without its stop word list, so stop words get stemmed too.
    await client.query(
      'create text search dictionary pg_temp.english_snowball (template = snowball, language = english)',
    );
    return client;
  })();
  const client = await connection;
  if (client === undefined) t.skip('PostgreSQL not reachable');
  return client;
}

async function inBatches<Row>(client: pg.Client, query: string, inputs: string[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (let start = 0; start < inputs.length; start += 10_000) {
    const result = await client.query(query, [inputs.slice(start, start + 10_000)]);
    rows.push(...(result.rows as Row[]));
  }
  return rows;
}

function tsqueryLexemes(tsquery: string): string[] {
  return [...new Set(Array.from(tsquery.matchAll(/'((?:[^']|'')*)'/g), ([, lexeme]) => lexeme.replaceAll("''", "'")))];
}

describe('parity with PostgreSQL 15', () => {
  after(async () => {
    const client = await connection;
    await client?.end();
  });

  it('stems every corpus word exactly as the Snowball english dictionary does', async (t) => {
    const client = await postgresOrSkip(t);
    if (client === undefined) return;
    const words = corpusWords();
    const rows = await inBatches<{ word: string; stemmed: string }>(
      client,
      `select word, (ts_lexize('pg_temp.english_snowball', word))[1] as stemmed from unnest($1::text[]) as word`,
      words,
    );
    const mismatches: Mismatch[] = [];
    for (const row of rows) {
      const stemmed = stem(row.word);
      if (stemmed !== row.stemmed) mismatches.push({ input: row.word, postgres: row.stemmed, typescript: stemmed });
    }
    assertNoMismatches(t, 'words', rows.length, mismatches);
  });

  it('turns every corpus word, lowercase and capitalised, into the lexemes of to_tsvector', async (t) => {
    const client = await postgresOrSkip(t);
    if (client === undefined) return;
    const words = corpusWords().flatMap((word) => [word, word.toUpperCase()]);
    await compareWithToTsvector(t, client, words, 'words');
  });

  it('indexes plain sentences in fourteen languages like to_tsvector', async (t) => {
    const client = await postgresOrSkip(t);
    if (client === undefined) return;
    await compareWithToTsvector(t, client, plainSentences(), 'sentences');
  });

  it('reads search phrases like plainto_tsquery, stop-word-only phrases included', async (t) => {
    const client = await postgresOrSkip(t);
    if (client === undefined) return;
    const phrases = [...SEARCH_PHRASES, ...plainSentences().slice(0, 2000)];
    const rows = await inBatches<{ phrase: string; tsquery: string }>(
      client,
      `select phrase, plainto_tsquery('english', phrase)::text as tsquery from unnest($1::text[]) as phrase`,
      phrases,
    );
    const mismatches: Mismatch[] = [];
    for (const row of rows) {
      const postgres = tsqueryLexemes(row.tsquery).join(' & ');
      const typescript = searchQueryLexemes(row.phrase).join(' & ');
      if (postgres !== typescript) mismatches.push({ input: row.phrase, postgres, typescript });
    }
    assertNoMismatches(t, 'phrases', rows.length, mismatches);
  });

  it('answers the search filter like to_tsvector @@ plainto_tsquery', async (t) => {
    const client = await postgresOrSkip(t);
    if (client === undefined) return;
    // PostgreSQL's @@ is false for a query without lexemes; our API treats it as no filter.
    const queries = SEARCH_PHRASES.filter((phrase) => searchQueryLexemes(phrase).length > 0);
    const fields = [...SEARCH_PHRASES, ...plainSentences().slice(0, 300), 'cannot be used', 'Type is not generic'];
    const result = await client.query<{ query: string; field: string; matches: boolean }>(
      `select query, field, to_tsvector('english', field) @@ plainto_tsquery('english', query) as matches
       from unnest($1::text[]) as query cross join unnest($2::text[]) as field`,
      [queries, fields],
    );
    const mismatches: Mismatch[] = [];
    for (const row of result.rows) {
      const matches = matchesSearch(searchQueryLexemes(row.query), row.field);
      if (matches !== row.matches) {
        mismatches.push({
          input: `${row.query} @@ ${row.field}`,
          postgres: String(row.matches),
          typescript: String(matches),
        });
      }
    }
    assertNoMismatches(t, 'query and field pairs', result.rows.length, mismatches);
  });
});

async function compareWithToTsvector(t: TestContext, client: pg.Client, texts: string[], what: string): Promise<void> {
  const rows = await inBatches<{ text: string; lexemes: string[] }>(
    client,
    `select text, tsvector_to_array(to_tsvector('english', text)) as lexemes from unnest($1::text[]) as text`,
    texts,
  );
  const mismatches: Mismatch[] = [];
  for (const row of rows) {
    // tsvector_to_array sorts by bytes; compare as sets.
    const postgres = [...row.lexemes].sort().join(' ');
    const typescript = lexemes(row.text).sort().join(' ');
    if (postgres !== typescript) mismatches.push({ input: row.text, postgres, typescript });
  }
  assertNoMismatches(t, what, rows.length, mismatches);
}
