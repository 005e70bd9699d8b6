import { CompiledQuery as Compiled, type CompiledQuery, type SqlBool, sql } from 'kysely';
import { jsonbTextFromRendered, renderJsonbText } from '../../compat/python-json-text.ts';
import type { Executor } from '../../db/dialect.ts';
import type { JsonValue } from '../../json/json-value.ts';
import { containsFacts, containsTestFacts } from '../contains/contains-facts.ts';
import { lexemes } from '../search/search-text.ts';
import type { NotebookStorage } from './notebook-storage.ts';

// SQLite keeps, beside each notebook row:
// - notebook_search, an FTS5 index of the listed notebooks' English stems (Snowball, PostgreSQL's
//   stop words), each term scoped to its project (`t<project>x<lexeme>`) and each row keyed by
//   the notebook's list key, which orders like last_modified_at: a search page walks a word's
//   matches newest first and reads only the ones on it;
// - notebook_content_facts, the facts `contains` can test (contains-facts.ts), one row per
//   (project, fact, notebook) with the notebook's `listed` flag, and notebook_fact_counts, the
//   listed count per (project, fact) kept by triggers;
// - the list indexes, which also hold each list item's JSON rendered from the row (LIST_ITEM_HEAD,
//   LIST_ITEM_MID), so that a page is read from an index alone.
// Every write keeps notebook_search and notebook_content_facts in step (indexNotebook), in its
// own transaction.

/** A stored toISOString text as formatIsoTimestamp writes it, in SQL. */
const isoTimestamp = (column: string) =>
  `substr(${column}, 1, 19) || iif(substr(${column}, 21, 3) = '000', 'Z', '.' || substr(${column}, 21, 3) || '000Z')`;

// The list indexes hold these exact expressions (SQLite uses an index expression only where the
// query repeats it word for word): changing them needs a migration that rebuilds both indexes.
// json_quote escapes exactly as JSON.stringify does.
export const LIST_ITEM_HEAD =
  `('{"id":' || json_quote(id) || ',"short_id":' || json_quote(short_id) || ',"title":' || json_quote(title) || ` +
  `',"deleted":' || iif(deleted, 'true', 'false') || ',"created_at":"' || ${isoTimestamp('created_at')} || '","created_by":')`;

export const LIST_ITEM_MID = `(',"last_modified_at":"' || ${isoTimestamp('last_modified_at')} || '","last_modified_by":')`;

/**
 * Notebooks whose last_modified_at falls in one millisecond share a bucket of this many list
 * keys. SQLite commits one write at a time, so a millisecond sees a handful at most.
 */
export const LIST_KEY_SLOTS = 2048;

/** The first list key of a timestamp's bucket (ms since the epoch × LIST_KEY_SLOTS, within 2^53 until 2109). */
export function listKeyBucket(lastModifiedAt: Date): number {
  return Math.max(0, lastModifiedAt.getTime()) * LIST_KEY_SLOTS;
}

/** How a project's lexemes are written in notebook_search: `t<project>x<lexeme>`. */
export function searchTerm(teamId: number, lexeme: string): string {
  return `t${teamId}x${lexeme}`;
}

/** A field's text as notebook_search indexes it: its lexemes, each scoped to the project. */
export function searchDocument(teamId: number, text: string | null): string {
  return lexemes(text ?? '')
    .map((lexeme) => searchTerm(teamId, lexeme))
    .join(' ');
}

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

