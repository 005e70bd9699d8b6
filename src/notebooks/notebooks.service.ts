import type { Project, User } from '../accounts/accounts.repository.ts';
import type { UserCache } from '../accounts/user-cache.ts';
import type { ActivityPage } from '../activity/activity.presenters.ts';
import type { ActivityService } from '../activity/activity.service.ts';
import { changesBetween } from '../activity/changes.ts';
import type { ResponseCache } from '../cache/response-cache.ts';
import { contentJsonbText, renderRequestContent } from '../compat/python-json-text.ts';
import { isTruthy } from '../compat/python-values.ts';
import { type Db, writeTransaction } from '../db/database.ts';
import type { Executor } from '../db/dialect.ts';
import { isTextTooLargeToIndex } from '../db/driver-errors.ts';
import { shortId as generateShortId, uuidv7 } from '../db/ids.ts';
import { type EntityTagCondition, entityTagOf, matchesStrongly, matchesWeakly } from '../http/entity-tags.ts';
import { conflict, notAcceptable, notFound, preconditionFailed, validationFailed } from '../http/errors.ts';
import type { LimitOffset, PageNumber } from '../http/pagination.ts';
import type { JsonValue } from '../json/json-value.ts';
import type { NumberSourceTexts } from '../json/number-texts.ts';
import { MarkdownTooComplex, notebookToMarkdown } from '../markdown/notebook-markdown.ts';
import { type ChangeAnnouncer, type ChangeFeed, NOTEBOOK_CHANGES_CHANNEL } from './change-feed.ts';
import { parseContains } from './contains/contains-grammar.ts';
import type { ListFilters, ListOrder } from './list-filters.ts';
import type { NotebookWrite } from './notebook-fields.ts';
import {
  notebookEntityTag,
  presentChangeEvent,
  presentNotebook,
  presentNotebookListItem,
  UserJsonCache,
  type Viewer,
} from './notebooks.presenters.ts';
import type { ContentWrite, Notebook, NotebookChange, NotebooksRepository } from './notebooks.repository.ts';
import { recordingComments } from './recording-comments.ts';

/** Who is asking, in which project. */
export interface NotebookContext {
  project: Project;
  user: User;
  membershipLevel: number;
}

/** A list request, parsed. */
export interface ListQuery {
  filters: ListFilters;
  order: ListOrder;
  range: LimitOffset;
}

/** A page of the list: the total count, and the page's items as the JSON text of an array's elements. */
export interface ListPage {
  count: number;
  items: Buffer;
  /** What the page depends on, as an entity-tag's digest (its ETag adds the links). */
  tag: string;
  /**
   * The project's change count read before the page: every write up to it is in the page, so a
   * change stream resumed after it (as Last-Event-ID) hears every write the page may lack.
   */
  changes: number;
  /** The last full body sent for this page (presentNotebookListPage), reused while its links are the same. */
  rendered?: { links: string; body: Buffer; etag: string };
}

/** A list page and where it came from: the list cache (`hit`), the database (`miss`), or no cache (`off`). */
export interface ListAnswer {
  page: ListPage;
  cache: 'hit' | 'miss' | 'off';
}

/** A create or update body, validated, and how its numbers were written (42 vs 42.0). */
export interface NotebookInput {
  fields: NotebookWrite;
  numberTexts: NumberSourceTexts | undefined;
}

/** Receives the change stream's events: their id (the change number), kind and data. */
export interface ChangeEventListener {
  changes(events: Array<{ id: string; event: string; data: string }>): void;
  reset(): void;
}

/** A notebook's answer: its body and its ETag. */
export interface NotebookAnswer {
  body: string | Buffer;
  etag: string;
}

/** A retrieve: the notebook, or not modified (with its ETag when the condition was one). */
/** A notebook from another server, as it was there; content as jsonb text, with its parsed value. */
export interface NotebookCopy {
  id: string;
  shortId: string;
  title: string | null;
  content: ContentWrite;
  textContent: string | null;
  deleted: boolean;
  version: number;
  createdAt: Date;
  createdById: number | null;
  lastModifiedAt: Date;
  lastModifiedById: number | null;
}

