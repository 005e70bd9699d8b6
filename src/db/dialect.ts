import { CompiledQuery, sql, type Expression, type Kysely, type RawBuilder, type SqlBool, type Transaction } from 'kysely';
import type { Database, DbBoolean, DbTimestamp } from './schema.ts';
import type { JsonValue } from '../json/json-value.ts';
import { containsFacts, containsTestFacts } from '../notebooks/contains/contains-facts.ts';
import type { ContainsTest } from '../notebooks/contains/contains-grammar.ts';
import { lexemes } from '../notebooks/search-text.ts';
import { renderJsonbText } from '../compat/python-json-text.ts';
import { LIST_KEY_SLOTS, listKeyBucket, searchDocument, searchTerm } from './migrations/0008-sqlite-search-in-list-order.ts';
import { SQLITE_LIST_ITEM_HEAD, SQLITE_LIST_ITEM_MID } from './migrations/0007-sqlite-rendered-list-items.ts';

export type Engine = 'sqlite' | 'postgres';
type Executor = Kysely<Database> | Transaction<Database>;

/** The searchable and containable parts of a notebook, as written. */
export interface NotebookIndexInput {
  id: string;
  teamId: number;
  title: string | null;
  textContent: string | null;
  content: JsonValue | undefined;
  /** Not deleted and of default visibility: what the list shows. */
  listed: boolean;
  /** SQLite's row key when the caller has it (an insert does); otherwise it is looked up by id. */
  seq?: number;
  /** SQLite's list key after the write (Dialect.nextListKey), and before it (an update). */
  listKey?: number;
  previousListKey?: number | null;
}

/** Which derived indexes a write touches: a new row needs both. */
export interface IndexChanges {
  isNew: boolean;
  /** title or text_content changed */
  search: boolean;
  /** content changed */
  contains: boolean;
  /** `listed` changed (a soft delete or a restore) */
  listed: boolean;
}

/**
 * How SQLite should use a search or contains index (PostgreSQL plans for itself):
 * `drive`: the matches are the rows to read (few matches; the caller looks them up);
 * `probe`: the list index is walked in order and each row is tested (many matches: a page is
 * found long before the matches are exhausted).
 */
export type MatchPlan = 'drive' | 'probe';

/**
 * Every difference between SQLite and PostgreSQL lives here: value encodings (timestamps,
 * booleans, JSON), full-text search and JSON containment. Everything else is portable Kysely.
 */
