import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Migrator, sql } from 'kysely';
import { AccountsRepository, isEmailTaken } from '../../src/accounts/accounts.repository.ts';
import { AccountsService } from '../../src/accounts/accounts.service.ts';
import { appliedMigrations, type Db, openDatabase } from '../../src/db/database.ts';
import { up as initial } from '../../src/db/migrations/0001-initial.ts';
import { MIGRATIONS } from '../../src/db/migrations/migration-list.ts';
import { parseListFilters, parseOrder } from '../../src/notebooks/list-filters.ts';
import { NotebooksRepository } from '../../src/notebooks/notebooks.repository.ts';
import { migrateDatabase, migrationSteps } from '../../src/services.ts';
import { newUserRow } from '../support/factories.ts';
import { createTestDatabase, ENGINES, postgresAvailable, shortIdsOf } from '../support/harness.ts';

const POSTGRES_REACHABLE = await postgresAvailable();

describe('migrations 0002, 0004 and 0009 on a PostgreSQL database created by 0001', {
  skip: POSTGRES_REACHABLE ? false : 'PostgreSQL not reachable',
}, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let projectId: number;
  let applied: string[];

  const row = (shortId: string, title: string | null, textContent: string | null, content: unknown) => ({
    id: crypto.randomUUID(),
    short_id: shortId,
    team_id: projectId,
    title,
    content: content === null ? null : JSON.stringify(content),
    text_content: textContent,
    deleted: false,
    visibility: 'default',
    version: 0,
    folder: 'Unfiled/Notebooks',
    created_at: new Date('2024-01-01T00:00:00Z'),
    created_by_id: null,
    last_modified_at: new Date(`2024-01-0${shortId.length}T00:00:00Z`),
    last_modified_by_id: null,
  });

  /** The listed short_ids; a contains-only count comes from the fact rows (0004), the page from the filter. */
  async function listed(query: string): Promise<string[]> {
    const params = new URLSearchParams(query);
    const repository = new NotebooksRepository(db.kysely, db.dialect);
    const { count, items } = await repository.list(
      projectId,
      parseListFilters(params, 'UTC'),
      parseOrder(params),
      { limit: 100, offset: 0 },
      0,
    );
    assert.equal(count, items.length);
    return shortIdsOf(items).sort();
  }

  before(async () => {
    database = await createTestDatabase('postgres');
    db = await openDatabase(database.target);
    const onlyInitial = new Migrator({
      db: db.kysely,
      provider: { getMigrations: async () => ({ '0001-initial': { up: (kysely) => initial(kysely, 'postgres') } }) },
      migrationTableName: 'notebooks_migrations',
      migrationLockTableName: 'notebooks_migrations_lock',
    });
    const { error } = await onlyInitial.migrateToLatest();
    if (error) throw error;
    const accounts = new AccountsService(db, new AccountsRepository(db.kysely, db.dialect));
    const org = await accounts.createOrganization('Upgraded organization');
    projectId = (await accounts.createProject({ name: 'Upgraded project', organizationId: org.id })).id;
    await db.kysely
      .insertInto('notebooks')
      .values([
        row('a', 'Ponies', null, { type: 'doc', content: [{ type: 'ph-recording', attrs: { id: 'rec-1' } }] }),
        row('bb', null, 'hobbies and quokkas', {
          type: 'doc',
          content: [
            { type: 'paragraph', content: [{ type: 'ph-replay-timestamp', attrs: { sessionRecordingId: 'rec-1' } }] },
          ],
        }),
        row('ccc', 'Untitled', null, null),
        row('dddd', 'Other', 'nothing here', { type: 'doc' }),
      ])
      .execute();
    applied = await migrateDatabase(db);
  });

  after(async () => {
    await db?.close();
    await database?.drop();
  });

  it('applies 0002, 0004 and 0009 to the existing database', () => {
    assert.ok(applied.includes('0002-postgres-search-vectors'), JSON.stringify(applied));
    assert.ok(applied.includes('0004-postgres-content-fact-rows'), JSON.stringify(applied));
    assert.ok(applied.includes('0009-postgres-search-by-project'), JSON.stringify(applied));
  });

  it('finds the notebooks written before the upgrade by search, stemmed, in the title or the text', async () => {
    assert.deepEqual(await listed('search=pony'), ['a']);
    assert.deepEqual(await listed('search=hobby quokka'), ['bb']);
    assert.deepEqual(await listed('search=pony hobby'), []);
  });

  it('answers contains for the notebooks written before the upgrade, NULL rules included', async () => {
    assert.deepEqual(await listed('contains=recording:true'), ['a']);
    assert.deepEqual(await listed('contains=recording:rec-1'), ['a']);
    assert.deepEqual(await listed('contains=replay-timestamp:rec-1'), ['bb']);
    // NULL content is kept by :false; content without a "content" key is dropped.
    assert.deepEqual(await listed('contains=recording:false'), ['bb', 'ccc']);
  });

  it('derives the columns for rows inserted after the upgrade, and follows updates', async () => {
    await db.kysely
      .insertInto('notebooks')
      .values(row('eeeee', 'Late pony', null, { content: [{ type: 'ph-recording', attrs: { id: 7 } }] }))
      .execute();
    assert.deepEqual(await listed('search=ponies'), ['a', 'eeeee']);
    assert.deepEqual(await listed('contains=recording:7'), ['eeeee']);
    await db.kysely
      .updateTable('notebooks')
      .set({ title: 'Late horse', content: JSON.stringify({ content: [] }) })
      .where('short_id', '=', 'eeeee')
      .execute();
    assert.deepEqual(await listed('search=ponies'), ['a']);
    assert.deepEqual(await listed('contains=recording:7'), []);
  });

  it('drops the expression indexes that the stored columns replace; the search indexes hold the project (0009)', async () => {
    const { rows } = await sql<{
      indexdef: string;
    }>`select indexdef from pg_indexes where tablename = 'notebooks' and indexdef like '%gin%' order by indexname`.execute(
      db.kysely,
    );
    assert.deepEqual(
      rows.map((index) => index.indexdef.replace(/^.* USING /, '')),
      [
        'gin (content_facts jsonb_path_ops)',
        'gin (search_text, (ARRAY[team_id]))',
        'gin (search_title, (ARRAY[team_id]))',
      ],
    );
  });
});

