import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CompiledQuery, sql } from 'kysely';
import { formatIsoTimestamp } from '../../src/http/datetime.ts';
import { parseListFilters, parseOrder } from '../../src/notebooks/list-filters.ts';
import { NotebooksRepository } from '../../src/notebooks/notebooks.repository.ts';
import { notebookStorageFor } from '../../src/notebooks/storage/notebook-storage.ts';
import { createTestEnv, describeEachEngine, json, postgresAvailable, type TestEnv } from '../support/harness.ts';
import { statementsDuring } from '../support/statements.ts';

// The database renders each list item's own fields as JSON (NotebookStorage.listItemHead and
// listItemMid); the presenter only splices the users in. These tests hold that rendering to
// what JSON.stringify and formatIsoTimestamp would write.

/** Renders (title, created_at, last_modified_at) with the engine's list-item expressions. */
async function render(
  e: TestEnv,
  title: string | null,
  createdAt: string,
  lastModifiedAt: string,
): Promise<{ head: string; mid: string }> {
  const d = notebookStorageFor(e.engine);
  const row =
    e.engine === 'postgres'
      ? sql`(select '0190b2a6-0000-7000-8000-000000000001'::uuid as id, 'AbC123xy'::text as short_id, ${title}::text as title, false as deleted, ${createdAt}::timestamptz as created_at, ${lastModifiedAt}::timestamptz as last_modified_at) as n`
      : sql`(select '0190b2a6-0000-7000-8000-000000000001' as id, 'AbC123xy' as short_id, ${title} as title, 0 as deleted, ${createdAt} as created_at, ${lastModifiedAt} as last_modified_at) as n`;
  const result = await sql<{
    head: string;
    mid: string;
  }>`select ${d.listItemHead} as head, ${d.listItemMid} as mid from ${row}`.execute(e.db.kysely);
  return result.rows[0];
}

const expectedHead = (title: string | null, createdAt: string) =>
  `{"id":"0190b2a6-0000-7000-8000-000000000001","short_id":"AbC123xy","title":${JSON.stringify(title)},"deleted":false,"created_at":"${formatIsoTimestamp(createdAt)}","created_by":`;

describeEachEngine('list items rendered by the database', (env) => {
  it('escapes every code point of a title exactly as JSON.stringify does', async () => {
    const e = env();
    const stamp = '2024-05-01T10:11:12.345Z';
    // Every Unicode scalar value (U+0000 aside: no title may hold it), in titles of 4,096.
    const codePoints: number[] = [];
    for (let c = 1; c <= 0x10ffff; c++) if (c < 0xd800 || c > 0xdfff) codePoints.push(c);
    for (let i = 0; i < codePoints.length; i += 4096) {
      const title = String.fromCodePoint(...codePoints.slice(i, i + 4096));
      const { head } = await render(e, title, stamp, stamp);
      if (head !== expectedHead(title, stamp)) {
        const wrong = codePoints
          .slice(i, i + 4096)
          .find((c) => !head.includes(JSON.stringify(String.fromCodePoint(c)).slice(1, -1)));
        assert.fail(`title chunk at U+${codePoints[i].toString(16)}: U+${wrong?.toString(16)} is rendered differently`);
      }
    }
  });

  it('renders a null title as null, and timestamps as the API writes them (microseconds only when non-zero)', async () => {
    const e = env();
    for (const [createdAt, lastModifiedAt] of [
      ['2024-05-01T10:11:12.000Z', '2024-05-01T10:11:12.001Z'],
      ['1999-12-31T23:59:59.999Z', '2030-01-01T00:00:00.000Z'],
    ]) {
      const { head, mid } = await render(e, null, createdAt, lastModifiedAt);
      assert.equal(head, expectedHead(null, createdAt));
      assert.equal(mid, `,"last_modified_at":"${formatIsoTimestamp(lastModifiedAt)}","last_modified_by":`);
    }
    assert.equal(
      (await render(e, 'x', '2024-05-01T10:11:12.000Z', '2024-05-01T10:11:12.000Z')).mid,
      ',"last_modified_at":"2024-05-01T10:11:12Z","last_modified_by":',
    );
  });

  it('lists each notebook as its own fields render, byte for byte, through every list plan', async () => {
    const e = env();
    const titles = [
      'Plain',
      'Quote " and \\ backslash',
      'Tab\tnew\nline\r\u0001\u001f\u007f',
      'Ünïcödé ✓ 🦔 \u2028\u2029',
      '',
      null,
      'quokka one',
      'quokka two',
    ];
    for (const title of titles) {
      const response = await e.request({
        method: 'POST',
        url: e.url(),
        payload: { title, content: { type: 'doc', content: [{ type: 'ph-recording', attrs: { id: 'r1' } }] } },
      });
      assert.equal(response.statusCode, 201, response.body);
    }
    for (const query of [
      '',
      '?order=title',
      '?order=-created_at',
      '?search=quokka',
      '?contains=recording:r1',
      '?contains=recording:true&order=created_at',
      '?limit=3&offset=2',
    ]) {
      const response = await e.request({ method: 'GET', url: e.url(query) });
      assert.equal(response.statusCode, 200, response.body);
      const page = json<{ results: Array<Record<string, unknown>> }>(response);
      // Compact, canonical JSON: what JSON.stringify writes for the parsed value.
      assert.equal(response.body, JSON.stringify(page), query);
      assert.ok(page.results.length > 0, query);
      for (const item of page.results) {
        const detail = json<Record<string, unknown>>(
          await e.request({ method: 'GET', url: e.url(`${item.short_id as string}/`) }),
        );
        const expected = Object.fromEntries(
          [
            'id',
            'short_id',
            'title',
            'deleted',
            'created_at',
            'created_by',
            'last_modified_at',
            'last_modified_by',
            'user_access_level',
          ].map((key) => [key, detail[key]]),
        );
        assert.equal(JSON.stringify(item), JSON.stringify(expected), `${query}: ${String(item.short_id)}`);
      }
    }
  });
});

