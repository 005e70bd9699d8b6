import { type Kysely, sql } from 'kysely';
import type { Engine } from '../dialect.ts';

// SQLite only. A list page used to cost eight values per row read into JavaScript (id, short_id,
// title, deleted, the two timestamps, the two user ids) and as many again to render them: ~150 µs
// of the ~200 µs a 100-item page cost. The two list indexes now also hold each item's
// JSON, rendered by SQLite from the row itself — `head` runs from `{"id":` to `"created_by":`,
// `mid` from `,"last_modified_at":` to `"last_modified_by":` — so a page is four values per row,
// read from the index alone, and the presenter only splices the nested users in. Being index
// expressions, they can never disagree with the row. json_quote escapes exactly as JSON.stringify
// does (test/notebooks/list-rendering.test.ts checks every code point), and the timestamps are
// formatIsoTimestamp of the stored toISOString text.
//
// The runtime selects these exact expressions (LIST_ITEM_HEAD and LIST_ITEM_MID in
// notebooks/storage/sqlite-notebook-storage.ts): SQLite uses an index expression only where the
// query repeats it. Changing them needs a migration that rebuilds both indexes.

const timestamp = (column: string) =>
  `substr(${column}, 1, 19) || iif(substr(${column}, 21, 3) = '000', 'Z', '.' || substr(${column}, 21, 3) || '000Z')`;

const LIST_ITEM_HEAD =
  `('{"id":' || json_quote(id) || ',"short_id":' || json_quote(short_id) || ',"title":' || json_quote(title) || ` +
  `',"deleted":' || iif(deleted, 'true', 'false') || ',"created_at":"' || ${timestamp('created_at')} || '","created_by":')`;

const LIST_ITEM_MID = `(',"last_modified_at":"' || ${timestamp('last_modified_at')} || '","last_modified_by":')`;

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  if (engine !== 'sqlite') return;
  const head = sql.raw(LIST_ITEM_HEAD);
  const mid = sql.raw(LIST_ITEM_MID);
  // The default order (-last_modified_at), walked for the unfiltered page and for many matches;
  // the user ids stay for the created_by / last_modified_by / user filters.
  await sql`drop index notebooks_list_modified`.execute(db);
  await sql`create index notebooks_list_modified on notebooks (team_id, deleted, visibility, last_modified_at, id, created_by_id, last_modified_by_id, ${head}, ${mid})`.execute(
    db,
  );
  // Keyed by the row key the FTS5 and facts matches return (migration 0003), with every column
  // a sorted set of matches is filtered or ordered by.
  await sql`drop index notebooks_by_seq`.execute(db);
  await sql`create index notebooks_by_seq on notebooks (seq, team_id, deleted, visibility, last_modified_at, id, short_id, title, created_at, created_by_id, last_modified_by_id, ${head}, ${mid})`.execute(
    db,
  );
}
