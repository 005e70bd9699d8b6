import assert from 'node:assert/strict';
import { it, mock } from 'node:test';
import { sql } from 'kysely';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

// A search list in last_modified_at order is read in list order (SQLite: notebook_search keyed by
// list keys, migration 0008): only the matches down to the bucket of the page's last one are
// read. These tests hold every page of it to the order PostHog's query gives — last_modified_at,
// then id, both descending by default — through notebooks that share a millisecond, writes whose
// clock went back, soft deletes and restores.

interface Item {
  id: string;
  short_id: string;
  last_modified_at: string;
}

const T0 = Date.parse('2026-03-01T12:00:00.000Z');

async function create(e: TestEnv, title: string): Promise<string> {
  const response = await e.request({
    method: 'POST',
    url: e.url(),
    payload: { title, content: { type: 'doc', content: [] } },
  });
  assert.equal(response.statusCode, 201, response.body);
  return json<{ short_id: string }>(response).short_id;
}

async function patch(e: TestEnv, shortId: string, payload: Record<string, unknown>): Promise<void> {
  const response = await e.request({ method: 'PATCH', url: e.url(`${shortId}/`), payload });
  assert.equal(response.statusCode, 200, response.body);
}

async function page(e: TestEnv, query: string): Promise<{ count: number; results: Item[] }> {
  const response = await e.request({ method: 'GET', url: e.url(`?${query}`) });
  assert.equal(response.statusCode, 200, response.body);
  return json<{ count: number; results: Item[] }>(response);
}

/** PostHog's order, computed here: last_modified_at then id, descending unless told. */
function ordered(items: Item[], descending: boolean): string[] {
  const sign = descending ? -1 : 1;
  return [...items]
    .sort(
      (a, b) =>
        sign * (Date.parse(a.last_modified_at) - Date.parse(b.last_modified_at)) ||
        sign * (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    .map((item) => item.short_id);
}

/** Every page of limit 1–5 and 100 at every offset equals the slice of the full order. */
async function assertEveryPage(e: TestEnv, expectedCount: number): Promise<void> {
  const everything = await page(e, 'search=quokka&limit=100');
  assert.equal(everything.count, expectedCount);
  assert.equal(everything.results.length, expectedCount);
  for (const [order, descending] of [
    ['', true],
    ['&order=-last_modified_at', true],
    ['&order=last_modified_at', false],
  ] as const) {
    const expected = ordered(everything.results, descending);
    assert.deepEqual(
      (await page(e, `search=quokka&limit=100${order}`)).results.map((item) => item.short_id),
      expected,
      `order ${order}`,
    );
    for (const limit of [1, 2, 3, 5]) {
      for (let offset = 0; offset <= expectedCount; offset++) {
        const got = await page(e, `search=quokka&limit=${limit}&offset=${offset}${order}`);
        assert.equal(got.count, expectedCount);
        assert.deepEqual(
          got.results.map((item) => item.short_id),
          expected.slice(offset, offset + limit),
          `limit ${limit} offset ${offset}${order}`,
        );
      }
    }
  }
}

describeEachEngine('search pages in list order', (env) => {
  it('pages through matches that share a millisecond, in (last_modified_at, id) order both ways', async () => {
    const e = env();
    const quokkas: string[] = [];
    mock.timers.enable({ apis: ['Date'], now: T0 });
    try {
      // Seven matches in one millisecond, two others around them, five more a millisecond later.
      for (let i = 0; i < 7; i++) quokkas.push(await create(e, `Quokka tie ${i}`));
      await create(e, 'Numbat');
      mock.timers.tick(1);
      for (let i = 0; i < 5; i++) quokkas.push(await create(e, `Quokka next ${i}`));
      mock.timers.tick(4);
      await create(e, 'Wombat');
      for (let i = 0; i < 3; i++) quokkas.push(await create(e, `Quokka later ${i}`));
      // An edit moves a match to the top; one whose clock went back lands between the others.
      mock.timers.tick(2);
      await patch(e, quokkas[3], { content: { type: 'doc', content: [{ type: 'paragraph' }] }, version: 0 });
      mock.timers.setTime(T0 + 1);
      await patch(e, quokkas[0], { title: 'Quokka rewound' });
    } finally {
      mock.timers.reset();
    }
    await assertEveryPage(e, quokkas.length);
  });

  it('keeps a search in step with every write: edits of the text, soft deletes and restores', async () => {
    const e = env();
    const project = await e.accounts.createProject({ name: 'Search writes', organizationId: e.org.id });
    const local = { ...e, url: (suffix = '') => e.url(suffix, project.id) };
    const a = await create(local, 'Quokka a');
    const b = await create(local, 'Quokka b');
    const c = await create(local, 'Numbat c');
    await assertEveryPage(local, 2);
    await patch(local, c, { title: 'Quokka c' });
    await patch(local, a, { text_content: 'still quokka' });
    await assertEveryPage(local, 3);
    await patch(local, b, { deleted: true });
    await assertEveryPage(local, 2);
    await patch(local, a, { title: 'Numbat a', text_content: 'nothing' });
    await assertEveryPage(local, 1);
    await patch(local, b, { deleted: false });
    await assertEveryPage(local, 2);
    if (e.engine === 'sqlite') {
      // notebook_search holds exactly the listed notebooks, each at its current list key.
      const keys = await sql<{
        list_key: number;
      }>`select list_key from notebooks where deleted = 0 and visibility = 'default' order by list_key`.execute(
        e.db.kysely,
      );
      const indexed = await sql<{ rowid: number }>`select rowid from notebook_search order by rowid`.execute(
        e.db.kysely,
      );
      assert.deepEqual(
        indexed.rows.map((row) => row.rowid),
        keys.rows.map((row) => row.list_key),
      );
    }
  });
});
