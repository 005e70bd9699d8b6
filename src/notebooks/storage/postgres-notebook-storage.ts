import { type CompiledQuery, type RawBuilder, type SqlBool, sql } from 'kysely';
import { renderJsonbText } from '../../compat/python-json-text.ts';
import type { JsonValue } from '../../json/json-value.ts';
import { containsTestFacts } from '../contains/contains-facts.ts';
import type { ContainsTest } from '../contains/contains-grammar.ts';
import type { NotebookStorage } from './notebook-storage.ts';

// PostgreSQL stores content as jsonb, searches with PostHog's own expressions (to_tsvector in
// generated columns behind GIN indexes that hold the project as a second column) and answers
// `contains` from a generated jsonb of the facts `content -> 'content' @>` can test, with a
// trigger-kept table of (project, fact, listed) rows for counts. The database derives all of
// them itself: a write touches none.

/**
 * The (key, value) pairs of content_facts (migration 0002) that a test needs: its facts (see
 * containsTestFacts), `t:ph-recording` as ['t', 'ph-recording'], numbers as numbers.
 */
function contentFactPairs(test: ContainsTest): [string, JsonValue][] {
  return containsTestFacts(test).map((fact) => {
    const [, key, rest] = /^([a-z]+):(.*)$/s.exec(fact) ?? [];
    return [key, key === 't' || key === 'ct' ? rest : rest.startsWith('s:') ? rest.slice(2) : Number(rest.slice(2))];
  });
}

/** What content_facts must contain for a test to hold, as `{"t": ["ph-recording"], "i": ["abc"]}`. */
function contentFactsWanted(test: ContainsTest): string {
  const wanted: Record<string, JsonValue[]> = {};
  for (const [key, value] of contentFactPairs(test)) {
    wanted[key] ??= [];
    wanted[key].push(value);
  }
  return JSON.stringify(wanted);
}

/**
 * A timestamptz as formatDateTime writes it (Python's isoformat in UTC with "Z": microseconds
 * only when non-zero).
 */
function postgresApiTimestamp(column: string): RawBuilder<string> {
  const utc = sql.raw(`${column} at time zone 'UTC'`);
  return sql<string>`(to_char(${utc}, 'YYYY-MM-DD"T"HH24:MI:SS') || case when extract(microseconds from ${utc})::bigint % 1000000 = 0 then 'Z' else '.' || to_char(${utc}, 'US') || 'Z' end)`;
}

export const postgresNotebookStorage: NotebookStorage = {
  storeContent: (jsonbText) => jsonbText,
  contentColumn: sql`content::text`,
  readContent: (value) => (value === null || value === undefined ? null : renderJsonbText(value as string)),
  // content::text is PostgreSQL's own jsonb text.
  contentJsonbText: (value) => (value === null || value === undefined ? null : (value as string)),
  listItemHead: sql<string>`('{"id":' || to_json(id)::text || ',"short_id":' || to_json(short_id)::text || ',"title":' || coalesce(to_json(title)::text, 'null') || ',"deleted":' || case when deleted then 'true' else 'false' end || ',"created_at":"' || ${postgresApiTimestamp('created_at')} || '","created_by":')`,
  listItemMid: sql<string>`(',"last_modified_at":"' || ${postgresApiTimestamp('last_modified_at')} || '","last_modified_by":')`,
  bodyContentColumn: sql`content::text`,
  readBodyContent: (value) => (value === null || value === undefined ? null : renderJsonbText(value as string)),
  bodyTextContentColumn: sql`coalesce(to_json(text_content)::text, 'null')`,
  readBodyTextContent: (value) => value as string,
  listKeyColumn: sql<null>`null`,
  async nextListKey() {
    return undefined;
  },
  async searchPageFilter() {
    return undefined;
  },
  searchFilter(value, teamId) {
    // PostHog's expression, its to_tsvector stored in generated columns (migration 0002), each
    // asked together with the project, which the search indexes hold as their second column
    // (migration 0009): the index yields the project's matches alone.
    const project = sql<SqlBool>`array[team_id] @> array[${teamId}::integer]`;
    return sql<SqlBool>`((search_title @@ plainto_tsquery('english', ${value}) and ${project}) or (search_text @@ plainto_tsquery('english', ${value}) and ${project}))`;
  },
  containsFilter(test) {
    // PostHog's `content -> 'content' @> structure` asked of the generated content_facts
    // (migration 0002): the same answer, NULL included, without reading the document.
    const wanted = sql`${contentFactsWanted(test)}::jsonb`;
    if (test.kind === 'absent') return sql<SqlBool>`not (content_facts @> ${wanted} and content is not null)`;
    return sql<SqlBool>`content_facts @> ${wanted}`;
  },
  async listedContainsCount(db, teamId, tests) {
    if (tests.length === 0 || tests.some((test) => test.kind === 'absent')) return undefined;
    // From notebook_content_fact_rows alone (migration 0004): an id, shortId or recording fact
    // (a few rows) drives when there is one, a node type (thousands) otherwise; the other facts
    // are probed per driving row through the primary key.
    const pairs = [...new Map(tests.flatMap(contentFactPairs).map((pair) => [JSON.stringify(pair), pair])).values()];
    const driverAt = Math.max(
      0,
      pairs.findIndex(([key]) => key !== 't' && key !== 'ct'),
    );
    const fact = ([key, value]: [string, JsonValue]) => sql`notebook_fact_key(${key}, ${JSON.stringify(value)}::jsonb)`;
    const probes = pairs
      .filter((_, at) => at !== driverAt)
      .map(
        (pair) =>
          sql`and exists (select 1 from notebook_content_fact_rows p where p.team_id = ${teamId} and p.fact = ${fact(pair)} and p.listed and p.notebook_id = f.notebook_id)`,
      );
    const row = await sql<{ n: number }>`select count(*) as n from notebook_content_fact_rows f
      where f.team_id = ${teamId} and f.fact = ${fact(pairs[driverAt])} and f.listed ${sql.join(probes, sql` `)}`.execute(
      db,
    );
    return Number(row.rows[0]?.n ?? 0);
  },
  async listedSearchCount() {
    return undefined;
  },
  async indexNotebook() {
    // PostgreSQL derives its search and contains columns and fact rows itself (migrations 0002, 0004).
  },
  plan: {
    drivesFromMatches: false,
    searchInOneQuery: true,
    listedRowsFromMatches: (teamId) =>
      sql<SqlBool>`team_id = ${teamId} and deleted = ${false} and visibility = ${'default'}`,
    steer: <O>(query: CompiledQuery<O>) => query,
  },
  bulkLoad: {
    // Generated columns and the fact-rows trigger derive everything as each row is inserted.
    start: async () => 0,
    async finish() {},
  },
};

/**
 * Every notebook's fact rows at once, as the trigger writes them one notebook at a time: a bulk
 * load inserts the notebooks with the trigger off and fills the rows in one statement.
 */
export const FILL_CONTENT_FACT_ROWS = `insert into notebook_content_fact_rows (team_id, fact, listed, notebook_id)
    select distinct n.team_id, notebook_fact_key(f.key, v.value), not n.deleted and n.visibility = 'default', n.id
    from notebooks as n
    cross join lateral jsonb_each(n.content_facts) as f
    cross join lateral jsonb_array_elements(f.value) as v`;