export interface Dialect {
  readonly engine: Engine;
  timestamp(value: Date): DbTimestamp;
  readTimestamp(value: DbTimestamp): Date;
  readBoolean(value: DbBoolean): boolean;
  json(value: JsonValue | undefined): unknown;
  readJson(value: unknown): JsonValue | undefined;
  /**
   * Notebook content travels as text (see notebooks/content-text.ts): written from its jsonb
   * text, selected with `contentColumn`, read back as the JSON PostHog answers with.
   */
  storeContent(jsonbText: string | null): unknown;
  readonly contentColumn: RawBuilder<unknown>;
  readContent(value: unknown): string | null;
  /** The content for a response body: SQLite's stored bytes, never decoded; else the text. */
  readonly bodyContentColumn: RawBuilder<unknown>;
  readBodyContent(value: unknown): string | Uint8Array | null;
  /** text_content for a response body, as JSON (a string literal or null): SQLite's bytes, else the text. */
  readonly bodyTextContentColumn: RawBuilder<unknown>;
  readBodyTextContent(value: unknown): string | Uint8Array;
  /**
   * A list item's JSON as the database renders it from the row (the list hot path, issue 3):
   * `listItemHead` runs from `{"id":` to `"created_by":`, `listItemMid` from
   * `,"last_modified_at":` to `"last_modified_by":`; the presenter splices the users in
   * (notebooks.presenters.ts presentNotebookListItem). SQLite reads both from its list indexes
   * (migration 0007).
   */
  readonly listItemHead: RawBuilder<string>;
  readonly listItemMid: RawBuilder<string>;
  /** SQLite's list key of a row (migration 0008): `null` on PostgreSQL. */
  readonly listKeyColumn: RawBuilder<number | null>;
  /**
   * The list key a write gives a notebook last modified at `lastModifiedAt`: a free slot of its
   * millisecond's bucket (SQLite); undefined on PostgreSQL, which keeps none.
   */
  nextListKey(db: Executor, lastModifiedAt: Date): Promise<number | undefined>;
  /**
   * A search filter for one page in last_modified_at order (descending unless told): the matches
   * that can be on it, read from the search index in list order (SQLite, migration 0008);
   * undefined where the engine has no such path.
   */
  searchPageFilter(db: Executor, value: string, teamId: number, descending: boolean, page: { limit: number; offset: number }): Promise<Expression<SqlBool> | undefined>;
  /** title OR text_content matches all lexemes (the caller skips the filter for none). */
  searchFilter(value: string, teamId: number, plan?: MatchPlan): Expression<SqlBool>;
  containsFilter(test: ContainsTest, teamId: number, plan?: MatchPlan): Expression<SqlBool>;
  /**
   * The number of listed notebooks of a project that pass every test, counted from a derived
   * index alone where the engine keeps one (SQLite's facts, PostgreSQL's fact rows); undefined: count with the filter.
   */
  listedContainsCount(db: Executor, teamId: number, tests: ContainsTest[]): Promise<number | undefined>;
  /** The same for a search (SQLite counts its FTS5 matches alone); undefined: count with the filter. */
  listedSearchCount(db: Executor, teamId: number, value: string): Promise<number | undefined>;
  /** Keeps the engine's derived search and contains indexes in step with a notebook write. */
  indexNotebook(db: Executor, notebook: NotebookIndexInput, changed: IndexChanges): Promise<void>;
  /** After inserting an explicit id into an identity column, moves its sequence past it. */
  syncIdentity(db: Executor, table: 'projects' | 'users'): Promise<void>;
  /**
   * A value that changes whenever anything is committed to the database, by any connection or
   * process (the list cache's validator, http/response-cache.ts); null where the engine cannot
   * tell. Read it before the data it validates: data read after it is at least as new.
   */
  commitState(db: Kysely<Database>): Promise<string | null>;
}

// PostgreSQL: the current snapshot (xmin:xmax:in-progress xids). A commit or abort anywhere in
// the cluster either leaves the in-progress list or moves xmax, so an unchanged snapshot means
// no transaction has finished since, and the same rows are visible.
const POSTGRES_COMMIT_STATE = CompiledQuery.raw('select pg_current_snapshot()::text as state');
// SQLite: data_version changes when another connection (or process) commits; total_changes()
// counts this connection's own row changes, rolled back ones included.
const SQLITE_COMMIT_STATE = CompiledQuery.raw("select total_changes() || ':' || data_version as state from pragma_data_version");

const unsupportedCommitStates = new Set<CompiledQuery>();

async function readCommitState(db: Kysely<Database>, query: CompiledQuery): Promise<string | null> {
  if (unsupportedCommitStates.has(query)) return null;
  try {
    const result = await db.executeQuery<{ state: unknown }>(query);
    const state = result.rows[0]?.state;
    return typeof state === 'string' ? state : null;
  } catch (error) {
    // An engine that speaks PostgreSQL's protocol without pg_current_snapshot (undefined_function):
    // nothing is cached from then on. Any other failure leaves this request uncached.
    if ((error as { code?: unknown } | null)?.code === '42883') unsupportedCommitStates.add(query);
    return null;
  }
}

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
  for (const [key, value] of contentFactPairs(test)) (wanted[key] ??= []).push(value);
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

