import { type Kysely, sql } from 'kysely';
import type { Engine } from '../dialect.ts';
import type { MigrationSteps } from './migration-steps.ts';

// The list items' JSON as 0007 wrote it, which the list indexes rebuilt here hold again.
const timestamp = (column: string) =>
  `substr(${column}, 1, 19) || iif(substr(${column}, 21, 3) = '000', 'Z', '.' || substr(${column}, 21, 3) || '000Z')`;

const LIST_ITEM_HEAD =
  `('{"id":' || json_quote(id) || ',"short_id":' || json_quote(short_id) || ',"title":' || json_quote(title) || ` +
  `',"deleted":' || iif(deleted, 'true', 'false') || ',"created_at":"' || ${timestamp('created_at')} || '","created_by":')`;

const LIST_ITEM_MID = `(',"last_modified_at":"' || ${timestamp('last_modified_at')} || '","last_modified_by":')`;

/**
 * Notebooks whose last_modified_at falls in one millisecond share a bucket of this many list
 * keys. SQLite commits one write at a time, so a millisecond sees a handful at most.
 */
const LIST_KEY_SLOTS = 2048;

// SQLite only. A search page is the `limit` most recently modified matches; with notebook_search
// keyed by the notebooks' row key, every match had to be looked up and sorted (972 matches at
// 100,000 notebooks, 9,720 at 1,000,000: the page grew with the data), and its count
// intersected the word with the project's scope token, a posting list as long as the project.
//
// Now each notebook has a list key that orders like last_modified_at: the bucket of its
// millisecond, plus a free slot in it, given by every write. notebook_search rows are keyed by
// it, so FTS5 walks a word's matches newest first and a page reads its `limit` matches, however
// many there are (the slots of the boundary millisecond are read whole, then sorted by
// (last_modified_at, id) exactly). Its terms carry the project (`t1xquokka`), so a word's
// posting list holds that project's listed notebooks alone and counting them reads nothing else.
// The lexemes are computed again (the rebuild step, with today's stemmer): with 0007, about 70 s
// per 200,000 notebooks here.
export async function up(db: Kysely<unknown>, engine: Engine, steps: MigrationSteps): Promise<void> {
  if (engine !== 'sqlite') return;
  await sql`savepoint search_in_list_order`.execute(db);
  try {
    await sql`alter table notebooks add column list_key integer`.execute(db);
    // listKeyBucket in SQL: milliseconds since the epoch, none before it.
    const ms = sql`max(0, cast(round(unixepoch(last_modified_at, 'subsec') * 1000) as integer))`;
    const crowded = await sql<{
      at: string;
      n: number;
    }>`select min(last_modified_at) as at, count(*) as n from notebooks group by ${ms} having count(*) > ${LIST_KEY_SLOTS} limit 1`.execute(
      db,
    );
    if (crowded.rows.length > 0) {
      const { at, n } = crowded.rows[0];
      throw new Error(
        `migration 0008: ${n} notebooks were last modified in the millisecond ${at}; a list key bucket holds ${LIST_KEY_SLOTS}`,
      );
    }
    await sql`update notebooks set list_key = keyed.list_key
      from (select seq, ${ms} * ${LIST_KEY_SLOTS} + row_number() over (partition by ${ms} order by seq) - 1 as list_key from notebooks) as keyed
      where notebooks.seq = keyed.seq`.execute(db);
    const head = sql.raw(LIST_ITEM_HEAD);
    const mid = sql.raw(LIST_ITEM_MID);
    // The matches of a search, looked up by their key, with every column a page is filtered,
    // ordered and rendered by.
    await sql`create unique index notebooks_by_list_key on notebooks (list_key, team_id, deleted, visibility, last_modified_at, id, short_id, title, created_at, created_by_id, last_modified_by_id, ${head}, ${mid})`.execute(
      db,
    );
    // The walk of the default order probes a search's matches by list key.
    await sql`drop index notebooks_list_modified`.execute(db);
    await sql`create index notebooks_list_modified on notebooks (team_id, deleted, visibility, last_modified_at, id, list_key, created_by_id, last_modified_by_id, ${head}, ${mid})`.execute(
      db,
    );

    await sql`drop table notebook_search`.execute(db);
    await sql`create virtual table notebook_search using fts5(title, text_content, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`.execute(
      db,
    );
    await steps.rebuildNotebookSearch(db);
    await sql`release search_in_list_order`.execute(db);
  } catch (error) {
    await sql`rollback to search_in_list_order`.execute(db);
    await sql`release search_in_list_order`.execute(db);
    throw error;
  }
}
