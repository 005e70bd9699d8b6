import { sql, type Kysely } from 'kysely';
import type { Engine } from '../dialect.ts';
import { SQLITE_LIST_ITEM_HEAD, SQLITE_LIST_ITEM_MID } from './0007-sqlite-rendered-list-items.ts';
import { lexemes } from '../../notebooks/search-text.ts';

const BATCH = 500;

/**
 * Notebooks whose last_modified_at falls in one millisecond share a bucket of this many list
 * keys. SQLite commits one write at a time, so a millisecond sees a handful at most.
 */
export const LIST_KEY_SLOTS = 2048;

/** The first list key of a timestamp's bucket (ms since the epoch × LIST_KEY_SLOTS, within 2^53 until 2109). */
export function listKeyBucket(lastModifiedAt: Date): number {
  return Math.max(0, lastModifiedAt.getTime()) * LIST_KEY_SLOTS;
}

/** How a project's lexemes are written in notebook_search: `t<project>x<lexeme>`. */
export function searchTerm(teamId: number, lexeme: string): string {
  return `t${teamId}x${lexeme}`;
}

/** A field's text as notebook_search indexes it: its lexemes, each scoped to the project. */
export function searchDocument(teamId: number, text: string | null): string {
  return lexemes(text ?? '')
    .map((lexeme) => searchTerm(teamId, lexeme))
    .join(' ');
}

// SQLite only. A search page is the `limit` most recently modified matches; with notebook_search
// keyed by the notebooks' row key, every match had to be looked up and sorted (972 matches at
// 100,000 notebooks, 9,720 at 1,000,000: the page grew with the data, issue 3), and its count
// intersected the word with the project's scope token, a posting list as long as the project.
//
// Now each notebook has a list key that orders like last_modified_at: the bucket of its
// millisecond, plus a free slot in it, given by every write. notebook_search rows are keyed by
// it, so FTS5 walks a word's matches newest first and a page reads its `limit` matches, however
// many there are (the slots of the boundary millisecond are read whole, then sorted by
// (last_modified_at, id) exactly). Its terms carry the project (`t1xquokka`), so a word's
// posting list holds that project's listed notebooks alone and counting them reads nothing else.
// The lexemes are computed again: with 0007, about 70 s per 200,000 notebooks here.
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  if (engine !== 'sqlite') return;
  await sql`savepoint search_in_list_order`.execute(db);
  try {
    await sql`alter table notebooks add column list_key integer`.execute(db);
    // listKeyBucket in SQL: milliseconds since the epoch, none before it.
    const ms = sql`max(0, cast(round(unixepoch(last_modified_at, 'subsec') * 1000) as integer))`;
    const crowded = await sql<{ at: string; n: number }>`select min(last_modified_at) as at, count(*) as n from notebooks group by ${ms} having count(*) > ${LIST_KEY_SLOTS} limit 1`.execute(db);
    if (crowded.rows.length > 0) {
      const { at, n } = crowded.rows[0];
      throw new Error(`migration 0008: ${n} notebooks were last modified in the millisecond ${at}; a list key bucket holds ${LIST_KEY_SLOTS}`);
    }
    await sql`update notebooks set list_key = keyed.list_key
      from (select seq, ${ms} * ${LIST_KEY_SLOTS} + row_number() over (partition by ${ms} order by seq) - 1 as list_key from notebooks) as keyed
      where notebooks.seq = keyed.seq`.execute(db);
    const head = sql.raw(SQLITE_LIST_ITEM_HEAD);
    const mid = sql.raw(SQLITE_LIST_ITEM_MID);
    // The matches of a search, looked up by their key, with every column a page is filtered,
    // ordered and rendered by.
    await sql`create unique index notebooks_by_list_key on notebooks (list_key, team_id, deleted, visibility, last_modified_at, id, short_id, title, created_at, created_by_id, last_modified_by_id, ${head}, ${mid})`.execute(db);
    // The walk of the default order probes a search's matches by list key.
    await sql`drop index notebooks_list_modified`.execute(db);
    await sql`create index notebooks_list_modified on notebooks (team_id, deleted, visibility, last_modified_at, id, list_key, created_by_id, last_modified_by_id, ${head}, ${mid})`.execute(db);

    await sql`create virtual table notebook_search_keyed using fts5(title, text_content, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`.execute(db);
    // In list-key order: FTS5 flushes its pending terms to a new segment whenever a rowid is not
    // above the last one, so keys in any other order would leave a segment per row.
    let after = -1;
    for (;;) {
      const rows = await sql<{ list_key: number; team_id: number; title: string | null; text_content: string | null }>`
        select list_key, team_id, title, text_content from notebooks
        where list_key > ${after} and deleted = 0 and visibility = 'default' order by list_key limit ${BATCH}`.execute(db);
      if (rows.rows.length === 0) break;
      const values = rows.rows.map((row) => sql`(${row.list_key}, ${searchDocument(row.team_id, row.title)}, ${searchDocument(row.team_id, row.text_content)})`);
      await sql`insert into notebook_search_keyed (rowid, title, text_content) values ${sql.join(values)}`.execute(db);
      after = rows.rows[rows.rows.length - 1].list_key;
    }
    await sql`drop table notebook_search`.execute(db);
    await sql`alter table notebook_search_keyed rename to notebook_search`.execute(db);
    await sql`release search_in_list_order`.execute(db);
  } catch (error) {
    await sql`rollback to search_in_list_order`.execute(db);
    await sql`release search_in_list_order`.execute(db);
    throw error;
  }
}
