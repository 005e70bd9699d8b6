import type { Project, User } from '../accounts/accounts.repository.ts';
import type { UserCache } from '../accounts/user-cache.ts';
import type { ActivityService } from '../activity/activity.service.ts';
import { changesBetween } from '../activity/changes.ts';
import { writeTransaction, type Db } from '../db/database.ts';
import type { ResponseCache } from '../http/response-cache.ts';
import { shortId as generateShortId, uuidv7 } from '../db/ids.ts';
import { conflict, notFound, PlainResponse, validationFailed } from '../http/errors.ts';
import { limitOffsetLinks, parseLimitOffset } from '../http/pagination.ts';
import { lastValue } from '../http/query-params.ts';
import type { JsonValue } from '../json/json-value.ts';
import { parseContains } from './contains/contains-grammar.ts';
import { recordingComments } from './recording-comments.ts';
import { contentJsonbText, renderRequestContent } from '../compat/python-json-text.ts';
import { numberTextsOf } from '../http/json-body.ts';
import { parseListFilters, parseOrder } from './list-filters.ts';
import { isTruthy } from '../compat/python-values.ts';
import { parseNotebookWrite } from './notebook-fields.ts';
import { presentNotebook, presentNotebookListItem, UserJsonCache, type Viewer } from './notebooks.presenters.ts';
import type { ContentWrite, Notebook, NotebooksRepository } from './notebooks.repository.ts';

/** Who is asking, in which project. */
export interface NotebookContext {
  project: Project;
  user: User;
  membershipLevel: number;
}

const SCOPE = 'Notebook';
const DEFAULT_FOLDER = 'Unfiled/Notebooks';
// changes_between's diffable Notebook fields, in model order (text_content is excluded).
const DIFFED_FIELDS = ['title', 'content', 'deleted', 'visibility', 'version'] as const;

/**
 * PostgreSQL's to_tsvector (the search index over text_content) refuses more than 1 MB of
 * distinct words and positions with SQLSTATE 54000; SQLite has no such limit.
 */
function refuseUnindexableText(error: unknown): never {
  if (error !== null && typeof error === 'object' && (error as { code?: unknown }).code === '54000') {
    throw validationFailed('text_content', 'Too much distinct text to index for search: PostgreSQL limits the index of one field to 1 MB.', 'too_long');
  }
  throw error;
}

const viewerOf = (ctx: NotebookContext): Viewer => ({ userId: ctx.user.id, membershipLevel: ctx.membershipLevel });

function diffable(notebook: Notebook, content: JsonValue): Record<string, JsonValue> {
  return { title: notebook.title, content, deleted: notebook.deleted, visibility: notebook.visibility, version: notebook.version };
}

/** Request content → what is stored (its jsonb text) and what the response echoes. */
function contentWrite(content: JsonValue | undefined, body: unknown): { write: ContentWrite; echo: string } {
  if (content === undefined || content === null) return { write: null, echo: 'null' };
  // Texts are tracked for the body's containers; a float directly in "content" has none.
  const numberTexts = numberTextsOf(body);
  return { write: { value: content, jsonb: contentJsonbText(content, numberTexts) }, echo: renderRequestContent(content, numberTexts) };
}

/** The notebook rules: versioning, soft delete, activity — each write one transaction. */
export class NotebooksService {
  readonly #db: Db;
  readonly #repo: NotebooksRepository;
  readonly #users: UserCache;
  readonly #activity: ActivityService;
  readonly #listCache: ResponseCache | undefined;

  constructor(db: Db, repo: NotebooksRepository, users: UserCache, activity: ActivityService, listCache?: ResponseCache) {
    this.#db = db;
    this.#repo = repo;
    this.#users = users;
    this.#activity = activity;
    this.#listCache = listCache?.enabled ? listCache : undefined;
  }