const UNIQUE_EMAILS = '0013-unique-user-emails';

for (const engine of ENGINES) {
  describe(`migration 0013 on a database whose users' emails differ only in case [${engine}]`, {
    skip: engine === 'sqlite' || POSTGRES_REACHABLE ? false : 'PostgreSQL not reachable',
  }, () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let db: Db;
    let accounts: AccountsRepository;

    const newUser = (email: string) => newUserRow(email, new Date('2024-01-01T00:00:00Z'));

    before(async () => {
      database = await createTestDatabase(engine);
      db = await openDatabase(database.target);
      const uniqueEmails = MIGRATIONS.findIndex(([name]) => name === UNIQUE_EMAILS);
      const previous = MIGRATIONS.slice(0, uniqueEmails);
      const upToPrevious = new Migrator({
        db: db.kysely,
        provider: {
          getMigrations: async () =>
            Object.fromEntries(
              previous.map(([name, up]) => [name, { up: (kysely) => up(kysely, engine, migrationSteps) }]),
            ),
        },
        migrationTableName: 'notebooks_migrations',
        migrationLockTableName: 'notebooks_migrations_lock',
      });
      const { error } = await upToPrevious.migrateToLatest();
      if (error) throw error;
      accounts = new AccountsRepository(db.kysely, db.dialect);
    });

    after(async () => {
      await db?.close();
      await database?.drop();
    });

    it('refuses, naming the colliding emails and how to fix them, and applies nothing', async () => {
      const ann = await accounts.insertUser(newUser('Ann@example.com'));
      const ann2 = await accounts.insertUser(newUser('ann@example.com'));
      const ann3 = await accounts.insertUser(newUser('ANN@EXAMPLE.COM'));
      const bob = await accounts.insertUser(newUser('bob@example.com'));
      const bob2 = await accounts.insertUser(newUser('Bob@Example.com'));
      await accounts.insertUser(newUser('carol@example.com'));
      await assert.rejects(migrateDatabase(db), {
        message:
          'Migration 0013-unique-user-emails cannot make emails unique regardless of case: ' +
          `these users' emails differ only in case: "Ann@example.com" (user id ${ann.id}), ` +
          `"ann@example.com" (user id ${ann2.id}), "ANN@EXAMPLE.COM" (user id ${ann3.id}); ` +
          `"bob@example.com" (user id ${bob.id}), "Bob@Example.com" (user id ${bob2.id}). ` +
          'Keep one user of each group and give every other one a different email, setting email_key to ' +
          "the new email in lower case (update users set email = 'new@example.com', email_key = " +
          "'new@example.com' where id = …), or delete the users no longer needed; then migrate again " +
          '(notebooks migrate, or start the server).',
      });
      assert.ok(!(await appliedMigrations(db.kysely)).includes(UNIQUE_EMAILS));
      // The plain index of 0011 is still there: a case variant is still let in.
      const carol = await accounts.insertUser(newUser('CAROL@example.com'));
      await db.kysely.deleteFrom('users').where('id', '=', carol.id).execute();
    });

    it('applies once the emails are fixed as the message says; then the database refuses a case variant', async () => {
      for (const [email, replacement] of [
        ['ann@example.com', 'ann.two@example.com'],
        ['ANN@EXAMPLE.COM', 'Ann.Three@example.com'],
        ['Bob@Example.com', 'robert@example.com'],
      ])
        await db.kysely
          .updateTable('users')
          .set({ email: replacement, email_key: replacement.toLowerCase() })
          .where('email', '=', email)
          .execute();
      assert.deepEqual(await migrateDatabase(db), [UNIQUE_EMAILS]);
      await assert.rejects(accounts.insertUser(newUser('ann.three@example.com')), isEmailTaken);
      await assert.rejects(accounts.insertUser(newUser('CAROL@example.com')), isEmailTaken);
      assert.equal((await accounts.findUserByEmail('ROBERT@example.com'))?.email, 'robert@example.com');
    });
  });
}
