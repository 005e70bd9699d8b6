import { type Kysely, sql } from 'kysely';
import type { Engine } from '../dialect.ts';

// SQLite only.
// - notebook_search merges its segments sixteen at a time rather than four (FTS5's `automerge`,
//   kept in the table's own configuration), and only merges all of a level at once (`crisismerge`)
//   when 64 have piled up. Every notebook write moves its row in the index and so writes a new
//   segment; merging four at a time rewrote each entry at twice as many levels and, under a
//   team's mixed traffic, cost more than the rest of the write, in pauses of tens of milliseconds
//   inside whatever statement came next. With `crisismerge` at its default (16) a level reaching
//   sixteen segments would be merged in one go, seconds for a large index; above it, merges stay
//   incremental. A word's matches read as fast. (A bulk load ends with an `optimize`: see
//   sqlite-notebook-storage.ts.)
// - The created_by and last_modified_by filters count from their index alone: the index holds
//   `deleted` and `visibility`, so a count no longer walks the project's whole list index.
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  if (engine !== 'sqlite') return;
  await sql`insert into notebook_search (notebook_search, rank) values ('automerge', 16)`.execute(db);
  await sql`insert into notebook_search (notebook_search, rank) values ('crisismerge', 64)`.execute(db);
  await sql`drop index notebooks_created_by`.execute(db);
  await sql`create index notebooks_created_by on notebooks (team_id, created_by_id, deleted, visibility, last_modified_at)`.execute(
    db,
  );
  await sql`drop index notebooks_last_modified_by`.execute(db);
  await sql`create index notebooks_last_modified_by on notebooks (team_id, last_modified_by_id, deleted, visibility, last_modified_at)`.execute(
    db,
  );
}
