import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { createServices, migrateDatabase, type Services } from '../../src/services.ts';
import { createTestDatabase, ENGINES, postgresAvailable } from '../support/harness.ts';

const POSTGRES = await postgresAvailable();

for (const engine of ENGINES) {
  describe(`first start on an empty database [${engine}]`, {
    skip: engine === 'postgres' && !POSTGRES ? 'PostgreSQL not reachable' : false,
  }, () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let db: Db;
    let services: Services;
    const count = async (table: 'organizations' | 'projects' | 'users' | 'personal_api_keys') =>
      Number(
        (
          await db.kysely
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    before(async () => {
      database = await createTestDatabase(engine);
      db = await openDatabase(database.target);
      await migrateDatabase(db);
      services = createServices(db, { listCacheBytes: 0, rateLimits: { windows: [] } });
    });

    after(async () => {
      await db?.close();
      await database?.drop();
    });

    it('writes nothing when a step fails half-way, so the next start bootstraps again', async () => {
      // admin@localhost already exists without an organization: the bootstrap fails when it
      // creates the owner, after the organization and the project.
      await db.kysely
        .insertInto('users')
        .values({
          uuid: '0190b2a6-0000-7000-8000-0000000000aa',
          distinct_id: null,
          email: 'admin@localhost',
          email_key: 'admin@localhost',
          password: null,
          last_login: null,
          first_name: '',
          last_name: '',
          is_active: true,
          is_email_verified: null,
          role_at_organization: null,
          date_joined: db.dialect.timestamp(new Date()),
        })
        .execute();
      await assert.rejects(services.accounts.bootstrap(), /already an account/);
      assert.equal(await count('organizations'), 0);
      assert.equal(await count('projects'), 0);
      assert.equal(await count('personal_api_keys'), 0);

      await db.kysely.deleteFrom('users').execute();
      const first = await services.accounts.bootstrap();
      assert.ok(first, 'the database still counts as empty');
      assert.equal(first.project.id, 1);
      assert.deepEqual(
        [await count('organizations'), await count('projects'), await count('users'), await count('personal_api_keys')],
        [1, 1, 1, 1],
      );
      assert.equal(await services.accounts.bootstrap(), undefined, 'a second start creates nothing');
    });
  });
}
