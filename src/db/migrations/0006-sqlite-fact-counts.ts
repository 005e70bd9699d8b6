import { type Kysely, sql } from 'kysely';
import type { Engine } from '../dialect.ts';

// SQLite only: the number of listed notebooks of each project holding each contains fact, kept
// by triggers on notebook_content_facts. A presence test such as `contains=recording:true`
// (one fact) is then counted with one row read, however many notebooks embed a recording; the
// list page itself is found by walking the list index (notebooks.repository.ts).
export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  if (engine !== 'sqlite') return;
  await sql`create table notebook_fact_counts (
    team_id integer not null,
    fact text not null,
    listed integer not null,
    primary key (team_id, fact)
  ) without rowid`.execute(db);
  await sql`insert into notebook_fact_counts (team_id, fact, listed)
    select team_id, fact, count(*) from notebook_content_facts where listed = 1 group by team_id, fact`.execute(db);
  await sql`create trigger notebook_content_facts_counted_insert after insert on notebook_content_facts when new.listed = 1 begin
    insert into notebook_fact_counts (team_id, fact, listed) values (new.team_id, new.fact, 1)
      on conflict (team_id, fact) do update set listed = listed + 1;
  end`.execute(db);
  await sql`create trigger notebook_content_facts_counted_delete after delete on notebook_content_facts when old.listed = 1 begin
    update notebook_fact_counts set listed = listed - 1 where team_id = old.team_id and fact = old.fact;
  end`.execute(db);
  await sql`create trigger notebook_content_facts_counted_update after update of listed on notebook_content_facts when old.listed <> new.listed begin
    insert into notebook_fact_counts (team_id, fact, listed) values (new.team_id, new.fact, new.listed - old.listed)
      on conflict (team_id, fact) do update set listed = listed + (new.listed - old.listed);
  end`.execute(db);
}