  async #usersOf(...ids: Array<number | null>): Promise<Map<number, User>> {
    return this.#users.byIds(ids);
  }

  /**
   * A page of the list as the bytes to send. A page already rendered under the database's
   * current commit state is answered again (http/response-cache.ts): the same request, by the
   * same viewer, with nothing committed since, has the same answer.
   */
  async list(ctx: NotebookContext, query: URLSearchParams, baseUrl: string): Promise<Buffer> {
    const filters = parseListFilters(query, ctx.project.timezone);
    const order = parseOrder(query);
    const page = parseLimitOffset(query);
    // Relative dates are resolved in `filters`, the links depend on the URL as sent, and
    // user_access_level and `?user` on the viewer.
    let entry: { key: string; state: string } | undefined;
    if (this.#listCache) {
      const state = await this.#db.dialect.commitState(this.#db.kysely);
      if (state !== null) {
        const key = JSON.stringify([ctx.project.id, ctx.project.timezone, ctx.user.id, ctx.membershipLevel, baseUrl, query.toString(), filters]);
        const cached = this.#listCache.get(key, state);
        if (cached !== undefined) return cached;
        entry = { key, state };
      }
    }
    const { count, items } = await this.#repo.list(ctx.project.id, filters, order, page, ctx.user.id);
    const { users, until } = await this.#users.byIdsUntil(items.flatMap((n) => [n.createdById, n.lastModifiedById]));
    const viewer = viewerOf(ctx);
    const userJson = new UserJsonCache(users);
    const { next, previous } = limitOffsetLinks(baseUrl, query, page, count);
    const results = items.map((item) => presentNotebookListItem(item, userJson, viewer)).join(',');
    const body = Buffer.from(`{"count":${count},"next":${JSON.stringify(next)},"previous":${JSON.stringify(previous)},"results":[${results}]}`);
    if (entry !== undefined) this.#listCache?.set(entry.key, entry.state, body, until);
    return body;
  }

  async create(ctx: NotebookContext, body: unknown) {
    const data = parseNotebookWrite(body);
    const content = contentWrite(data.content, body);
    const now = new Date();
    const notebook: Notebook = {
      id: uuidv7(now.getTime()),
      shortId: generateShortId(),
      teamId: ctx.project.id,
      title: data.title ?? null,
      contentJson: content.echo,
      textContent: data.text_content ?? null,
      deleted: data.deleted ?? false,
      visibility: 'default',
      version: data.version ?? 0,
      folder: data._create_in_folder ?? DEFAULT_FOLDER,
      createdAt: now,
      createdById: ctx.user.id,
      lastModifiedAt: now,
      lastModifiedById: ctx.user.id,
    };
    await writeTransaction(this.#db, async (trx) => {
      await this.#repo.insert(trx, notebook, content.write);
      if (!notebook.deleted) await this.#repo.adjustVisibleCount(trx, notebook.teamId, 1);
      await this.#activity.record(trx, {
        project: ctx.project,
        userId: ctx.user.id,
        scope: SCOPE,
        activity: 'created',
        itemId: notebook.shortId,
        name: notebook.title,
        shortId: notebook.shortId,
        changes: null,
        at: now,
      });
    }).catch(refuseUnindexableText);
    const users = new Map([[ctx.user.id, ctx.user]]);
    return presentNotebook(notebook, users, viewerOf(ctx));
  }

  /** The notebook, or a 304 when If-None-Match equals its version. */
  async retrieve(ctx: NotebookContext, shortId: string, ifNoneMatch: string | undefined) {
    const notebook = await this.#repo.retrieve(ctx.project.id, shortId);
    if (!notebook) throw notFound();
    if (ifNoneMatch !== undefined && ifNoneMatch === String(notebook.version)) throw new PlainResponse(304, null);
    const users = await this.#usersOf(notebook.createdById, notebook.lastModifiedById);
    return presentNotebook(notebook, users, viewerOf(ctx), notebook.bodies);
  }

  async update(ctx: NotebookContext, shortId: string, body: unknown) {
    const data = parseNotebookWrite(body);
    const content = data.content === undefined ? undefined : contentWrite(data.content, body);
    const result = await writeTransaction(this.#db, async (trx) => {
      const before = await this.#repo.findByShortId(trx, ctx.project.id, shortId, { includeDeleted: true, lock: true });
      if (!before) throw notFound();
      if (Object.keys(data).length === 0) return before;
      const now = new Date();
      let version = data.version ?? before.version;
      if (isTruthy(data.content)) {
        if (data.version !== before.version) throw conflict('Someone else edited the Notebook');
        version = before.version + 1;
      }
      const after: Notebook = {
        ...before,
        title: data.title !== undefined ? data.title : before.title,
        contentJson: content !== undefined ? content.echo : before.contentJson,
        textContent: data.text_content !== undefined ? data.text_content : before.textContent,
        deleted: data.deleted ?? before.deleted,
        version,
        lastModifiedAt: now,
        lastModifiedById: ctx.user.id,
      };
      const written = await this.#repo.update(
        trx,
        before,
        {
          ...(data.title !== undefined && { title: after.title }),
          ...(content !== undefined && { content: content.write }),
          ...(data.text_content !== undefined && { textContent: after.textContent }),
          ...(data.deleted !== undefined && { deleted: after.deleted }),
          version,
          lastModifiedAt: now,
          lastModifiedById: ctx.user.id,
        },
        before.version,
      );
      if (!written) throw conflict('Someone else edited the Notebook');
      if (before.visibility === 'default' && before.deleted !== after.deleted) {
        await this.#repo.adjustVisibleCount(trx, after.teamId, after.deleted ? -1 : 1);
      }
      const contentBefore = before.contentJson === null ? null : (JSON.parse(before.contentJson) as JsonValue);
      const contentAfter = data.content !== undefined ? data.content : contentBefore;
      const changes = changesBetween(SCOPE, DIFFED_FIELDS, diffable(before, contentBefore), diffable(after, contentAfter));
      const deletedChange = changes.find((change) => change.field === 'deleted');
      const activity = deletedChange ? (deletedChange.after === false ? 'restored' : 'deleted') : 'updated';
      if (activity !== 'updated' || changes.length > 0) {
        await this.#activity.record(trx, {
          project: ctx.project,
          userId: ctx.user.id,
          scope: SCOPE,
          activity,
          itemId: after.shortId,
          name: after.title,
          shortId: after.shortId,
          changes,
          at: now,
        });
      }
      return after;
    }).catch(refuseUnindexableText);
    const users = await this.#usersOf(result.createdById, result.lastModifiedById);
    return presentNotebook(result, users, viewerOf(ctx));
  }

  async notebookActivity(ctx: NotebookContext, shortId: string, query: URLSearchParams, absoluteUrl: string) {
    const notebook = await this.#repo.findByShortId(this.#db.kysely, ctx.project.id, shortId);
    if (!notebook) throw notFound();
    return this.#activity.page(ctx.project, SCOPE, [notebook.id, notebook.shortId], query, absoluteUrl);
  }

  async allActivity(ctx: NotebookContext, query: URLSearchParams, absoluteUrl: string) {
    return this.#activity.page(ctx.project, SCOPE, null, query, absoluteUrl);
  }

  /** Comments on one recording, from the project's notebooks that embed it (§4.8). */
  async recordingComments(ctx: NotebookContext, query: URLSearchParams) {
    const recordingId = lastValue(query, 'recording_id');
    if (recordingId === undefined || recordingId === '') throw new PlainResponse(400, { detail: 'recording_id is required' });
    // PostgreSQL cannot take U+0000 in a jsonb parameter; one answer on both engines.
    if (recordingId.includes('\u0000')) throw validationFailed('recording_id', 'Null characters are not allowed.', 'null_characters_not_allowed');
    const order = parseOrder(query);
    const notebooks = await this.#repo.listWithContent(ctx.project.id, { createdByCaller: false, contains: parseContains(`recording:${recordingId}`) }, order);
    return {
      results: notebooks.flatMap((notebook) =>
        recordingComments({ shortId: notebook.shortId, title: notebook.title, content: undefined, contentText: notebook.contentJson }, recordingId),
      ),
    };
  }
}
