import type { CompiledQuery, Expression, RawBuilder, SqlBool } from 'kysely';
import type { Engine, Executor } from '../../db/dialect.ts';
import type { JsonValue } from '../../json/json-value.ts';
import type { ContainsTest } from '../contains/contains-grammar.ts';
import { postgresNotebookStorage } from './postgres-notebook-storage.ts';
import { sqliteNotebookStorage } from './sqlite-notebook-storage.ts';

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
  /** SQLite's list key after the write (nextListKey), and before it (an update). */
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
 * How a search or contains index is used:
 * `drive`: the matches are the rows to read (few matches; the caller looks them up);
 * `probe`: the list index is walked in order and each row is tested (many matches: a page is
 * found long before the matches are exhausted).
 */
export type MatchPlan = 'drive' | 'probe';

/**
 * How one engine stores what notebooks are searched, filtered, listed and rendered by: the
 * content's stored form, the search and contains indexes, the list items rendered by the
 * database, and the hints its planner needs. The repository speaks to this interface only.
 */
export interface NotebookStorage {
  /**
   * Content travels as text (compat/python-json-text.ts): written from its jsonb text, selected
   * with `contentColumn`, read back as the JSON PostHog answers with.
   */
  storeContent(jsonbText: string | null): unknown;
  readonly contentColumn: RawBuilder<unknown>;
  readContent(value: unknown): string | null;
  /**
   * Content selected with `contentColumn` as its jsonb text, what `storeContent` takes back: the
   * form a backup carries between engines.
   */
  contentJsonbText(value: unknown): string | null;
  /** The content for a response body: stored bytes where the engine keeps the rendered form; else the text. */
  readonly bodyContentColumn: RawBuilder<unknown>;
  readBodyContent(value: unknown): string | Uint8Array | null;
  /** text_content for a response body, as JSON (a string literal or null): bytes or text. */
  readonly bodyTextContentColumn: RawBuilder<unknown>;
  readBodyTextContent(value: unknown): string | Uint8Array;
  /**
   * A list item's JSON as the database renders it from the row: `listItemHead` runs from
   * `{"id":` to `"created_by":`, `listItemMid` from `,"last_modified_at":` to
   * `"last_modified_by":`; the presenter splices the users in (presentNotebookListItem).
   */
  readonly listItemHead: RawBuilder<string>;
  readonly listItemMid: RawBuilder<string>;
  /** The list key of a row, where the engine keeps one (SQLite); `null` otherwise. */
  readonly listKeyColumn: RawBuilder<number | null>;
  /** The list key a write gives a notebook last modified at `lastModifiedAt`; undefined where none is kept. */
  nextListKey(db: Executor, lastModifiedAt: Date): Promise<number | undefined>;
  /**
   * A search filter for one page in last_modified_at order (descending unless told): the matches
   * that can be on it, read from the search index in list order; undefined where the engine has
   * no such path.
   */
  searchPageFilter(
    db: Executor,
    value: string,
    teamId: number,
    descending: boolean,
    page: { limit: number; offset: number },
  ): Promise<Expression<SqlBool> | undefined>;
  /** title OR text_content matches all lexemes (the caller skips the filter for none). */
  searchFilter(value: string, teamId: number, plan?: MatchPlan): Expression<SqlBool>;
  containsFilter(test: ContainsTest, teamId: number, plan?: MatchPlan): Expression<SqlBool>;
  /**
   * The number of listed notebooks of a project that pass every test, counted from a derived
   * index alone where the engine keeps one; undefined: count with the filter.
   */
  listedContainsCount(db: Executor, teamId: number, tests: ContainsTest[]): Promise<number | undefined>;
  /** The same for a search; undefined: count with the filter. */
  listedSearchCount(db: Executor, teamId: number, value: string): Promise<number | undefined>;
  /** Keeps the engine's derived search and contains indexes in step with a notebook write. */
  indexNotebook(db: Executor, notebook: NotebookIndexInput, changed: IndexChanges): Promise<void>;
  /** How the list's queries are planned on this engine. */
  readonly plan: ListPlanHints;
  /** How an import writes many notebooks at once. */
  readonly bulkLoad: NotebookBulkLoad;
}

/**
 * An import inserts notebook rows alone (no list key, no derived index row) between `start` and
 * `finish`, in one transaction; `finish` then gives every row inserted since `start` its list key
 * and derived index entries in one pass (FTS5 builds one segment when its rows come in key
 * order). It leaves notebook_counts to the caller. PostgreSQL derives its own as rows arrive.
 */
export interface NotebookBulkLoad {
  start(db: Executor): Promise<BulkLoadMark>;
  finish(db: Executor, mark: BulkLoadMark): Promise<void>;
}

/** Where a bulk load began: SQLite's largest row key before it (0 for none, and on PostgreSQL). */
export type BulkLoadMark = number;

export interface ListPlanHints {
  /** Search and contains indexes can name their matching rows, so few matches are read directly. */
  readonly drivesFromMatches: boolean;
  /**
   * A search list is fetched, counted and sorted in one query (count(*) over ()), only the
   * page's rows rendered.
   */
  readonly searchInOneQuery: boolean;
  /** The project's listed rows, written so that the planner starts from the matches rather than the list index. */
  listedRowsFromMatches(teamId: number): Expression<SqlBool>;
  /** The compiled list query as sent: where the matches drive, the index to look them up by. */
  steer<O>(query: CompiledQuery<O>, fromMatches: boolean, bySearch: boolean): CompiledQuery<O>;
}

const STORAGE: Record<Engine, NotebookStorage> = { sqlite: sqliteNotebookStorage, postgres: postgresNotebookStorage };

export function notebookStorageFor(engine: Engine): NotebookStorage {
  return STORAGE[engine];
}
