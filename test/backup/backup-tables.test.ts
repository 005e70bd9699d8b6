import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { BACKUP_TABLES, COPIED_TABLES } from '../../src/backup/backup-tables.ts';
import { describeEachEngine } from '../support/harness.ts';

// A new table or column must be a decision of the backup: copied (with its kind), derived again
// on import, or left behind. These fail when the schema has one the backup does not name.

const SCHEMA = readFileSync(new URL('../../src/db/schema.ts', import.meta.url), 'utf8');

/** The tables of `interface Database` in src/db/schema.ts. */
function schemaTables(): string[] {
  const body = /export interface Database \{([^}]*)\}/.exec(SCHEMA)?.[1];
  assert.ok(body, 'no Database interface in schema.ts');
  return [...body.matchAll(/^\s*([a-z_]+):/gm)].map((match) => match[1]);
}

describe('the tables a backup copies, derives or leaves', () => {
  it('names every table of schema.ts, and no other', () => {
    assert.deepEqual(Object.keys(BACKUP_TABLES).sort(), schemaTables().sort());
  });
});

describeEachEngine('the tables the migrations create', (getEnv) => {
  it('are each named by the backup, and each copied table has exactly the columns it lists or keeps internal', async () => {
    const env = getEnv();
    const names =
      env.engine === 'sqlite'
        ? await sql<{ name: string }>`select name from sqlite_schema where type = 'table'
            and name not like 'sqlite_%' and name not like 'notebook_search_%'`.execute(env.db.kysely)
        : await sql<{ name: string }>`select table_name as name from information_schema.tables
            where table_schema = 'public'`.execute(env.db.kysely);
    const tables = names.rows.map((row) => row.name).filter((name) => !name.startsWith('notebooks_migrations'));
    assert.deepEqual(
      tables.filter((name) => !(name in BACKUP_TABLES)),
      [],
    );
    for (const table of COPIED_TABLES) {
      const columns =
        env.engine === 'sqlite'
          ? await sql<{ name: string }>`select name from pragma_table_info(${table.name})`.execute(env.db.kysely)
          : await sql<{ name: string }>`select column_name as name from information_schema.columns
              where table_schema = 'public' and table_name = ${table.name}`.execute(env.db.kysely);
      const inDatabase = columns.rows.map((row) => row.name);
      assert.deepEqual(
        inDatabase.filter((name) => !(name in table.columns) && !table.internal.includes(name)),
        [],
        `${table.name}: columns the backup does not name`,
      );
      assert.deepEqual(
        Object.keys(table.columns).filter((name) => !inDatabase.includes(name)),
        [],
        `${table.name}: columns the database does not have`,
      );
    }
  });
});
