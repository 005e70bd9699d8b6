import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import pg from 'pg';
import { contentJsonbText, jsonbTextFromRendered, renderJsonbText } from '../../src/compat/python-json-text.ts';
import type { JsonValue } from '../../src/json/json-value.ts';
import { parseJsonText } from '../../src/json/number-texts.ts';
import { createTestDatabase, postgresAvailable } from '../support/harness.ts';

// SQLite keeps content as the answer text; a move to PostgreSQL needs jsonb text that renders to
// the same answer. jsonbTextFromRendered must undo renderJsonbText for every text it can produce.

/** Documents with floats in every form a request may write them (1.0, 1e5, 1.5e-7, -0.25). */
const floats = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 }),
  fc.constantFrom(1.0, 1e5, 1.5e-7, -0.25, 0, 1e-5, 123456.789),
);
const documents = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string().filter((s) => !s.includes('\u0000')),
    fc.integer(),
    floats,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.string().filter((s) => !s.includes('\u0000')),
      tie('value'),
      { maxKeys: 4 },
    ),
  ),
})).value;

/** A request body's text, written as a client may: floats as 1.0 or in exponent form. */
function requestText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 1e6 && v % 3 === 0 ? `__float__${v}` : v,
  ).replace(/"__float__(-?\d+)"/g, '$1.0');
}

describe('jsonbTextFromRendered', () => {
  it('gives back jsonb text whose rendering is the answer text it was given', () => {
    fc.assert(
      fc.property(documents, (value) => {
        const parsed = parseJsonText(requestText({ doc: value }));
        const jsonb = contentJsonbText(parsed.value as JsonValue, parsed.numberTexts);
        const rendered = renderJsonbText(jsonb);
        const back = jsonbTextFromRendered(rendered);
        assert.equal(renderJsonbText(back), rendered);
        assert.equal(back, jsonb);
      }),
      { numRuns: 1500 },
    );
  });

  it('keeps a float a float: 1e+16 and 1e-05 come back with a decimal point', () => {
    assert.equal(
      jsonbTextFromRendered('{"a":1e+16,"b":1e-05,"c":[1.0,2]}'),
      '{"a": 10000000000000000.0, "b": 0.00001, "c": [1.0, 2]}',
    );
    assert.equal(jsonbTextFromRendered('{"s":"a, b: 1.0e5 \\" x"}'), '{"s": "a, b: 1.0e5 \\" x"}');
  });
});

describe('jsonbTextFromRendered against PostgreSQL', {
  skip: !(await postgresAvailable()) && 'PostgreSQL not reachable',
}, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: pg.Client;
  before(async () => {
    database = await createTestDatabase('postgres');
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  after(async () => {
    await client?.end();
    await database?.drop();
  });

  it('is the text PostgreSQL prints for the jsonb it stores', async () => {
    const samples = fc.sample(documents, { numRuns: 300, seed: 7 });
    for (const value of samples) {
      const parsed = parseJsonText(requestText({ doc: value }));
      const stored = contentJsonbText(parsed.value as JsonValue, parsed.numberTexts);
      const printed = (await client.query<{ t: string }>('select $1::jsonb::text as t', [stored])).rows[0].t;
      const back = jsonbTextFromRendered(renderJsonbText(printed));
      const reprinted = (await client.query<{ t: string }>('select $1::jsonb::text as t', [back])).rows[0].t;
      assert.equal(back, reprinted);
      assert.equal(renderJsonbText(reprinted), renderJsonbText(printed));
    }
  });
});
