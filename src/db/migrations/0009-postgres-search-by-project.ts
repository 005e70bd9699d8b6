import { type Kysely, sql } from 'kysely';
import type { Engine } from '../dialect.ts';

// PostgreSQL only. A search list's matches were found by intersecting the word's GIN bitmap with
// a bitmap of every notebook of the project (the team_id btree): 100,000 entries and ~8 ms for a
// project of 100,000 notebooks, and the matches of every other project fetched from the heap and
// thrown away. The search indexes now hold the project too, as a second column: a multicolumn GIN
// index intersects a word's posting list with the project's inside the index (the rarer drives),
// so a search reads the project's matches and nothing else (`quokka`, 972 matches among 100,000:
// 12 ms → 3.4 ms). `ARRAY[team_id]` is the project as a one-element int[], which core PostgreSQL
// indexes with GIN (no btree_gin extension), asked as `ARRAY[team_id] @> ARRAY[<project>]`
// (dialect.ts searchFilter). Rebuilding the two indexes reads the stored vectors again: ~6 s per
// 200,000 notebooks here.
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  if (engine !== 'postgres') return;
  await sql`drop index notebooks_search_title`.execute(db);
  await sql`drop index notebooks_search_text`.execute(db);
  await sql`create index notebooks_search_title on notebooks using gin (search_title, (array[team_id]))`.execute(db);
  await sql`create index notebooks_search_text on notebooks using gin (search_text, (array[team_id]))`.execute(db);
  // The planner's statistics for the new index expression.
  await sql`analyze notebooks`.execute(db);
}
