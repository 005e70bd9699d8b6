import { presentUserBasic } from '../accounts/accounts.presenters.ts';
import type { User } from '../accounts/accounts.repository.ts';
import { formatDateTime } from '../http/datetime.ts';
import { entityTagOf } from '../http/entity-tags.ts';
import type { Notebook, NotebookBodies, NotebookListItem, RecordedChange } from './notebooks.repository.ts';
import type { ListPage } from './notebooks.service.ts';

export type AccessLevel = 'manager' | 'editor';

export interface Viewer {
  userId: number;
  /** The caller's membership level in the project's organization. */
  membershipLevel: number;
}

const ADMIN_LEVEL = 8;

/** Without RBAC rows: the creator and organization admins/owners manage, everyone else edits. */
export function userAccessLevel(viewer: Viewer, createdById: number | null): AccessLevel {
  return createdById === viewer.userId || viewer.membershipLevel >= ADMIN_LEVEL ? 'manager' : 'editor';
}

const nestedUser = (users: ReadonlyMap<number, User>, id: number | null) => {
  const user = id === null ? undefined : users.get(id);
  return user ? presentUserBasic(user) : null;
};

/** Nested users as JSON text, each rendered once per response. */
export class UserJsonCache {
  readonly #users: ReadonlyMap<number, User>;
  readonly #json = new Map<number | null, string>();

  constructor(users: ReadonlyMap<number, User>) {
    this.#users = users;
  }

  /** Every user rendered so far, in order: what the response shows of users. */
  rendered(): string {
    return [...this.#json.values()].join('\n');
  }

  get(id: number | null): string {
    let text = this.#json.get(id);
    if (text === undefined) {
      text = JSON.stringify(nestedUser(this.#users, id));
      this.#json.set(id, text);
    }
    return text;
  }
}

/**
 * NotebookMinimalSerializer: the list item, as JSON text (the list is the hottest response). The
 * database renders the notebook's own fields, in this order (Dialect.listItemHead / listItemMid):
 * id, short_id, title, deleted, created_at, then created_by, last_modified_at, last_modified_by;
 * the users and the caller's access level are spliced in here.
 */
export function presentNotebookListItem(item: NotebookListItem, users: UserJsonCache, viewer: Viewer): string {
  return `${item.head}${users.get(item.createdById)}${item.mid}${users.get(item.lastModifiedById)},"user_access_level":"${userAccessLevel(viewer, item.createdById)}"}`;
}

/**
 * NotebookSerializer: the detail body of create, retrieve and update, as JSON text — the
 * content is spliced in as the text PostHog would send (notebooks/content-text.ts), never
 * parsed and re-serialized. A retrieve passes content and text_content as the database renders
 * them; given as bytes (SQLite), they make the body bytes.
 */
export function presentNotebook(notebook: Notebook, users: ReadonlyMap<number, User>, viewer: Viewer): string;
export function presentNotebook(
  notebook: Omit<Notebook, 'contentJson' | 'textContent'>,
  users: ReadonlyMap<number, User>,
  viewer: Viewer,
  bodies: NotebookBodies,
): string | Buffer;
export function presentNotebook(
  notebook: Omit<Notebook, 'contentJson' | 'textContent'> & Partial<Pick<Notebook, 'contentJson' | 'textContent'>>,
  users: ReadonlyMap<number, User>,
  viewer: Viewer,
  bodies: NotebookBodies = {
    content: notebook.contentJson ?? null,
    textContent: JSON.stringify(notebook.textContent ?? null),
  },
): string | Buffer {
  const head = `{"id":${JSON.stringify(notebook.id)},"short_id":${JSON.stringify(notebook.shortId)},"title":${JSON.stringify(notebook.title)},"content":`;
  const tail =
    `,"version":${notebook.version},"deleted":${notebook.deleted},` +
    `"created_at":${JSON.stringify(formatDateTime(notebook.createdAt))},"created_by":${JSON.stringify(nestedUser(users, notebook.createdById))},` +
    `"last_modified_at":${JSON.stringify(formatDateTime(notebook.lastModifiedAt))},"last_modified_by":${JSON.stringify(nestedUser(users, notebook.lastModifiedById))},` +
    `"user_access_level":${JSON.stringify(userAccessLevel(viewer, notebook.createdById))}}`;
  const { content, textContent } = bodies;
  if (content instanceof Uint8Array || textContent instanceof Uint8Array) {
    const bytes = (part: string | Uint8Array) => (typeof part === 'string' ? Buffer.from(part) : part);
    return Buffer.concat([
      Buffer.from(head),
      bytes(content ?? 'null'),
      TEXT_CONTENT_KEY,
      bytes(textContent),
      Buffer.from(tail),
    ]);
  }
  return `${head}${content ?? 'null'},"text_content":${textContent}${tail}`;
}

const TEXT_CONTENT_KEY = Buffer.from(',"text_content":');

/**
 * The ETag of the notebook as this viewer retrieves it. Every write stamps the notebook with its
 * project's next change number, so the number stands for the notebook's own fields; the nested
 * users and the viewer's access level are the rest of the answer.
 */
export function notebookEntityTag(
  notebook: Pick<Notebook, 'id' | 'changeSeq' | 'createdById' | 'lastModifiedById'>,
  users: ReadonlyMap<number, User>,
  viewer: Viewer,
): string {
  return entityTagOf(
    'notebook',
    notebook.id,
    String(notebook.changeSeq),
    JSON.stringify(nestedUser(users, notebook.createdById)),
    JSON.stringify(nestedUser(users, notebook.lastModifiedById)),
    userAccessLevel(viewer, notebook.createdById),
  );
}

const RESULTS_END = Buffer.from(']}');

/**
 * The list's body and ETag: PostHog's pagination envelope around the page's items. A cached page
 * is sent again and again with the same links, so its last body is kept on it and reused.
 */
export function presentNotebookListPage(
  page: ListPage,
  links: { next: string | null; previous: string | null },
): { body: Buffer; etag: string } {
  const head = `{"count":${page.count},"next":${JSON.stringify(links.next)},"previous":${JSON.stringify(links.previous)},"results":[`;
  if (page.rendered?.links === head) return page.rendered;
  const rendered = {
    links: head,
    body: Buffer.concat([Buffer.from(head), page.items, RESULTS_END]),
    etag: entityTagOf(page.tag, head),
  };
  page.rendered = rendered;
  return rendered;
}

/** One notebook write as a change-stream event: never the content. */
export function presentChangeEvent(change: RecordedChange, users: ReadonlyMap<number, User>) {
  return {
    id: String(change.seq),
    event: change.kind,
    data: JSON.stringify({
      short_id: change.shortId,
      version: change.version,
      title: change.title,
      last_modified_at: formatDateTime(change.lastModifiedAt),
      last_modified_by: nestedUser(users, change.lastModifiedById),
      changed_fields: change.changedFields,
    }),
  };
}