export const sqliteNotebookStorage: NotebookStorage = {
  // SQLite keeps the rendered form, so a retrieve sends the stored text as it is.
  storeContent: (jsonbText) => (jsonbText === null ? null : renderJsonbText(jsonbText)),
  contentColumn: sql`content`,
  readContent: (value) => (value === null || value === undefined ? null : (value as string)),
  contentJsonbText: (value) => (value === null || value === undefined ? null : jsonbTextFromRendered(value as string)),
  // The stored text is already the answer's bytes: a blob skips decoding and re-encoding it.
  bodyContentColumn: sql`cast(content as blob)`,
  listItemHead: sql.raw<string>(LIST_ITEM_HEAD),
  listItemMid: sql.raw<string>(LIST_ITEM_MID),
  readBodyContent: (value) => (value === null || value === undefined ? null : (value as Uint8Array)),
  // json_quote escapes exactly as JSON.stringify does (test/notebooks/list-rendering.test.ts).
  bodyTextContentColumn: sql`cast(json_quote(text_content) as blob)`,
  readBodyTextContent: (value) => value as Uint8Array,
  listKeyColumn: sql<number | null>`list_key`,
  async nextListKey(db, lastModifiedAt) {
    const bucket = listKeyBucket(lastModifiedAt);
    const row = await sql<{
      top: number | null;
    }>`select max(list_key) as top from notebooks where list_key >= ${bucket} and list_key < ${bucket + LIST_KEY_SLOTS}`.execute(
      db,
    );
    const top = row.rows[0]?.top;
    const key = top === null || top === undefined ? bucket : Number(top) + 1;
    if (key >= bucket + LIST_KEY_SLOTS)
      throw new Error(
        `more than ${LIST_KEY_SLOTS} notebooks written in the millisecond ${lastModifiedAt.toISOString()}`,
      );
    return key;
  },
  async searchPageFilter(db, value, teamId, descending, page) {
    const match = searchMatch(value, teamId);
    const direction = descending ? sql`desc` : sql`asc`;
    // FTS5 walks the posting lists in list-key order: the page's offset + limit matches, and one
    // more to tell whether the bucket (millisecond) of the last of them goes on.
    const wanted = page.offset + page.limit;
    const first = await sql<{
      key: number;
    }>`select rowid as key from notebook_search where notebook_search match ${match} order by rowid ${direction} limit ${wanted + 1}`.execute(
      db,
    );
    let keys = first.rows.map((row) => Number(row.key));
    const bucketOf = (key: number) => key - (key % LIST_KEY_SLOTS);
    if (keys.length > wanted && bucketOf(keys[wanted]) === bucketOf(keys[wanted - 1])) {
      // The notebooks of the last one's millisecond are ordered by id, not by key: take them all.
      const edge = bucketOf(keys[wanted - 1]);
      const rest = descending
        ? sql<{
            key: number;
          }>`select rowid as key from notebook_search where notebook_search match ${match} and rowid >= ${edge}`
        : sql<{
            key: number;
          }>`select rowid as key from notebook_search where notebook_search match ${match} and rowid < ${edge + LIST_KEY_SLOTS}`;
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
    if (plan === 'probe')
      return sql<SqlBool>`+list_key in (select rowid from notebook_search where notebook_search match ${match})`;
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
      .map(
        (fact) =>
          sql`and exists (select 1 from notebook_content_facts p where p.seq = f.seq and p.team_id = ${teamId} and p.fact = ${fact})`,
      );
    return sql<SqlBool>`seq in (select f.seq from notebook_content_facts f where f.team_id = ${teamId} and f.fact = ${driver} ${sql.join(probes, sql` `)})`;
  },
  async listedSearchCount(db, teamId, value) {
    // notebook_search holds listed notebooks only, their terms scoped by project (migrations 0005, 0008).
    const row = await sql<{
      n: number;
    }>`select count(*) as n from notebook_search where notebook_search match ${searchMatch(value, teamId)}`.execute(db);
    return Number(row.rows[0]?.n ?? 0);
  },
  async listedContainsCount(db, teamId, tests) {
    if (tests.length === 0 || tests.some((test) => test.kind === 'absent')) return undefined;
    // As in containsFilter, the most selective fact (the last one named) drives and the others
    // are probed; `listed` stands in for the notebooks row, which is never read.
    const facts = [...new Set(tests.flatMap((test) => containsTestFacts(test)))];
    if (facts.length === 1) {
      // One fact (a presence test): its count is kept by triggers (migration 0006).
      const kept = await sql<{
        n: number;
      }>`select listed as n from notebook_fact_counts where team_id = ${teamId} and fact = ${facts[0]}`.execute(db);
      return Number(kept.rows[0]?.n ?? 0);
    }
    const driver = facts[facts.length - 1];
    const probes = facts
      .slice(0, -1)
      .map(
        (fact) =>
          sql`and exists (select 1 from notebook_content_facts p where p.seq = f.seq and p.team_id = ${teamId} and p.fact = ${fact})`,
      );
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
          values (${listKey}, ${searchDocument(notebook.teamId, notebook.title)}, ${searchDocument(notebook.teamId, notebook.textContent)})`.execute(
          db,
        );
      }
    }
    const listed = notebook.listed ? 1 : 0;
    if (changed.isNew || changed.contains) {
      // An edit seldom changes which node types and ids a document holds: write the difference.
      let facts = containsFacts(notebook.content);
      if (!changed.isNew) {
        const stored = await sql<{ fact: string }>`select fact from notebook_content_facts where seq = ${seq}`.execute(
          db,
        );
        const wanted = new Set(facts);
        const gone = stored.rows.map((row) => row.fact).filter((fact) => !wanted.has(fact));
        const kept = new Set(stored.rows.map((row) => row.fact));
        facts = facts.filter((fact) => !kept.has(fact));
        if (gone.length > 0)
          await sql`delete from notebook_content_facts where seq = ${seq} and team_id = ${notebook.teamId} and fact in (${sql.join(gone)})`.execute(
            db,
          );
        if (changed.listed)
          await sql`update notebook_content_facts set listed = ${listed} where seq = ${seq}`.execute(db);
      }
      if (facts.length > 0) {
        await sql`insert into notebook_content_facts (team_id, fact, seq, listed) values ${sql.join(facts.map((fact) => sql`(${notebook.teamId}, ${fact}, ${seq}, ${listed})`))}`.execute(
          db,
        );
      }
    } else if (changed.listed) {
      await sql`update notebook_content_facts set listed = ${listed} where seq = ${seq}`.execute(db);
    }
  },
  plan: {
    drivesFromMatches: true,
    searchInOneQuery: false,
    // The unary "+" disqualifies these terms from index use: SQLite starts from the rows the
    // search or contains matches name instead of walking the project's whole list index.
    listedRowsFromMatches: (teamId) =>
      sql<SqlBool>`+team_id = ${teamId} and +deleted = ${false} and +visibility = ${'default'}`,
    steer: (query, fromMatches, bySearch) => (fromMatches ? steerToListIndex(query, bySearch) : query),
  },
  bulkLoad: {
    async start(db) {
      const row = await sql<{ top: number | null }>`select max(seq) as top from notebooks`.execute(db);
      return Number(row.rows[0]?.top ?? 0);
    },
    async finish(db, mark) {
      await assignListKeys(db, mark);
      await rebuildSearchIndex(db, mark);
      // A small load into a large index is left to the incremental merges: optimizing rewrites all of it.
      const counts = await sql<{ loaded: number; total: number }>`select
        (select count(*) from notebooks where seq > ${mark}) as loaded, (select count(*) from notebooks) as total`.execute(
        db,
      );
      const { loaded, total } = counts.rows[0];
      if (Number(loaded) * 4 >= Number(total)) await optimizeSearchIndex(db);
      await fillContentFacts(db, mark);
    },
  },
};

/**
 * A list query that starts from the matches: the keys of the FTS5 matches (list keys) or of the
 * facts matches (row keys), each looked up in notebooks_by_list_key or notebooks_by_seq, which
 * hold every list column, rather than in the table, whose rows carry the content. SQLite's
 * planner would pick the table (a rowid lookup looks cheapest to it) and Kysely cannot say
 * INDEXED BY, hence the edit of the compiled text.
 */
function steerToListIndex<O>(query: CompiledQuery<O>, bySearch: boolean): CompiledQuery<O> {
  const from = 'from "notebooks" ';
  const at = query.sql.indexOf(from);
  if (at < 0) throw new Error('list query: no notebooks table to steer');
  const index = bySearch ? 'notebooks_by_list_key' : 'notebooks_by_seq';
  const steered = `${query.sql.slice(0, at)}from "notebooks" indexed by "${index}" ${query.sql.slice(at + from.length)}`;
  return Compiled.raw(steered, [...query.parameters]) as CompiledQuery<O>;
}

const REBUILD_BATCH = 500;

/** listKeyBucket in SQL (milliseconds since the epoch, none before it, times the slots). */
const LIST_KEY_BUCKET = sql`max(0, cast(round(unixepoch(last_modified_at, 'subsec') * 1000) as integer)) * ${LIST_KEY_SLOTS}`;

/**
 * Gives each notebook inserted after row key `afterSeq` a list key, as nextListKey would have one
 * at a time: the free slots of its millisecond's bucket, after the keys already there, in row order.
 */
async function assignListKeys(db: Executor, afterSeq: number): Promise<void> {
  const placed = sql`placed as (
    select seq, bucket, bucket + row_number() over (partition by bucket order by seq) - 1 + coalesce(
      (select max(o.list_key) + 1 - fresh.bucket from notebooks o
        where o.list_key >= fresh.bucket and o.list_key < fresh.bucket + ${LIST_KEY_SLOTS}), 0) as list_key
    from (select seq, ${LIST_KEY_BUCKET} as bucket from notebooks where seq > ${afterSeq}) as fresh
  )`;
  const crowded = await sql<{ at: number }>`with ${placed}
    select bucket / ${LIST_KEY_SLOTS} as at from placed where list_key >= bucket + ${LIST_KEY_SLOTS} limit 1`.execute(
    db,
  );
  if (crowded.rows.length > 0) {
    const at = new Date(Number(crowded.rows[0].at)).toISOString();
    throw new Error(`more than ${LIST_KEY_SLOTS} notebooks were last modified in the millisecond ${at}`);
  }
  await sql`with ${placed}
    update notebooks set list_key = placed.list_key from placed where notebooks.seq = placed.seq`.execute(db);
}

/** Writes the contains facts of every notebook inserted after row key `afterSeq`. */
async function fillContentFacts(db: Executor, afterSeq: number): Promise<void> {
  let after = afterSeq;
  for (;;) {
    const rows = await sql<{ seq: number; team_id: number; listed: number; content: string | null }>`
      select seq, team_id, deleted = 0 and visibility = 'default' as listed, content from notebooks
      where seq > ${after} order by seq limit ${REBUILD_BATCH}`.execute(db);
    if (rows.rows.length === 0) break;
    const facts = rows.rows.flatMap((row) =>
      containsFacts(row.content === null ? null : (JSON.parse(row.content) as JsonValue)).map(
        (fact) => sql`(${row.team_id}, ${fact}, ${row.seq}, ${row.listed})`,
      ),
    );
    for (let at = 0; at < facts.length; at += REBUILD_BATCH) {
      await sql`insert into notebook_content_facts (team_id, fact, seq, listed) values ${sql.join(facts.slice(at, at + REBUILD_BATCH))}`.execute(
        db,
      );
    }
    after = rows.rows[rows.rows.length - 1].seq;
  }
}

/**
 * Merges notebook_search into one segment. A bulk load writes its rows a batch at a time, each
 * batch a segment, which FTS5 would otherwise go on merging a little at every later write
 * (migration 0012 lets sixteen segments pile up per level before merging): merged once here, the
 * writes that follow only merge what they wrote themselves.
 */
export async function optimizeSearchIndex(db: Executor): Promise<void> {
  await sql`insert into notebook_search (notebook_search) values ('optimize')`.execute(db);
}

/**
 * Fills notebook_search from the notebooks rows, with today's stemmer: a migration that changes
 * how search terms are written calls this after recreating the table empty, and a bulk load for
 * the rows it inserted after row key `afterSeq`.
 */
export async function rebuildSearchIndex(db: Executor, afterSeq = 0): Promise<void> {
  // In list-key order: FTS5 flushes its pending terms to a new segment whenever a rowid is not
  // above the last one, so keys in any other order would leave a segment per row.
  let after = -1;
  for (;;) {
    const rows = await sql<{ list_key: number; team_id: number; title: string | null; text_content: string | null }>`
      select list_key, team_id, title, text_content from notebooks
      where list_key > ${after} and deleted = 0 and visibility = 'default' and seq > ${afterSeq}
      order by list_key limit ${REBUILD_BATCH}`.execute(db);
    if (rows.rows.length === 0) break;
    const values = rows.rows.map(
      (row) =>
        sql`(${row.list_key}, ${searchDocument(row.team_id, row.title)}, ${searchDocument(row.team_id, row.text_content)})`,
    );
    await sql`insert into notebook_search (rowid, title, text_content) values ${sql.join(values)}`.execute(db);
    after = rows.rows[rows.rows.length - 1].list_key;
  }
}
