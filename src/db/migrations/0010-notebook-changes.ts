import { type Kysely, sql } from 'kysely';
import type { Engine } from '../dialect.ts';

// Every notebook write now counts itself in its project's row of notebook_counts (`changes`),
// stamps the notebook with that number (`change_seq`: its ETag's basis) and records what changed
// in notebook_changes, keyed by that count, all in the write's own transaction.
// The row lock on the counter orders a project's writes by commit, so the count is exact: a list
// page cached under a project's count is still the answer while the count is the same, whatever
// other projects write, and a change stream that has read up to a count has missed nothing
// before it.
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const pg = engine === 'postgres';
  const counter = pg ? sql`bigint` : sql`integer`;
  const timestamp = pg ? sql`timestamptz` : sql`text`;
  const json = pg ? sql`jsonb` : sql`text`;
  await sql`alter table notebook_counts add column changes ${counter} not null default 0`.execute(db);
  await sql`alter table notebooks add column change_seq ${counter} not null default 0`.execute(db);
  await sql`create table notebook_changes (
    team_id integer not null,
    seq ${counter} not null,
    kind text not null,
    short_id text not null,
    version integer not null,
    title text,
    last_modified_at ${timestamp} not null,
    last_modified_by_id integer,
    changed_fields ${json} not null,
    primary key (team_id, seq)
  )${pg ? sql`` : sql` without rowid`}`.execute(db);
}
