import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { LIST_KEY_SLOTS, listKeyBucket } from '../../src/notebooks/storage/sqlite-notebook-storage.ts';
import { migrateDatabase } from '../../src/services.ts';
import { createTestEnv, describeEachEngine, json, type TestEnv } from '../support/harness.ts';

interface ListPage {
  count: number;
  results: Array<{ short_id: string; title: string | null }>;
}

async function create(e: TestEnv, title: string, text: string): Promise<string> {
  const response = await e.request({
    method: 'POST',
    url: e.url(),
    payload: { title, text_content: text, content: { type: 'doc', content: [] } },
  });
  assert.equal(response.statusCode, 201, response.body);
  return json<{ short_id: string }>(response).short_id;
}
async function patch(e: TestEnv, shortId: string, body: Record<string, unknown>): Promise<void> {
  const response = await e.request({ method: 'PATCH', url: e.url(`${shortId}/`), payload: body });
  assert.equal(response.statusCode, 200, response.body);
}
async function search(
  e: TestEnv,
  word: string,
  projectId = e.project.id,
): Promise<{ count: number; titles: Array<string | null> }> {
  const response = await e.request({ method: 'GET', url: e.url(`?search=${word}`, projectId) });
  assert.equal(response.statusCode, 200, response.body);
  const page = json<ListPage>(response);
  return { count: page.count, titles: page.results.map((item) => item.title).sort() };
}

// The search index follows every write that changes what a search lists: SQLite keeps listed
// notebooks only in notebook_search (migration 0005), PostgreSQL derives its columns.
describeEachEngine('search index upkeep', (env) => {
  it('drops a soft-deleted notebook from search and brings it back, edited or not, on restore', async () => {
    const e = env();
    const wombat = await create(e, 'Wombat burrows', 'digging all night');
    await create(e, 'Other', 'a wombat was seen');
    assert.deepEqual(await search(e, 'wombat'), { count: 2, titles: ['Other', 'Wombat burrows'] });
    await patch(e, wombat, { deleted: true });
    assert.deepEqual(await search(e, 'wombat'), { count: 1, titles: ['Other'] });
    assert.deepEqual(await search(e, 'digging'), { count: 0, titles: [] });
    await patch(e, wombat, { deleted: false });
    assert.deepEqual(await search(e, 'digging'), { count: 1, titles: ['Wombat burrows'] });
    // Edited while deleted, then restored: the restored text is searched, not the old one.
    await patch(e, wombat, { deleted: true });
    await patch(e, wombat, { text_content: 'sleeping all day' });
    assert.deepEqual(await search(e, 'sleeping'), { count: 0, titles: [] });
    await patch(e, wombat, { deleted: false, title: 'Wombat naps' });
    assert.deepEqual(await search(e, 'sleeping'), { count: 1, titles: ['Wombat naps'] });
    assert.deepEqual(await search(e, 'digging'), { count: 0, titles: [] });
    assert.deepEqual(await search(e, 'burrows'), { count: 0, titles: [] });
  });

  it("counts a project's matches only, however many other projects hold", async () => {
    const e = env();
    const other = await e.accounts.createProject({ name: 'Other project', organizationId: e.org.id });
    for (let i = 0; i < 3; i++) {
      const response = await e.request({ method: 'POST', url: e.url('', other.id), payload: { title: `Numbat ${i}` } });
      assert.equal(response.statusCode, 201, response.body);
    }
    await create(e, 'Numbat here', '');
    assert.deepEqual(await search(e, 'numbat'), { count: 1, titles: ['Numbat here'] });
    assert.equal((await search(e, 'numbat', other.id)).count, 3);
  });
});