export type RetrieveResult = { notModified: true; etag?: string } | ({ notModified: false } & NotebookAnswer);

const SCOPE = 'Notebook';
const DEFAULT_FOLDER = 'Unfiled/Notebooks';
// changes_between's diffable Notebook fields, in model order (text_content is excluded).
const DIFFED_FIELDS = ['title', 'content', 'deleted', 'visibility', 'version'] as const;

/**
 * PostgreSQL's search index refuses more than 1 MB of distinct words and positions in one field;
 * SQLite has no such limit.
 */
function refuseUnindexableText(error: unknown): never {
  if (isTextTooLargeToIndex(error)) {
    throw validationFailed(
      'text_content',
      'Too much distinct text to index for search: PostgreSQL limits the index of one field to 1 MB.',
      'too_long',
    );
  }
  throw error;
}

const viewerOf = (ctx: NotebookContext): Viewer => ({ userId: ctx.user.id, membershipLevel: ctx.membershipLevel });

function diffable(notebook: Notebook, content: JsonValue): Record<string, JsonValue> {
  return {
    title: notebook.title,
    content,
    deleted: notebook.deleted,
    visibility: notebook.visibility,
    version: notebook.version,
  };
}

/** Request content → what is stored (its jsonb text) and what the response echoes. */
function contentWrite(
  content: JsonValue | undefined,
  numberTexts: NumberSourceTexts | undefined,
): { write: ContentWrite; echo: string } {
  if (content === undefined || content === null) return { write: null, echo: 'null' };
  // Texts are tracked for the body's containers; a float directly in "content" has none.
  return {
    write: { value: content, jsonb: contentJsonbText(content, numberTexts) },
    echo: renderRequestContent(content, numberTexts),
  };
}

/** The notebook rules: versioning, soft delete, activity — each write one transaction. */
export class NotebooksService {
  readonly #db: Db;
  readonly #repo: NotebooksRepository;
  readonly #users: UserCache;
  readonly #activity: ActivityService;
  readonly #listCache: ResponseCache<ListPage> | undefined;
  readonly #changeFeed: ChangeAnnouncer | undefined;
  readonly #changes: ChangeFeed | undefined;

  constructor(
    db: Db,
    repo: NotebooksRepository,
    users: UserCache,
    activity: ActivityService,
    options: { listCache?: ResponseCache<ListPage>; changeFeed?: ChangeFeed } = {},
  ) {
    this.#db = db;
    this.#repo = repo;
    this.#users = users;
    this.#activity = activity;
    this.#listCache = options.listCache?.enabled ? options.listCache : undefined;
    this.#changeFeed = options.changeFeed;
    this.#changes = options.changeFeed;
  }