describeEachEngine('a retrieve rendered by the database', (env) => {
  it('answers text_content byte for byte as the create did (JavaScript rendering), whatever it holds', async () => {
    const e = env();
    for (const text of [
      'Quote " and \\ backslash',
      'Tab\tnew\nline\r\u0001\u001f\u007f',
      'Ünïcödé ✓ 🦔 \u2028\u2029',
      '',
      null,
    ]) {
      const created = await e.request({
        method: 'POST',
        url: e.url(),
        payload: { title: 'Text', text_content: text, content: { type: 'doc', content: [] } },
      });
      assert.equal(created.statusCode, 201, created.body);
      const response = await e.request({
        method: 'GET',
        url: e.url(`${json<{ short_id: string }>(created).short_id}/`),
      });
      assert.equal(response.statusCode, 200, response.body);
      const body = json<{ text_content: string | null }>(response);
      // DRF trims the text fields (U+2028 and U+2029 are whitespace to Python).
      assert.equal(body.text_content, text === null ? null : text.trim());
      assert.equal(response.body, JSON.stringify(body));
      assert.equal(response.body, created.body);
    }
  });
});

/** The first page of a list as the repository reads it, and the statements it sent SQLite. */
async function listedWithStatements(e: TestEnv, query: string) {
  const params = new URLSearchParams(query);
  let listed: Awaited<ReturnType<NotebooksRepository['list']>> = { count: -1, items: [] };
  const sent = await statementsDuring(async () => {
    listed = await new NotebooksRepository(e.db.kysely, e.db.dialect).list(
      e.project.id,
      parseListFilters(params, 'UTC'),
      parseOrder(params),
      { limit: 100, offset: 0 },
      e.owner.id,
    );
  });
  return { ...listed, sent };
}