// Migration 0005 changes SQLite only (PostgreSQL derives its search columns itself).
describe('search index upgrade [sqlite]', () => {
  it('upgrades an index written before migration 0005: listed notebooks only, by project', async () => {
    const e = await createTestEnv('sqlite');
    after(() => e.close());
    await create(e, 'Kept quoll', 'spotted quoll');
    const gone = await create(e, 'Gone quoll', 'another quoll');
    await patch(e, gone, { deleted: true });
    // The index as 0001 made it: every notebook, no scope column.
    const db = e.db.kysely;
    await sql`drop table notebook_search`.execute(db);
    await sql`create virtual table notebook_search using fts5(title, text_content, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`.execute(
      db,
    );
    await sql`insert into notebook_search (rowid, title, text_content) select seq, lower(title), lower(text_content) from notebooks`.execute(
      db,
    );
    // … and before 0006 (whose triggers watch the facts): both run again, in order.
    for (const trigger of ['insert', 'delete', 'update'])
      await sql.raw(`drop trigger notebook_content_facts_counted_${trigger}`).execute(db);
    await sql`drop table notebook_fact_counts`.execute(db);
    // … and before 0008 (list keys; 0007 only rebuilds two list indexes, but a migration cannot
    // run again before a later one).
    await sql`drop index notebooks_by_list_key`.execute(db);
    await sql`drop index notebooks_list_modified`.execute(db);
    await sql`create index notebooks_list_modified on notebooks (team_id, deleted, visibility, last_modified_at, id)`.execute(
      db,
    );
    await sql`alter table notebooks drop column list_key`.execute(db);
    // … and before 0010 (the change counts; 0009 changes PostgreSQL only and runs again doing nothing).
    await sql`drop table notebook_changes`.execute(db);
    await sql`alter table notebook_counts drop column changes`.execute(db);
    await sql`alter table notebooks drop column change_seq`.execute(db);
    // … and before 0013 (emails unique whatever their case), undone first: 0011's undoing drops the column.
    await sql`drop index users_email_key_unique`.execute(db);
    await sql`create index users_lower_email on users (email_key)`.execute(db);
    // … and before 0011 (sign-in: sessions, invites, users' passwords, memberships' ids).
    for (const statement of [
      'drop table sessions',
      'drop table organization_invites',
      'drop index memberships_id',
      'alter table memberships drop column id',
      'alter table memberships drop column updated_at',
      'drop index users_lower_email',
      'alter table users drop column email_key',
      'alter table users drop column last_login',
      'alter table users drop column password',
    ])
      await sql.raw(statement).execute(db);
    // … and before 0012 (the filters' indexes without deleted and visibility).
    for (const filter of ['created_by', 'last_modified_by']) {
      await sql.raw(`drop index notebooks_${filter}`).execute(db);
      await sql
        .raw(`create index notebooks_${filter} on notebooks (team_id, ${filter}_id, last_modified_at)`)
        .execute(db);
    }
    const rerun = [
      '0005-sqlite-search-scope',
      '0006-sqlite-fact-counts',
      '0007-sqlite-rendered-list-items',
      '0008-sqlite-search-in-list-order',
      '0009-postgres-search-by-project',
      '0010-notebook-changes',
      '0011-accounts-sign-in',
      '0012-sqlite-cheaper-writes',
      '0013-unique-user-emails',
    ];
    await sql`delete from notebooks_migrations where name in (${sql.join(rerun)})`.execute(db);
    assert.deepEqual(await migrateDatabase(e.db), rerun);
    // Every notebook got a list key in the bucket of its last_modified_at (as a write gives it).
    const keyed = await sql<{
      list_key: number;
      last_modified_at: string;
    }>`select list_key, last_modified_at from notebooks`.execute(db);
    assert.equal(keyed.rows.length, 2);
    for (const row of keyed.rows)
      assert.equal(row.list_key - (row.list_key % LIST_KEY_SLOTS), listKeyBucket(new Date(row.last_modified_at)));
    assert.deepEqual(await search(e, 'quolls'), { count: 1, titles: ['Kept quoll'] });
    const indexed = await sql<{ n: number }>`select count(*) as n from notebook_search`.execute(db);
    const listed = await sql<{
      n: number;
    }>`select count(*) as n from notebooks where deleted = 0 and visibility = 'default'`.execute(db);
    assert.equal(Number(indexed.rows[0].n), Number(listed.rows[0].n));
    await patch(e, gone, { deleted: false });
    assert.deepEqual(await search(e, 'quoll'), { count: 2, titles: ['Gone quoll', 'Kept quoll'] });
  });
});
