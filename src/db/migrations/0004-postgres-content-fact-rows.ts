import { type Kysely, sql } from 'kysely';
import type { Engine } from '../dialect.ts';

// PostgreSQL only. Counting a contains list from content_facts' GIN index still visits every
// match in the heap (the index rechecks, and deleted/visibility live in the row): 11,757
// matches cost ~50 ms. One row per (notebook, fact), kept by a trigger, lets the count read
// a btree alone (see dialect.ts listedContainsCount). A fact is `<key>:s:<string>` or
// `<key>:n:<number>` (notebook_fact_key), the number in numeric's canonical text, so that facts
// are equal exactly when the jsonb values of content_facts are (1 and 1.0 alike, "1" apart).
/**
 * The rows of every notebook at once, as the trigger writes them one notebook at a time (also
 * bench/seed.ts's bulk load).
 */
export const FILL_CONTENT_FACT_ROWS = `insert into notebook_content_fact_rows (team_id, fact, listed, notebook_id)
    select distinct n.team_id, notebook_fact_key(f.key, v.value), not n.deleted and n.visibility = 'default', n.id
    from notebooks as n
    cross join lateral jsonb_each(n.content_facts) as f
    cross join lateral jsonb_array_elements(f.value) as v`;

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  if (engine !== 'postgres') return;
  await sql`create function notebook_fact_key(key text, value jsonb) returns text
    language sql immutable strict parallel safe
    as $$ select key || ':' || case jsonb_typeof(value)
      when 'string' then 's:' || (value #>> '{}')
      else 'n:' || trim_scale((value #>> '{}')::numeric)::text
    end $$`.execute(db);

  await sql`create table notebook_content_fact_rows (
    team_id integer not null,
    fact text not null,
    -- not deleted and of default visibility: what the list shows
    listed boolean not null,
    notebook_id uuid not null references notebooks(id) on delete cascade,
    primary key (team_id, fact, listed, notebook_id)
  )`.execute(db);
  await sql`create index notebook_content_fact_rows_notebook on notebook_content_fact_rows (notebook_id)`.execute(db);

  await sql`create function notebooks_write_content_fact_rows() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' then
        if new.content_facts is not distinct from old.content_facts and new.deleted = old.deleted
           and new.visibility = old.visibility and new.team_id = old.team_id then
          return null;
        end if;
        delete from notebook_content_fact_rows where notebook_id = old.id;
      end if;
      insert into notebook_content_fact_rows (team_id, fact, listed, notebook_id)
        select distinct new.team_id, notebook_fact_key(f.key, v.value), not new.deleted and new.visibility = 'default', new.id
        from jsonb_each(new.content_facts) as f cross join lateral jsonb_array_elements(f.value) as v;
      return null;
    end
  $$`.execute(db);
  await sql`create trigger notebooks_content_fact_rows after insert or update on notebooks
    for each row execute function notebooks_write_content_fact_rows()`.execute(db);

  await sql.raw(FILL_CONTENT_FACT_ROWS).execute(db);
  await sql`analyze notebook_content_fact_rows`.execute(db);
}