describe('the SQLite list page plans [sqlite]', () => {
  it('reads the default page, and the matches of a search or contains list, from an index alone', async () => {
    const e = await createTestEnv('sqlite');
    after(() => e.close());
    for (let i = 0; i < 3; i++) {
      const response = await e.request({
        method: 'POST',
        url: e.url(),
        payload: {
          title: `Quokka ${i}`,
          content: { type: 'doc', content: [{ type: 'ph-recording', attrs: { id: 'r1' } }] },
        },
      });
      assert.equal(response.statusCode, 201, response.body);
    }
    // The statements the repository sends, as SQLite receives them, explained by SQLite.
    const plans = async (query: string) => {
      const { items, sent } = await listedWithStatements(e, query);
      assert.equal(items.length, 3, query);
      const page = sent.map((statement) => statement.text).findLast((text) => / order by /.test(text));
      assert.ok(page, `${query}: no page query among ${JSON.stringify(sent.map((statement) => statement.text))}`);
      const plan = await sql.raw<{ detail: string }>(`explain query plan ${page}`).execute(e.db.kysely);
      return plan.rows.map((row) => row.detail).join(' | ');
    };
    assert.match(await plans(''), /SEARCH notebooks USING COVERING INDEX notebooks_list_modified/);
    // A search's matches are looked up by list key, a contains's by row key; both indexes
    // render the item too.
    assert.match(await plans('search=quokka'), /SEARCH notebooks USING COVERING INDEX notebooks_by_list_key/);
    assert.match(
      await plans('search=quokka&order=title'),
      /SEARCH notebooks USING COVERING INDEX notebooks_by_list_key/,
    );
    assert.match(await plans('contains=recording:r1'), /SEARCH notebooks USING COVERING INDEX notebooks_by_seq/);
  });

  it('counts a created_by or last_modified_by list from that index alone', async () => {
    const e = await createTestEnv('sqlite');
    after(() => e.close());
    const response = await e.request({ method: 'POST', url: e.url(), payload: { title: 'Mine' } });
    assert.equal(response.statusCode, 201, response.body);
    for (const filter of ['created_by', 'last_modified_by'] as const) {
      const { count, sent } = await listedWithStatements(e, `${filter}=${e.owner.uuid}`);
      assert.equal(count, 1, filter);
      const counting = sent.find((statement) => statement.text.startsWith('select count(*)'));
      assert.ok(counting, `${filter}: no count among ${JSON.stringify(sent.map((statement) => statement.text))}`);
      const plan = await e.db.kysely.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${counting.text}`, [...counting.values]),
      );
      const details = plan.rows.map((row) => row.detail).join(' | ');
      // The filter's own index, not a walk of the project's whole list index.
      assert.match(
        details,
        new RegExp(`SEARCH notebooks USING COVERING INDEX notebooks_${filter} \\(team_id=\\? AND ${filter}_id=\\?`),
      );
    }
  });

  it("merges the search index's segments sixteen at a time, and all of a level at once only past 64", async () => {
    const e = await createTestEnv('sqlite');
    after(() => e.close());
    const config = await sql<{
      k: string;
      v: number;
    }>`select k, v from notebook_search_config where k in ('automerge', 'crisismerge') order by k`.execute(e.db.kysely);
    assert.deepEqual(
      config.rows.map((row) => [row.k, Number(row.v)]),
      [
        ['automerge', 16],
        ['crisismerge', 64],
      ],
    );
  });
});

describe('the PostgreSQL search plan [postgres]', {
  skip: (await postgresAvailable()) ? false : 'PostgreSQL not reachable',
}, () => {
  it("reads a search's matches from the search indexes together with the project, not from a bitmap of the whole project", async () => {
    const e = await createTestEnv('postgres');
    after(() => e.close());
    const other = await e.accounts.createProject({ name: 'Other project', organizationId: e.org.id });
    for (let i = 0; i < 40; i++) {
      const projectId = i % 2 === 0 ? e.project.id : other.id;
      const response = await e.request({
        method: 'POST',
        url: e.url('', projectId),
        payload: {
          title: i % 5 === 0 ? `Quokka ${i}` : `Note ${i}`,
          text_content: i % 3 === 0 ? 'quokkas jumping' : 'plain words',
        },
      });
      assert.equal(response.statusCode, 201, response.body);
    }
    // Enough rows that an index is worth reading: 3,000 more per project without the word,
    // written directly (the plan is the subject here; the answers are the other tests').
    for (const projectId of [e.project.id, other.id]) {
      await sql`insert into notebooks (id, short_id, team_id, title, text_content, deleted, visibility, version, folder, created_at, last_modified_at)
        select gen_random_uuid(), 'bulk' || n, ${projectId}, 'Note ' || n, 'plain words ' || n, false, 'default', 0, 'Unfiled/Notebooks', now(), now() - n * interval '1 minute'
        from generate_series(1, 3000) as n`.execute(e.db.kysely);
    }
    // Also merges the GIN indexes' pending lists, as autovacuum would.
    await sql`vacuum analyze notebooks`.execute(e.db.kysely);
    // The statements the repository sends, as PostgreSQL receives them, explained by PostgreSQL.
    let found: Awaited<ReturnType<NotebooksRepository['list']>> | undefined;
    const sent = await statementsDuring(async () => {
      found = await new NotebooksRepository(e.db.kysely, e.db.dialect).list(
        e.project.id,
        parseListFilters(new URLSearchParams('search=quokka'), 'UTC'),
        parseOrder(new URLSearchParams()),
        { limit: 100, offset: 0 },
        e.owner.id,
      );
    });
    // i = 0, 6, 10, 12, 18, 20, 24, 30, 36 in the first project: a title or a text with the word.
    assert.equal(found?.count, 9);
    const page = sent.findLast((statement) => / order by /.test(statement.text));
    assert.ok(page, `no page query among ${JSON.stringify(sent.map((statement) => statement.text))}`);
    const explained = await e.db.kysely.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`explain ${page.text}`, page.values),
    );
    const plan = explained.rows.map((row) => row['QUERY PLAN']).join('\n');
    assert.match(
      plan,
      /Bitmap Index Scan on notebooks_search_title .*\n\s+Index Cond: \(\(search_title @@ .*\) AND \(ARRAY\[team_id\] @> /,
      plan,
    );
    assert.match(
      plan,
      /Bitmap Index Scan on notebooks_search_text .*\n\s+Index Cond: \(\(search_text @@ .*\) AND \(ARRAY\[team_id\] @> /,
      plan,
    );
    assert.doesNotMatch(plan, /notebooks_team_short_id|BitmapAnd/, plan);
  });
});