  async #usersOf(...ids: Array<number | null>): Promise<Map<number, User>> {
    return this.#users.byIds(ids);
  }

  /**
   * A page of the list. A page already read under the database's current commit state is
   * answered again (cache/response-cache.ts): the same request, by the same viewer, with nothing
   * committed since, has the same answer.
   */
  async list(ctx: NotebookContext, query: ListQuery): Promise<ListAnswer> {
    const { filters, order, range } = query;
    // The project's change count moves with every write to its notebooks, committed by any
    // process, and only then: a page read after it under the same count is still the answer.
    const changes = await this.#repo.changeCount(ctx.project.id);
    const state = String(changes);
    // Relative dates are resolved in `filters`; user_access_level and `?user` depend on the viewer.
    const key = JSON.stringify([ctx.project.id, ctx.user.id, ctx.membershipLevel, filters, order, range]);
    const cached = this.#listCache?.get(key, state);
    if (cached !== undefined) return { page: cached, cache: 'hit' };
    const { count, items } = await this.#repo.list(ctx.project.id, filters, order, range, ctx.user.id);
    const { users, until } = await this.#users.byIdsUntil(items.flatMap((n) => [n.createdById, n.lastModifiedById]));
    const viewer = viewerOf(ctx);
    const userJson = new UserJsonCache(users);
    const page: ListPage = {
      count,
      items: Buffer.from(items.map((item) => presentNotebookListItem(item, userJson, viewer)).join(',')),
      // The request, the project's state and the users shown: all the page depends on but its links.
      tag: entityTagOf('list', key, state, userJson.rendered()),
      changes,
    };
    this.#listCache?.set(key, state, page, until);
    return { page, cache: this.#listCache === undefined ? 'off' : 'miss' };
  }

  async create(ctx: NotebookContext, input: NotebookInput): Promise<NotebookAnswer> {
    const data = input.fields;
    const content = contentWrite(data.content, input.numberTexts);
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
      changeSeq: 0,
    };
    await writeTransaction(this.#db, async (trx) => {
      notebook.changeSeq = await this.#repo.nextChange(trx, notebook.teamId, notebook.deleted ? 0 : 1);
      await this.#repo.insert(trx, notebook, content.write);
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
      await this.#logChange(trx, notebook, 'created', Object.keys(data));
    }).catch(refuseUnindexableText);
    this.#changeFeed?.committed(notebook.teamId);
    const users = new Map([[ctx.user.id, ctx.user]]);
    const viewer = viewerOf(ctx);
    return { body: presentNotebook(notebook, users, viewer), etag: notebookEntityTag(notebook, users, viewer) };
  }

  /**
   * The notebook, or not modified: when `heldVersion` (PostHog's If-None-Match) is its version,
   * or when `ifNoneMatch` (entity-tags) matches its ETag.
   */
  async retrieve(
    ctx: NotebookContext,
    shortId: string,
    conditions: { heldVersion?: string; ifNoneMatch?: EntityTagCondition } = {},
  ): Promise<RetrieveResult> {
    const notebook = await this.#repo.retrieve(ctx.project.id, shortId);
    if (!notebook) throw notFound();
    if (conditions.heldVersion !== undefined && conditions.heldVersion === String(notebook.version)) {
      return { notModified: true };
    }
    const users = await this.#usersOf(notebook.createdById, notebook.lastModifiedById);
    const viewer = viewerOf(ctx);
    const etag = notebookEntityTag(notebook, users, viewer);
    if (conditions.ifNoneMatch !== undefined && matchesWeakly(conditions.ifNoneMatch, etag)) {
      return { notModified: true, etag };
    }
    return { notModified: false, etag, body: presentNotebook(notebook, users, viewer, notebook.bodies) };
  }

  /** The notebook's content as Markdown, or not modified when `ifNoneMatch` names its ETag. */
  async retrieveMarkdown(
    ctx: NotebookContext,
    shortId: string,
    ifNoneMatch: EntityTagCondition | undefined,
  ): Promise<{ notModified: boolean; etag: string; markdown: string }> {
    const notebook = await this.#repo.retrieve(ctx.project.id, shortId);
    if (!notebook) throw notFound();
    const users = await this.#usersOf(notebook.createdById, notebook.lastModifiedById);
    const etag = entityTagOf(notebookEntityTag(notebook, users, viewerOf(ctx)), 'text/markdown');
    if (ifNoneMatch !== undefined && matchesWeakly(ifNoneMatch, etag)) return { notModified: true, etag, markdown: '' };
    const stored = notebook.bodies.content;
    const content =
      stored === null
        ? null
        : (JSON.parse(typeof stored === 'string' ? stored : Buffer.from(stored).toString()) as JsonValue);
    try {
      return { notModified: false, etag, markdown: notebookToMarkdown(content) };
    } catch (error) {
      if (error instanceof MarkdownTooComplex)
        throw notAcceptable(`This notebook cannot be written as Markdown: ${error.message}.`);
      throw error;
    }
  }

  /**
   * PostHog's update: truthy content needs the current version and bumps it. With `ifMatch`
   * (entity-tags), the update applies only if the notebook as this caller sees it still has
   * one of them, whatever the fields: 412 otherwise, before any other rule.
   */
  async update(
    ctx: NotebookContext,
    shortId: string,
    input: NotebookInput,
    conditions: { ifMatch?: EntityTagCondition; versionFromIfMatch?: boolean } = {},
  ): Promise<NotebookAnswer> {
    let data = input.fields;
    const content = data.content === undefined ? undefined : contentWrite(data.content, input.numberTexts);
    const viewer = viewerOf(ctx);
    // The ETag is checked before the transaction (it names users, read through the user cache),
    // and the change number it stands for is checked again under the row lock.
    let checkedChange: number | undefined;
    if (conditions.ifMatch !== undefined) {
      const current = await this.#repo.findByShortId(this.#db.kysely, ctx.project.id, shortId, {
        includeDeleted: true,
      });
      if (!current) throw notFound();
      const users = await this.#usersOf(current.createdById, current.lastModifiedById);
      if (!matchesStrongly(conditions.ifMatch, notebookEntityTag(current, users, viewer))) throw preconditionFailed();
      checkedChange = current.changeSeq;
    }
    const result = await writeTransaction(this.#db, async (trx) => {
      const before = await this.#repo.findByShortId(trx, ctx.project.id, shortId, {
        includeDeleted: true,
        lock: true,
      });
      if (!before) throw notFound();
      if (checkedChange !== undefined && before.changeSeq !== checkedChange) throw preconditionFailed();
      // A matching If-Match vouches for the version the client holds, where the request has none.
      if (conditions.versionFromIfMatch && checkedChange !== undefined && data.version === undefined) {
        data = { ...data, version: before.version };
      }
      if (Object.keys(data).length === 0) return before;
      const now = new Date();
      let version = data.version ?? before.version;
      if (isTruthy(data.content)) {
        if (data.version !== before.version) throw conflict('Someone else edited the Notebook');
        version = before.version + 1;
      }
      const deleted = data.deleted ?? before.deleted;
      const listedDelta = before.visibility === 'default' && before.deleted !== deleted ? (deleted ? -1 : 1) : 0;
      const after: Notebook = {
        ...before,
        title: data.title !== undefined ? data.title : before.title,
        contentJson: content !== undefined ? content.echo : before.contentJson,
        textContent: data.text_content !== undefined ? data.text_content : before.textContent,
        deleted,
        version,
        lastModifiedAt: now,
        lastModifiedById: ctx.user.id,
        changeSeq: await this.#repo.nextChange(trx, before.teamId, listedDelta),
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
          changeSeq: after.changeSeq,
        },
        before.version,
      );
      if (!written) throw conflict('Someone else edited the Notebook');
      const contentBefore = before.contentJson === null ? null : (JSON.parse(before.contentJson) as JsonValue);
      const contentAfter = data.content !== undefined ? data.content : contentBefore;
      const changes = changesBetween(
        SCOPE,
        DIFFED_FIELDS,
        diffable(before, contentBefore),
        diffable(after, contentAfter),
      );
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
      const changedFields = changes.map((change) => change.field);
      if (after.textContent !== before.textContent) changedFields.push('text_content');
      await this.#logChange(trx, after, activity, changedFields);
      return after;
    }).catch(refuseUnindexableText);
    if (Object.keys(data).length > 0) this.#changeFeed?.committed(result.teamId);
    const users = await this.#usersOf(result.createdById, result.lastModifiedById);
    return { body: presentNotebook(result, users, viewer), etag: notebookEntityTag(result, users, viewer) };
  }

  /** Whether the project has a notebook with this short_id, deleted or not. */
  async hasNotebook(teamId: number, shortId: string): Promise<boolean> {
    return (await this.#repo.findByShortId(this.#db.kysely, teamId, shortId, { includeDeleted: true })) !== undefined;
  }

  /**
   * Writes a notebook copied from another server as it was there: short_id, timestamps, version
   * and deleted kept, and its id unless a notebook here has it. One write in the project's change
   * sequence, with no activity (nobody here did anything). 'present' when the project already has
   * that short_id: a copy never overwrites.
   */
  async writeCopy(project: Project, copy: NotebookCopy): Promise<'copied' | 'present'> {
    const written = await writeTransaction(this.#db, async (trx) => {
      if (await this.#repo.findByShortId(trx, project.id, copy.shortId, { includeDeleted: true, lock: true }))
        return false;
      const notebook: Notebook = {
        id: (await this.#repo.idExists(trx, copy.id)) ? uuidv7(copy.createdAt.getTime()) : copy.id,
        shortId: copy.shortId,
        teamId: project.id,
        title: copy.title,
        contentJson: null,
        textContent: copy.textContent,
        deleted: copy.deleted,
        visibility: 'default',
        version: copy.version,
        folder: DEFAULT_FOLDER,
        createdAt: copy.createdAt,
        createdById: copy.createdById,
        lastModifiedAt: copy.lastModifiedAt,
        lastModifiedById: copy.lastModifiedById,
        changeSeq: 0,
      };
      notebook.changeSeq = await this.#repo.nextChange(trx, project.id, notebook.deleted ? 0 : 1);
      await this.#repo.insert(trx, notebook, copy.content);
      await this.#logChange(trx, notebook, 'created', ['title', 'content', 'text_content', 'deleted', 'version']);
      return true;
    });
    if (!written) return 'present';
    this.#changeFeed?.committed(project.id);
    return 'copied';
  }

  /** Records a write for the change stream and tells other processes, in its transaction. */
  async #logChange(trx: Executor, notebook: Notebook, kind: NotebookChange['kind'], changedFields: string[]) {
    await this.#repo.logChange(trx, notebook.teamId, notebook.changeSeq, {
      kind,
      shortId: notebook.shortId,
      version: notebook.version,
      title: notebook.title,
      lastModifiedAt: notebook.lastModifiedAt,
      lastModifiedById: notebook.lastModifiedById,
      changedFields,
    });
    await this.#db.dialect.notify(trx, NOTEBOOK_CHANGES_CHANNEL, String(notebook.teamId));
  }

  /**
   * Watches the project's notebook writes from the one after `after` (undefined: from now on),
   * each as the change stream's event data. Returns the function that stops watching.
   */
  async watchChanges(
    ctx: NotebookContext,
    after: number | undefined,
    listener: ChangeEventListener,
  ): Promise<() => void> {
    if (this.#changes === undefined) throw new Error('no change feed is wired');
    // Users are looked up per batch; the chain keeps the batches in their order.
    let delivered = Promise.resolve();
    const inOrder = (deliver: () => Promise<void> | void) => {
      delivered = delivered.then(deliver).catch(() => listener.reset());
    };
    return this.#changes.subscribe(ctx.project.id, after, {
      changes: (changes) =>
        inOrder(async () => {
          const users = await this.#users.byIds(changes.map((change) => change.lastModifiedById));
          listener.changes(changes.map((change) => presentChangeEvent(change, users)));
        }),
      reset: () => inOrder(() => listener.reset()),
    });
  }

  async notebookActivity(ctx: NotebookContext, shortId: string, page: PageNumber): Promise<ActivityPage> {
    const notebook = await this.#repo.findByShortId(this.#db.kysely, ctx.project.id, shortId);
    if (!notebook) throw notFound();
    return this.#activity.page(ctx.project, SCOPE, [notebook.id, notebook.shortId], page);
  }

  async allActivity(ctx: NotebookContext, page: PageNumber): Promise<ActivityPage> {
    return this.#activity.page(ctx.project, SCOPE, null, page);
  }

  /** Comments on one recording, from the project's notebooks that embed it. */
  async recordingComments(ctx: NotebookContext, recordingId: string, order: ListOrder) {
    const notebooks = await this.#repo.listWithContent(
      ctx.project.id,
      { createdByCaller: false, contains: parseContains(`recording:${recordingId}`) },
      order,
    );
    return {
      results: notebooks.flatMap((notebook) =>
        recordingComments(
          { shortId: notebook.shortId, title: notebook.title, content: undefined, contentText: notebook.contentJson },
          recordingId,
        ),
      ),
    };
  }
}
