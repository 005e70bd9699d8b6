import { sql, type Kysely } from 'kysely';
import type { Engine } from '../dialect.ts';
import { lexemes } from '../../notebooks/search-text.ts';

const BATCH = 500;

/** The `scope` token of a listed notebook of a project in notebook_search. */
export function searchScopeToken(teamId: number): string {
  return `t${teamId}`;
}

// SQLite only: notebook_search (FTS5) now holds the listed notebooks only (not deleted, default
// visibility, the only ones a search lists), each with a `scope` column holding its project's
// token. A search asks `{scope}: t<project> AND (…)`, so FTS5 itself counts a project's
// matches: no row of notebooks is read per match, whatever the other projects hold. The rows'
// lexemes are computed again from title and text_content (the old table is contentless and
// cannot give them back): about 30 s per 200,000 notebooks.
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  if (engine !== 'sqlite') return;
  await sql`savepoint search_scope`.execute(db);
  try {
    await sql`create virtual table notebook_search_scoped using fts5(scope, title, text_content, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`.execute(db);
    let after = -1;
    for (;;) {
      const rows = await sql<{ seq: number; team_id: number; title: string | null; text_content: string | null }>`
        select seq, team_id, title, text_content from notebooks
        where seq > ${after} and deleted = 0 and visibility = 'default' order by seq limit ${BATCH}`.execute(db);
      if (rows.rows.length === 0) break;
      const values = rows.rows.map(
        (row) => sql`(${row.seq}, ${searchScopeToken(row.team_id)}, ${lexemes(row.title ?? '').join(' ')}, ${lexemes(row.text_content ?? '').join(' ')})`,
      );
      await sql`insert into notebook_search_scoped (rowid, scope, title, text_content) values ${sql.join(values)}`.execute(db);
      after = rows.rows[rows.rows.length - 1].seq;
    }
    await sql`drop table notebook_search`.execute(db);
    await sql`alter table notebook_search_scoped rename to notebook_search`.execute(db);
    await sql`release search_scope`.execute(db);
  } catch (error) {
    await sql`rollback to search_scope`.execute(db);
    await sql`release search_scope`.execute(db);
    throw error;
  }
}
