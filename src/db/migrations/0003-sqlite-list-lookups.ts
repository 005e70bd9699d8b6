import { type Kysely, sql } from 'kysely';
import type { Engine } from '../dialect.ts';

// SQLite only: lets `search` and `contains` count and sort their matches without reading the
// notebooks' table rows, each of which carries 1–20 KB of content (PostgreSQL's TOAST keeps those
// out of its heap rows, so it needs neither).
//   notebooks_by_seq   every list column, keyed by the row key the FTS5 and facts tables return:
//                      a match costs one lookup in a compact index instead of a content row.
//   notebook_content_facts.listed
//                      1 while the notebook is listed (not deleted, default visibility), so that
//                      the count of a `contains` filter reads the facts alone.
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  if (engine !== 'sqlite') return;
  await sql`create index notebooks_by_seq on notebooks (seq, team_id, deleted, visibility, last_modified_at, id, short_id, title, created_at, created_by_id, last_modified_by_id)`.execute(
    db,
  );
  await sql`alter table notebook_content_facts add column listed integer not null default 1`.execute(db);
  await sql`update notebook_content_facts set listed = 0
    where seq in (select seq from notebooks where deleted <> 0 or visibility <> 'default')`.execute(db);
}