const postgres: Dialect = {
  engine: 'postgres',
  timestamp: (value) => value,
  readTimestamp: (value) => (value instanceof Date ? value : new Date(value)),
  readBoolean: (value) => value === true || value === 1,
  // None is SQL NULL in Django's JSONField(null=True), never JSON null: `contains=x:false` keeps NULL content.
  json: (value) => (value === undefined || value === null ? null : JSON.stringify(value)),
  readJson: (value) => (value === null ? null : (value as JsonValue)),
  storeContent: (jsonbText) => jsonbText,
  contentColumn: sql`content::text`,
  readContent: (value) => (value === null || value === undefined ? null : renderJsonbText(value as string)),
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
    const driverAt = Math.max(0, pairs.findIndex(([key]) => key !== 't' && key !== 'ct'));
    const fact = ([key, value]: [string, JsonValue]) => sql`notebook_fact_key(${key}, ${JSON.stringify(value)}::jsonb)`;
    const probes = pairs
      .filter((_, at) => at !== driverAt)
      .map((pair) => sql`and exists (select 1 from notebook_content_fact_rows p where p.team_id = ${teamId} and p.fact = ${fact(pair)} and p.listed and p.notebook_id = f.notebook_id)`);
    const row = await sql<{ n: number }>`select count(*) as n from notebook_content_fact_rows f
      where f.team_id = ${teamId} and f.fact = ${fact(pairs[driverAt])} and f.listed ${sql.join(probes, sql` `)}`.execute(db);
    return Number(row.rows[0]?.n ?? 0);
  },
  async listedSearchCount() {
    return undefined;
  },
  async indexNotebook() {
    // PostgreSQL derives its search and contains columns and fact rows itself (migrations 0002, 0004).
  },
  async syncIdentity(db, table) {
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), (select max(id) from ${sql.table(table)}))`.execute(db);
  },
  commitState: (db) => readCommitState(db, POSTGRES_COMMIT_STATE),
};

const sqlite: Dialect = {
  engine: 'sqlite',
  timestamp: (value) => value.toISOString(),
  readTimestamp: (value) => (value instanceof Date ? value : new Date(value)),
  readBoolean: (value) => value === true || value === 1,
  json: (value) => (value === undefined || value === null ? null : JSON.stringify(value)),
  readJson: (value) => (value === null || value === undefined ? null : (JSON.parse(value as string) as JsonValue)),
  // SQLite keeps the rendered form, so a retrieve sends the stored text as it is.
  storeContent: (jsonbText) => (jsonbText === null ? null : renderJsonbText(jsonbText)),
  contentColumn: sql`content`,
  readContent: (value) => (value === null || value === undefined ? null : (value as string)),
  // The stored text is already the answer's bytes: a blob skips decoding and re-encoding it.
  bodyContentColumn: sql`cast(content as blob)`,
  listItemHead: sql.raw<string>(SQLITE_LIST_ITEM_HEAD),
  listItemMid: sql.raw<string>(SQLITE_LIST_ITEM_MID),
  readBodyContent: (value) => (value === null || value === undefined ? null : (value as Uint8Array)),
  // json_quote escapes exactly as JSON.stringify does (test/notebooks/list-rendering.test.ts).
  bodyTextContentColumn: sql`cast(json_quote(text_content) as blob)`,
  readBodyTextContent: (value) => value as Uint8Array,
  listKeyColumn: sql<number | null>`list_key`,
  async nextListKey(db, lastModifiedAt) {
    const bucket = listKeyBucket(lastModifiedAt);
    const row = await sql<{ top: number | null }>`select max(list_key) as top from notebooks where list_key >= ${bucket} and list_key < ${bucket + LIST_KEY_SLOTS}`.execute(db);
    const top = row.rows[0]?.top;
    const key = top === null || top === undefined ? bucket : Number(top) + 1;
    if (key >= bucket + LIST_KEY_SLOTS) throw new Error(`more than ${LIST_KEY_SLOTS} notebooks written in the millisecond ${lastModifiedAt.toISOString()}`);
    return key;
  },
  async searchPageFilter(db, value, teamId, descending, page) {
    const match = searchMatch(value, teamId);
    const direction = descending ? sql`desc` : sql`asc`;
    // FTS5 walks the posting lists in list-key order: the page's offset + limit matches, and one
    // more to tell whether the bucket (millisecond) of the last of them goes on.
    const wanted = page.offset + page.limit;
    const first = await sql<{ key: number }>`select rowid as key from notebook_search where notebook_search match ${match} order by rowid ${direction} limit ${wanted + 1}`.execute(db);
    let keys = first.rows.map((row) => Number(row.key));
    const bucketOf = (key: number) => key - (key % LIST_KEY_SLOTS);
    if (keys.length > wanted && bucketOf(keys[wanted]) === bucketOf(keys[wanted - 1])) {
      // The notebooks of the last one's millisecond are ordered by id, not by key: take them all.
      const edge = bucketOf(keys[wanted - 1]);
      const rest = descending
        ? sql<{ key: number }>`select rowid as key from notebook_search where notebook_search match ${match} and rowid >= ${edge}`
        : sql<{ key: number }>`select rowid as key from notebook_search where notebook_search match ${match} and rowid < ${edge + LIST_KEY_SLOTS}`;
      keys = (await rest.execute(db)).rows.map((row) => Number(row.key));
    } else {
      keys = keys.slice(0, wanted);
    }
    return sql<SqlBool>`list_key in (select value from json_each(${JSON.stringify(keys)}))`;
  },
  searchFilter(value, teamId, plan = 'drive') {
    const match = searchMatch(value, teamId);
    // Probing: the unary "+" keeps SQLite from fetching the matches by list key (and sorting them
    // all); it walks the list index and checks each row against the matches' bloom filter.
    if (plan === 'probe') return sql<SqlBool>`+list_key in (select rowid from notebook_search where notebook_search match ${match})`;
    return sql<SqlBool>`list_key in (select rowid from notebook_search where notebook_search match ${match})`;
  },
  containsFilter(test, teamId, plan = 'drive') {
    const has = (fact: string) =>
      sql<SqlBool>`seq in (select seq from notebook_content_facts where team_id = ${teamId} and fact = ${fact})`;
    const all = (facts: string[]) => sql.join(facts.map(has), sql` and `);
    if (test.kind === 'absent') {
      // PostHog: not (content->'content' @> presence and content is not null), where a
      // non-null content without a "content" key makes the whole expression null (dropped).
      return sql<SqlBool>`(content is null or (${has('has-content')} and not (${all(containsTestFacts(test))})))`;
    }
    // The last fact is the most selective (an id rather than a node type): it drives, and the
    // others are probed per match through the (seq, team_id, fact) index — counting 20 matches
    // must not walk the thousands of notebooks that merely embed a recording.
    const facts = containsTestFacts(test);
    if (plan === 'probe') {
      // One primary-key probe per fact and listed row walked (an IN list would first gather
      // every match, thousands for recording:true).
      const probe = (fact: string) =>
        sql<SqlBool>`exists (select 1 from notebook_content_facts p where p.team_id = ${teamId} and p.fact = ${fact} and p.seq = notebooks.seq)`;
      return sql<SqlBool>`(${sql.join(facts.map(probe), sql` and `)})`;
    }
    const driver = facts[facts.length - 1];
    const probes = facts
      .slice(0, -1)
      .map((fact) => sql`and exists (select 1 from notebook_content_facts p where p.seq = f.seq and p.team_id = ${teamId} and p.fact = ${fact})`);
    return sql<SqlBool>`seq in (select f.seq from notebook_content_facts f where f.team_id = ${teamId} and f.fact = ${driver} ${sql.join(probes, sql` `)})`;
  },
  async listedSearchCount(db, teamId, value) {
    // notebook_search holds listed notebooks only, their terms scoped by project (migrations 0005, 0008).
    const row = await sql<{ n: number }>`select count(*) as n from notebook_search where notebook_search match ${searchMatch(value, teamId)}`.execute(db);
    return Number(row.rows[0]?.n ?? 0);
  },
  async listedContainsCount(db, teamId, tests) {
    if (tests.length === 0 || tests.some((test) => test.kind === 'absent')) return undefined;
    // As in containsFilter, the most selective fact (the last one named) drives and the others
    // are probed; `listed` stands in for the notebooks row, which is never read.
    const facts = [...new Set(tests.flatMap((test) => containsTestFacts(test)))];
    if (facts.length === 1) {
      // One fact (a presence test): its count is kept by triggers (migration 0006).
      const kept = await sql<{ n: number }>`select listed as n from notebook_fact_counts where team_id = ${teamId} and fact = ${facts[0]}`.execute(db);
      return Number(kept.rows[0]?.n ?? 0);
    }
    const driver = facts[facts.length - 1];
    const probes = facts
      .slice(0, -1)
      .map((fact) => sql`and exists (select 1 from notebook_content_facts p where p.seq = f.seq and p.team_id = ${teamId} and p.fact = ${fact})`);
    const row = await sql<{ n: number }>`select count(*) as n from notebook_content_facts f
      where f.team_id = ${teamId} and f.fact = ${driver} and f.listed = 1 ${sql.join(probes, sql` `)}`.execute(db);
    return Number(row.rows[0]?.n ?? 0);
  },
  async indexNotebook(db, notebook, changed) {
    let seq = notebook.seq;
    if (seq === undefined) {
      const row = await sql<{ seq: number }>`select seq from notebooks where id = ${notebook.id}`.execute(db);
      seq = row.rows[0]?.seq;
    }
    if (seq === undefined) return;
    // notebook_search holds a notebook while it is listed (migration 0005), keyed by its list key
    // (0008), which every write moves.
    const wasListed = changed.isNew ? false : changed.listed ? !notebook.listed : notebook.listed;
    const rekeyed = notebook.listKey !== undefined && notebook.listKey !== notebook.previousListKey;
    if (changed.isNew || changed.search || changed.listed || rekeyed) {
      if (wasListed && notebook.previousListKey !== undefined && notebook.previousListKey !== null) {
        await sql`delete from notebook_search where rowid = ${notebook.previousListKey}`.execute(db);
      }
      const listKey = notebook.listKey ?? notebook.previousListKey;
      if (notebook.listed && listKey !== undefined && listKey !== null) {
        await sql`insert into notebook_search (rowid, title, text_content)
          values (${listKey}, ${searchDocument(notebook.teamId, notebook.title)}, ${searchDocument(notebook.teamId, notebook.textContent)})`.execute(db);
      }
    }
    const listed = notebook.listed ? 1 : 0;
    if (changed.isNew || changed.contains) {
      // An edit seldom changes which node types and ids a document holds: write the difference.
      let facts = containsFacts(notebook.content);
      if (!changed.isNew) {
        const stored = await sql<{ fact: string }>`select fact from notebook_content_facts where seq = ${seq}`.execute(db);
        const wanted = new Set(facts);
        const gone = stored.rows.map((row) => row.fact).filter((fact) => !wanted.has(fact));
        const kept = new Set(stored.rows.map((row) => row.fact));
        facts = facts.filter((fact) => !kept.has(fact));
        if (gone.length > 0) await sql`delete from notebook_content_facts where seq = ${seq} and team_id = ${notebook.teamId} and fact in (${sql.join(gone)})`.execute(db);
        if (changed.listed) await sql`update notebook_content_facts set listed = ${listed} where seq = ${seq}`.execute(db);
      }
      if (facts.length > 0) {
        await sql`insert into notebook_content_facts (team_id, fact, seq, listed) values ${sql.join(facts.map((fact) => sql`(${notebook.teamId}, ${fact}, ${seq}, ${listed})`))}`.execute(db);
      }
    } else if (changed.listed) {
      await sql`update notebook_content_facts set listed = ${listed} where seq = ${seq}`.execute(db);
    }
  },
  async syncIdentity() {
    // SQLite's autoincrement already continues after the largest id.
  },
  commitState: (db) => readCommitState(db, SQLITE_COMMIT_STATE),
};

/**
 * An FTS5 query: the project's listed notebooks whose title OR text_content holds every lexeme.
 * One lexeme needs no column filter (in either column is in any column), and FTS5 reads one
 * posting list instead of merging two.
 */
function searchMatch(value: string, teamId: number): string {
  const terms = lexemes(value).map((lexeme) => `"${searchTerm(teamId, lexeme)}"`);
  if (terms.length === 1) return terms[0];
  const all = terms.join(' AND ');
  return `{title} : (${all}) OR {text_content} : (${all})`;
}

export function dialectFor(engine: Engine): Dialect {
  return engine === 'postgres' ? postgres : sqlite;
}
