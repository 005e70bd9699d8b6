import { CompiledQuery, type Expression, type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import type { Dialect, Executor } from '../db/dialect.ts';
import type { Database, NotebookTable } from '../db/schema.ts';
import type { JsonValue } from '../json/json-value.ts';
import type { ListFilters, ListOrder } from './list-filters.ts';
import { type MatchPlan, type NotebookStorage, notebookStorageFor } from './storage/notebook-storage.ts';

export interface Notebook {
  id: string;
  shortId: string;
  teamId: number;
  title: string | null;
  /** The content as PostHog answers it (compact JSON text), or null. */
  contentJson: string | null;
  textContent: string | null;
  deleted: boolean;
  visibility: string;
  version: number;
  folder: string;
  createdAt: Date;
  createdById: number | null;
  lastModifiedAt: Date;
  lastModifiedById: number | null;
  /** The project's change count at the notebook's last write: any change to it moves this. */
  changeSeq: number;
  /** SQLite's list key as read (migration 0008); null on PostgreSQL, undefined before the row is written. */
  listKey?: number | null;
}

/** The detail body's two large fields as the database renders them: JSON text, or its bytes. */
export interface NotebookBodies {
  content: string | Uint8Array | null;
  textContent: string | Uint8Array;
}

/** A notebook as a retrieve answers it: content and text_content as the body will carry them. */
export type RetrievedNotebook = Omit<Notebook, 'contentJson' | 'textContent'> & { bodies: NotebookBodies };

/**
 * A list row as the database renders it (Dialect.listItemHead / listItemMid): the item's JSON up
 * to `"created_by":`, and from `,"last_modified_at":` up to `"last_modified_by":`.
 */
export interface NotebookListItem {
  head: string;
  createdById: number | null;
  mid: string;
  lastModifiedById: number | null;
}

type ListRow = { head: string; created_by_id: number | null; mid: string; last_modified_by_id: number | null };

/** What one write did to a notebook, as the change stream tells it. */
export interface NotebookChange {
  kind: 'created' | 'updated' | 'deleted' | 'restored';
  shortId: string;
  version: number;
  title: string | null;
  lastModifiedAt: Date;
  lastModifiedById: number | null;
  /** The notebook's fields whose values the write changed. */
  changedFields: string[];
}

export type RecordedChange = NotebookChange & { seq: number };

// notebook_changes keeps each project's last CHANGES_KEPT writes, pruned every PRUNE_CHANGES_EVERY.
const CHANGES_KEPT = 10_000;
const PRUNE_CHANGES_EVERY = 1_000;

/** Content to write: the parsed value (for the derived indexes) and its jsonb text; null = SQL NULL. */
export type ContentWrite = { value: JsonValue; jsonb: string } | null;

type NotebookChanges = Partial<
  Pick<Notebook, 'title' | 'textContent' | 'deleted' | 'version' | 'lastModifiedAt' | 'lastModifiedById' | 'changeSeq'>
> & { content?: ContentWrite };

// Up to this many matches, SQLite sorts the matches; above, it walks the ordered list index.
const SORT_MATCHES_BELOW = 5000;
const RETRIEVE_COLUMNS = [
  'id',
  'short_id',
  'title',
  'deleted',
  'created_at',
  'created_by_id',
  'last_modified_at',
  'last_modified_by_id',
  'team_id',
  'visibility',
  'version',
  'folder',
  'change_seq',
] as const;
const DETAIL_COLUMNS = [...RETRIEVE_COLUMNS, 'text_content'] as const;
// What a PostgreSQL search list sorts its matches by and renders the page's items from (see #searchPage).
const MATCH_COLUMNS = [
  'id',
  'short_id',
  'title',
  'deleted',
  'created_at',
  'created_by_id',
  'last_modified_at',
  'last_modified_by_id',
] as const;

function isListed(deleted: boolean, visibility: string): boolean {
  return !deleted && visibility === 'default';
}

/** Kysely queries for notebooks; rows leave this file only as Notebook objects. */
export class NotebooksRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: Dialect;
  readonly #storage: NotebookStorage;

  readonly #sortMatchesBelow: number;
  #retrieveSql: string | undefined;

  /** `sortMatchesBelow`: the SQLite plan switch (see SORT_MATCHES_BELOW); tests lower it. */
  constructor(db: Kysely<Database>, dialect: Dialect, options: { sortMatchesBelow?: number } = {}) {
    this.#db = db;
    this.#dialect = dialect;
    this.#storage = notebookStorageFor(dialect.engine);
    this.#sortMatchesBelow = options.sortMatchesBelow ?? SORT_MATCHES_BELOW;
  }

  #toNotebook(
    row: Pick<Selectable<NotebookTable>, (typeof DETAIL_COLUMNS)[number]> & {
      content: unknown;
      list_key?: number | null;
    },
  ): Notebook {
    const d = this.#dialect;
    return {
      ...(row.list_key !== undefined && { listKey: row.list_key }),
      id: row.id,
      shortId: row.short_id,
      teamId: row.team_id,
      title: row.title,
      contentJson: this.#storage.readContent(row.content),
      textContent: row.text_content,
      deleted: d.readBoolean(row.deleted),
      visibility: row.visibility,
      version: row.version,
      folder: row.folder,
      createdAt: d.readTimestamp(row.created_at),
      createdById: row.created_by_id,
      lastModifiedAt: d.readTimestamp(row.last_modified_at),
      lastModifiedById: row.last_modified_by_id,
      changeSeq: Number(row.change_seq),
    };
  }

  #listColumns() {
    const s = this.#storage;
    return [s.listItemHead.as('head'), 'created_by_id', s.listItemMid.as('mid'), 'last_modified_by_id'] as const;
  }

  #toListItem(row: ListRow): NotebookListItem {
    return { head: row.head, createdById: row.created_by_id, mid: row.mid, lastModifiedById: row.last_modified_by_id };
  }

  async insert(db: Executor, notebook: Notebook, content: ContentWrite): Promise<void> {
    const d = this.#dialect;
    const s = this.#storage;
    const listKey = await s.nextListKey(db, notebook.lastModifiedAt);
    const inserted = await db
      .insertInto('notebooks')
      .values({
        id: notebook.id,
        short_id: notebook.shortId,
        team_id: notebook.teamId,
        title: notebook.title,
        content: s.storeContent(content?.jsonb ?? null),
        text_content: notebook.textContent,
        deleted: notebook.deleted,
        visibility: notebook.visibility,
        version: notebook.version,
        folder: notebook.folder,
        created_at: d.timestamp(notebook.createdAt),
        created_by_id: notebook.createdById,
        last_modified_at: d.timestamp(notebook.lastModifiedAt),
        last_modified_by_id: notebook.lastModifiedById,
        change_seq: notebook.changeSeq,
        ...(listKey !== undefined && { list_key: listKey }),
      })
      .executeTakeFirst();
    // SQLite returns the new row key; PostgreSQL's identity-less table returns none (unused there).
    const seq = inserted.insertId === undefined ? undefined : Number(inserted.insertId);
    await s.indexNotebook(
      db,
      {
        id: notebook.id,
        teamId: notebook.teamId,
        title: notebook.title,
        textContent: notebook.textContent,
        content: content?.value ?? null,
        listed: isListed(notebook.deleted, notebook.visibility),
        seq,
        listKey,
      },
      { isNew: true, search: true, contains: true, listed: true },
    );
  }

  /**
   * A notebook for a retrieve, its content as the response will carry it (bytes on SQLite). The
   * hottest read: its statement is compiled once.
   */
  async retrieve(teamId: number, shortId: string): Promise<RetrievedNotebook | undefined> {
    const s = this.#storage;
    this.#retrieveSql ??= this.#db
      .selectFrom('notebooks')
      .select(RETRIEVE_COLUMNS)
      .select(s.bodyContentColumn.as('content'))
      .select(s.bodyTextContentColumn.as('text_content'))
      .where('team_id', '=', 0)
      .where('short_id', '=', '')
      .where('deleted', '=', false)
      .compile().sql;
    const result = await this.#db.executeQuery<
      Pick<Selectable<NotebookTable>, (typeof RETRIEVE_COLUMNS)[number]> & { content: unknown; text_content: unknown }
    >(CompiledQuery.raw(this.#retrieveSql, [teamId, shortId, false]));
    const row = result.rows[0];
    if (row === undefined) return undefined;
    const {
      contentJson: _content,
      textContent: _text,
      ...notebook
    } = this.#toNotebook({ ...row, content: null, text_content: null });
    return {
      ...notebook,
      bodies: { content: s.readBodyContent(row.content), textContent: s.readBodyTextContent(row.text_content) },
    };
  }

  async findByShortId(
    db: Executor,
    teamId: number,
    shortId: string,
    options: { includeDeleted?: boolean; lock?: boolean } = {},
  ): Promise<Notebook | undefined> {
    const row = await db
      .selectFrom('notebooks')
      .select(DETAIL_COLUMNS)
      .select(this.#storage.contentColumn.as('content'))
      .select(this.#storage.listKeyColumn.as('list_key'))
      .where('team_id', '=', teamId)
      .where('short_id', '=', shortId)
      .$if(!options.includeDeleted, (qb) => qb.where('deleted', '=', false))
      .$if(Boolean(options.lock) && this.#dialect.locksRowsForUpdate, (qb) => qb.forUpdate())
      .executeTakeFirst();
    return row && this.#toNotebook(row);
  }

  /** Whether a notebook has this id, in any project. */
  async idExists(db: Executor, id: string): Promise<boolean> {
    return (await db.selectFrom('notebooks').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  /**
   * Applies changes only if the stored version is still `expectedVersion`: the version check and
   * the write are one statement, so concurrent writers with the same version cannot both win.
   */
  async update(db: Executor, notebook: Notebook, changes: NotebookChanges, expectedVersion: number): Promise<boolean> {
    const d = this.#dialect;
    const s = this.#storage;
    const listKey = changes.lastModifiedAt === undefined ? undefined : await s.nextListKey(db, changes.lastModifiedAt);
    const result = await db
      .updateTable('notebooks')
      .set({
        ...(changes.title !== undefined && { title: changes.title }),
        ...(changes.content !== undefined && { content: s.storeContent(changes.content?.jsonb ?? null) }),
        ...(changes.textContent !== undefined && { text_content: changes.textContent }),
        ...(changes.deleted !== undefined && { deleted: changes.deleted }),
        ...(changes.version !== undefined && { version: changes.version }),
        ...(changes.lastModifiedAt !== undefined && { last_modified_at: d.timestamp(changes.lastModifiedAt) }),
        ...(changes.lastModifiedById !== undefined && { last_modified_by_id: changes.lastModifiedById }),
        ...(changes.changeSeq !== undefined && { change_seq: changes.changeSeq }),
        ...(listKey !== undefined && { list_key: listKey }),
      })
      .where('id', '=', notebook.id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    const listedChanged = changes.deleted !== undefined && changes.deleted !== notebook.deleted;
    const rekeyed = listKey !== undefined && listKey !== notebook.listKey;
    if (
      changes.title !== undefined ||
      changes.textContent !== undefined ||
      changes.content !== undefined ||
      listedChanged ||
      rekeyed
    ) {
      await s.indexNotebook(
        db,
        {
          id: notebook.id,
          teamId: notebook.teamId,
          title: changes.title !== undefined ? changes.title : notebook.title,
          textContent: changes.textContent !== undefined ? changes.textContent : notebook.textContent,
          content: changes.content?.value ?? null,
          listed: isListed(changes.deleted ?? notebook.deleted, notebook.visibility),
          ...(listKey !== undefined && { listKey }),
          previousListKey: notebook.listKey ?? null,
        },
        {
          isNew: false,
          search: changes.title !== undefined || changes.textContent !== undefined,
          contains: changes.content !== undefined,
          listed: listedChanged,
        },
      );
    }
    return true;
  }

  /**
   * The list's WHERE clause. With `fromCandidates` the engine is steered to start from the rows
   * the selective filters name — the search or contains matches — instead of walking the
   * project's whole list index; without, the list index is walked and the search and contains
   * filters probe each row.
   */
  /**
   * Soft-deleted notebooks, a page at a time: few and seldom asked for, so counted and read with
   * the plain filters (the search index and the listed counts hold listed notebooks only).
   */
  async #deletedPage(
    teamId: number,
    filters: ListFilters,
    order: ListOrder,
    page: { limit: number; offset: number },
    callerId: number,
  ): Promise<{ count: number; items: NotebookListItem[] }> {
    const [countRow] = await this.#filtered(teamId, filters, callerId)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .execute();
    const count = Number(countRow.n);
    if (count === 0 || page.offset >= count) return { count, items: [] };
    const rows = await this.#filtered(teamId, filters, callerId)
      .select(this.#listColumns())
      .orderBy(this.#ordered(order))
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return { count, items: rows.map((row) => this.#toListItem(row)) };
  }

  #filtered(
    teamId: number,
    filters: ListFilters,
    callerId: number,
    fromCandidates = false,
    search?: Expression<SqlBool>,
  ) {
    const d = this.#dialect;
    const s = this.#storage;
    const plan: MatchPlan = fromCandidates ? 'drive' : 'probe';
    const base = fromCandidates
      ? this.#db.selectFrom('notebooks').where(s.plan.listedRowsFromMatches(teamId))
      : this.#db
          .selectFrom('notebooks')
          .where('team_id', '=', teamId)
          .where('deleted', '=', filters.deleted === true)
          .where('visibility', '=', 'default');
    return base
      .$if(filters.createdByCaller, (qb) => qb.where('created_by_id', '=', callerId))
      .$if(filters.createdBy !== undefined, (qb) =>
        qb.where('created_by_id', '=', (eb) =>
          eb
            .selectFrom('users')
            .select('users.id')
            .where('users.uuid', '=', filters.createdBy as string),
        ),
      )
      .$if(filters.lastModifiedBy !== undefined, (qb) =>
        qb.where('last_modified_by_id', '=', (eb) =>
          eb
            .selectFrom('users')
            .select('users.id')
            .where('users.uuid', '=', filters.lastModifiedBy as string),
        ),
      )
      .$if(filters.modifiedAfter !== undefined, (qb) =>
        qb.where('last_modified_at', '>', d.timestamp(filters.modifiedAfter as Date)),
      )
      .$if(filters.modifiedBefore !== undefined, (qb) =>
        qb.where('last_modified_at', '<', d.timestamp(filters.modifiedBefore as Date)),
      )
      .$if(filters.search !== undefined, (qb) =>
        qb.where(search ?? s.searchFilter(filters.search as string, teamId, plan)),
      )
      .$call((qb) => filters.contains.reduce((acc, test) => acc.where(s.containsFilter(test, teamId, plan)), qb))
      .$if(filters.shortId !== undefined, (qb) => qb.where('short_id', '=', filters.shortId as string));
  }

  #ordered(order: ListOrder) {
    const direction = order.descending ? sql`desc` : sql`asc`;
    const column =
      order.column === 'title'
        ? this.#dialect.orderByText('title', order.descending)
        : sql`${sql.ref(order.column)} ${direction}`;
    return sql`${column}, id ${direction}`;
  }

  async list(
    teamId: number,
    filters: ListFilters,
    order: ListOrder,
    page: { limit: number; offset: number },
    callerId: number,
  ): Promise<{ count: number; items: NotebookListItem[] }> {
    if (filters.deleted) return this.#deletedPage(teamId, filters, order, page, callerId);
    const narrowed =
      filters.createdByCaller ||
      filters.createdBy !== undefined ||
      filters.lastModifiedBy !== undefined ||
      filters.modifiedAfter !== undefined ||
      filters.modifiedBefore !== undefined ||
      filters.shortId !== undefined;
    const unfiltered = !narrowed && filters.search === undefined && filters.contains.length === 0;
    // Which filters can name their rows directly (an index of matches rather than of the list).
    const selective =
      this.#storage.plan.drivesFromMatches &&
      (filters.search !== undefined || filters.contains.some((test) => test.kind !== 'absent'));
    if (this.#storage.plan.searchInOneQuery && filters.search !== undefined) {
      const found = await this.#searchPage(teamId, filters, order, page, callerId);
      if (found !== undefined) return found;
    }
    let count: number | undefined;
    if (unfiltered) count = await this.visibleCount(this.#db, teamId);
    else if (!narrowed && filters.search === undefined)
      count = await this.#storage.listedContainsCount(this.#db, teamId, filters.contains);
    else if (!narrowed && filters.contains.length === 0)
      count = await this.#storage.listedSearchCount(this.#db, teamId, filters.search as string);
    if (count === undefined) {
      const countQuery = this.#filtered(teamId, filters, callerId, selective).select((eb) =>
        eb.fn.countAll<number>().as('n'),
      );
      const [countRow] = await this.#execute(countQuery, selective, filters.search !== undefined);
      count = Number(countRow.n);
    }
    if (count === 0 || page.offset >= count) return { count, items: [] };
    // A search alone, in last_modified_at order: SQLite reads the page's matches alone, newest
    // (or oldest) first. Otherwise few matches are fetched and sorted, and for many the ordered
    // list index is walked, which soon finds a page.
    const pageSearch =
      !narrowed && filters.contains.length === 0 && filters.search !== undefined && order.column === 'last_modified_at'
        ? await this.#storage.searchPageFilter(this.#db, filters.search, teamId, order.descending, page)
        : undefined;
    const fromMatches = pageSearch !== undefined || (selective && count <= this.#sortMatchesBelow);
    const pageQuery = this.#filtered(teamId, filters, callerId, fromMatches, pageSearch)
      .select(this.#listColumns())
      .orderBy(this.#ordered(order))
      .limit(page.limit)
      .offset(page.offset);
    const rows = await this.#execute(pageQuery, fromMatches, filters.search !== undefined);
    return { count, items: rows.map((row) => this.#toListItem(row)) };
  }

  /**
   * A PostgreSQL search list in one query: the matches are fetched from the GIN indexes, counted
   * (count(*) over ()) and sorted, and only the page's rows are rendered (rendering is ~5 µs a
   * row: 9,720 matches at 1M notebooks). Walking the list index instead would read every walked
   * row's stored search_text (TOASTed, a few KB), a cost the planner does not see (OFFSET 0 keeps
   * the subquery from being flattened into that walk); and counting separately would fetch the
   * matches twice. Undefined when the page is empty (an offset past the end): count apart.
   */
  async #searchPage(
    teamId: number,
    filters: ListFilters,
    order: ListOrder,
    page: { limit: number; offset: number },
    callerId: number,
  ) {
    const s = this.#storage;
    const matches = this.#filtered(teamId, filters, callerId).select(MATCH_COLUMNS).offset(0);
    const pageRows = this.#db
      .selectFrom(matches.as('matches'))
      .selectAll()
      .select(sql<number>`count(*) over ()`.as('total'))
      .orderBy(this.#ordered(order))
      .limit(page.limit)
      .offset(page.offset);
    const rows = await this.#db
      .selectFrom(pageRows.as('page'))
      .select([s.listItemHead.as('head'), 'created_by_id', s.listItemMid.as('mid'), 'last_modified_by_id', 'total'])
      .orderBy(this.#ordered(order))
      .execute();
    if (rows.length === 0) return undefined;
    return { count: Number(rows[0].total), items: rows.map((row) => this.#toListItem(row)) };
  }

  /** Runs a list query, steered by the engine where the matches drive. */
  async #execute<O>(query: { compile(): CompiledQuery<O> }, fromMatches: boolean, bySearch: boolean): Promise<O[]> {
    return (await this.#db.executeQuery(this.#storage.plan.steer(query.compile(), fromMatches, bySearch))).rows;
  }

  /** The number of listed notebooks of a project (not deleted, default visibility), kept by writes. */
  async visibleCount(db: Executor, teamId: number): Promise<number> {
    const row = await db
      .selectFrom('notebook_counts')
      .select('visible')
      .where('team_id', '=', teamId)
      .executeTakeFirst();
    return row === undefined ? 0 : Number(row.visible);
  }

  /**
   * Counts a write in its project's change sequence (and moves its listed count by
   * `visibleDelta`), in the write's own transaction. The project's counter row stays locked until
   * the commit, which orders the project's writes: call it once the write is sure to go ahead.
   * Returns the write's place in the sequence.
   */
  async nextChange(db: Executor, teamId: number, visibleDelta: number): Promise<number> {
    const counted = await db
      .insertInto('notebook_counts')
      .values({ team_id: teamId, visible: visibleDelta, changes: 1 })
      .onConflict((oc) =>
        oc.column('team_id').doUpdateSet({
          visible: sql<number>`notebook_counts.visible + ${visibleDelta}`,
          changes: sql<number>`notebook_counts.changes + 1`,
        }),
      )
      .returning('changes')
      .executeTakeFirstOrThrow();
    return Number(counted.changes);
  }

  /** Records what the write numbered `seq` changed, for the change stream. */
  async logChange(db: Executor, teamId: number, seq: number, change: NotebookChange): Promise<void> {
    const d = this.#dialect;
    await db
      .insertInto('notebook_changes')
      .values({
        team_id: teamId,
        seq,
        kind: change.kind,
        short_id: change.shortId,
        version: change.version,
        title: change.title,
        last_modified_at: d.timestamp(change.lastModifiedAt),
        last_modified_by_id: change.lastModifiedById,
        changed_fields: d.json(change.changedFields),
      })
      .execute();
    if (seq % PRUNE_CHANGES_EVERY === 0) {
      await db
        .deleteFrom('notebook_changes')
        .where('team_id', '=', teamId)
        .where('seq', '<=', seq - CHANGES_KEPT)
        .execute();
    }
  }

  /** How many writes a project's notebooks have had: moves with every committed write, and only then. */
  async changeCount(teamId: number): Promise<number> {
    const row = await this.#db
      .selectFrom('notebook_counts')
      .select('changes')
      .where('team_id', '=', teamId)
      .executeTakeFirst();
    return row === undefined ? 0 : Number(row.changes);
  }

  /** The project's recorded changes after `seq`, oldest first. */
  async changesAfter(teamId: number, seq: number, limit: number): Promise<RecordedChange[]> {
    const d = this.#dialect;
    const rows = await this.#db
      .selectFrom('notebook_changes')
      .selectAll()
      .where('team_id', '=', teamId)
      .where('seq', '>', seq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      seq: Number(row.seq),
      kind: row.kind as NotebookChange['kind'],
      shortId: row.short_id,
      version: row.version,
      title: row.title,
      lastModifiedAt: d.readTimestamp(row.last_modified_at),
      lastModifiedById: row.last_modified_by_id,
      changedFields: (d.readJson(row.changed_fields) ?? []) as string[],
    }));
  }

  /** Notebooks for recording_comments: not deleted, any visibility, in list order. */
  async listWithContent(teamId: number, filters: ListFilters, order: ListOrder): Promise<Notebook[]> {
    const s = this.#storage;
    const rows = await this.#db
      .selectFrom('notebooks')
      .select(DETAIL_COLUMNS)
      .select(s.contentColumn.as('content'))
      .where('team_id', '=', teamId)
      .where('deleted', '=', false)
      .$call((qb) => filters.contains.reduce((acc, test) => acc.where(s.containsFilter(test, teamId)), qb))
      .orderBy(this.#ordered(order))
      .execute();
    return rows.map((row) => this.#toNotebook(row));
  }
}
