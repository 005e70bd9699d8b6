import { type Kysely, sql } from 'kysely';
import type { Engine } from '../dialect.ts';

// SQLite only: notebook_search (FTS5) now holds the listed notebooks only (not deleted, default
// visibility, the only ones a search lists), each with a `scope` column holding its project's
// token `t<project>`. A search asks `{scope}: t<project> AND (…)`, so FTS5 itself counts a
// project's matches: no row of notebooks is read per match, whatever the other projects hold.
// The new table is left empty: 0008, which always follows in the same run of the migrations (a
// server starts only once every migration has applied), replaces it and fills it from the
// notebooks rows, since the old table is contentless and cannot give its terms back.
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  if (engine !== 'sqlite') return;
  await sql`savepoint search_scope`.execute(db);
  try {
    await sql`create virtual table notebook_search_scoped using fts5(scope, title, text_content, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`.execute(
      db,
    );
    await sql`drop table notebook_search`.execute(db);
    await sql`alter table notebook_search_scoped rename to notebook_search`.execute(db);
    await sql`release search_scope`.execute(db);
  } catch (error) {
    await sql`rollback to search_scope`.execute(db);
    await sql`release search_scope`.execute(db);
    throw error;
  }
}
