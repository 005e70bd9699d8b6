import { type Kysely, sql } from 'kysely';
import type { Engine } from '../dialect.ts';

// PostgreSQL only (SQLite keeps its own derived tables, see 0001): the search and contains
// filters read columns the database derives on write instead of recomputing per listed row.
//
//   search_title, search_text   to_tsvector('english', coalesce(…, '')) of title and text_content,
//                               PostHog's search expression stored, so a list ordered by
//                               last_modified_at no longer runs to_tsvector on every row it walks.
//   content_facts               what `content->'content' @> structure` can ever ask of a notebook
//                               (the structures parseContains builds, see notebooks/content.ts),
//                               a few bytes instead of the whole document for the index recheck:
//                                 t   types starting "ph-" of the top-level object nodes
//                                 i   string or number attrs.id of top-level nodes
//                                 q   string or number attrs.query.shortId of top-level nodes
//                                     whose attrs.query.kind is "SavedInsightNode"
//                                 ct  types starting "ph-" of object children in a top-level
//                                     node's "content" array
//                                 cr  string or number attrs.sessionRecordingId of those children
//                               NULL exactly when content->'content' is NULL, so the NULL rules of
//                               PostHog's expressions carry over; `[{"type": X}]` becomes
//                               `{"t": [X]}` (dialect.ts), jsonb equality of the values included.
//
// The generated columns are computed once per write, and only when title, text_content or
// content change. A text_content whose tsvector exceeds PostgreSQL's 1 MB is refused on write,
// as the expression index refused it before.
const NODE = '@.type() == "object"';
const SCALAR = (path: string) => `(${path}.type() == "string" || ${path}.type() == "number")`;
const TOP = `strict $.content[*] ? (${NODE}`;
const CHILDREN = `${TOP} && @.content.type() == "array").content[*] ? (${NODE}`;
const FACT_PATHS = {
  t: `${TOP} && @.type.type() == "string" && @.type starts with "ph-").type`,
  i: `${TOP} && @.attrs.type() == "object" && ${SCALAR('@.attrs.id')}).attrs.id`,
  q: `${TOP} && @.attrs.type() == "object" && @.attrs.query.type() == "object" && @.attrs.query.kind == "SavedInsightNode" && ${SCALAR('@.attrs.query.shortId')}).attrs.query.shortId`,
  ct: `${CHILDREN} && @.type.type() == "string" && @.type starts with "ph-").type`,
  cr: `${CHILDREN} && @.attrs.type() == "object" && ${SCALAR('@.attrs.sessionRecordingId')}).attrs.sessionRecordingId`,
};

/**
 * The generation expression of content_facts (jsonb_set, since jsonb_build_object is only
 * stable); exported for the test that checks the filter against PostHog's `@>`.
 */
export const CONTENT_FACTS_EXPRESSION = sql`case when content -> 'content' is null then null else ${Object.entries(
  FACT_PATHS,
).reduce(
  (object, [key, path]) =>
    sql`jsonb_set(${object}, ${sql.lit(`{${key}}`)}, jsonb_path_query_array(content, ${sql.lit(path)}::jsonpath, '{}', true))`,
  sql`'{}'::jsonb`,
)} end`;

export async function up(db: Kysely<unknown>, engine: Engine): Promise<void> {
  if (engine !== 'postgres') return;
  await sql`alter table notebooks
    add column search_title tsvector generated always as (to_tsvector('english', coalesce(title, ''))) stored,
    add column search_text tsvector generated always as (to_tsvector('english', coalesce(text_content, ''))) stored,
    add column content_facts jsonb generated always as (${CONTENT_FACTS_EXPRESSION}) stored`.execute(db);
  await sql`drop index notebooks_search_title`.execute(db);
  await sql`drop index notebooks_search_text`.execute(db);
  await sql`drop index notebooks_contains`.execute(db);
  await sql`create index notebooks_search_title on notebooks using gin (search_title)`.execute(db);
  await sql`create index notebooks_search_text on notebooks using gin (search_text)`.execute(db);
  await sql`create index notebooks_content_facts on notebooks using gin (content_facts jsonb_path_ops)`.execute(db);
  await sql`analyze notebooks`.execute(db);
}
