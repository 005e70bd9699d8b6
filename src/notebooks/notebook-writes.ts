import type { Project } from '../accounts/accounts.repository.ts';
import { AccountsRepository } from '../accounts/accounts.repository.ts';
import { ActivityRepository } from '../activity/activity.repository.ts';
import { ActivityService } from '../activity/activity.service.ts';
import { changesBetween } from '../activity/changes.ts';
import { isTruthy } from '../compat/python-values.ts';
import { type Db, writeTransaction } from '../db/database.ts';
import type { Executor } from '../db/dialect.ts';
import { uuidv7 } from '../db/ids.ts';
import { ApiError, conflict, notFound, preconditionFailed } from '../http/errors.ts';
import type { JsonValue } from '../json/json-value.ts';
import { NOTEBOOK_CHANGES_CHANNEL } from './change-feed.ts';
import type { NotebookWrite } from './notebook-fields.ts';
import { type ContentWrite, type Notebook, type NotebookChange, NotebooksRepository } from './notebooks.repository.ts';

// The notebook writes' transactions: what runs between BEGIN and COMMIT for a create, an update
// and a copy. The service prepares each (the request's content as jsonb text, the If-Match check)
// and presents the result; a NotebookWriter runs the transaction, on this thread or — where the
// database's writing connection is owned by another thread — there, whole, so that the write's
// statements, its JavaScript and its commit cost the event loop one message each way.

const SCOPE = 'Notebook';
// changes_between's diffable Notebook fields, in model order (text_content is excluded).
const DIFFED_FIELDS = ['title', 'content', 'deleted', 'visibility', 'version'] as const;
const DEFAULT_FOLDER = 'Unfiled/Notebooks';

/** Who writes, in which project (a NotebookContext as data). */
export interface Writer {
  project: Project;
  userId: number;
}

/** A notebook to insert, complete but for its change number. */
export interface CreateJob {
  kind: 'create';
  writer: Writer;
  notebook: Notebook;
  content: ContentWrite;
  changedFields: string[];
}

/** An update as PostHog's serializer validated it, with the content's stored form and echo. */
export interface UpdateJob {
  kind: 'update';
  writer: Writer;
  shortId: string;
  data: NotebookWrite;
  content: { write: ContentWrite; echo: string } | undefined;
  /** The change number an If-Match vouched for: checked again under the row lock. */
  checkedChange: number | undefined;
  versionFromIfMatch: boolean;
}

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

export interface CopyJob {
  kind: 'copy';
  project: Project;
  copy: NotebookCopy;
}

export type NotebookWriteJob = CreateJob | UpdateJob | CopyJob;

/** An update's result: the notebook after it, and whether anything was written. */
export interface UpdateResult {
  notebook: Notebook;
  wrote: boolean;
}

interface WriteParts {
  db: Db;
  repo: NotebooksRepository;
  activity: ActivityService;
}

function diffable(notebook: Notebook, content: JsonValue): Record<string, JsonValue> {
  return {
    title: notebook.title,
    content,
    deleted: notebook.deleted,
    visibility: notebook.visibility,
    version: notebook.version,
  };
}

/** Records a write for the change stream and tells other processes, in its transaction. */
async function logChange(
  parts: WriteParts,
  trx: Executor,
  notebook: Notebook,
  kind: NotebookChange['kind'],
  changedFields: string[],
): Promise<void> {
  await parts.repo.logChange(trx, notebook.teamId, notebook.changeSeq, {
    kind,
    shortId: notebook.shortId,
    version: notebook.version,
    title: notebook.title,
    lastModifiedAt: notebook.lastModifiedAt,
    lastModifiedById: notebook.lastModifiedById,
    changedFields,
  });
  await parts.db.dialect.notify(trx, NOTEBOOK_CHANGES_CHANNEL, String(notebook.teamId));
}

async function create(parts: WriteParts, trx: Executor, job: CreateJob): Promise<Notebook> {
  const notebook = { ...job.notebook };
  notebook.changeSeq = await parts.repo.nextChange(trx, notebook.teamId, notebook.deleted ? 0 : 1);
  await parts.repo.insert(trx, notebook, job.content);
  await parts.activity.record(trx, {
    project: job.writer.project,
    userId: job.writer.userId,
    scope: SCOPE,
    activity: 'created',
    itemId: notebook.shortId,
    name: notebook.title,
    shortId: notebook.shortId,
    changes: null,
    at: notebook.createdAt,
  });
  await logChange(parts, trx, notebook, 'created', job.changedFields);
  return notebook;
}

async function update(parts: WriteParts, trx: Executor, job: UpdateJob): Promise<UpdateResult> {
  const { writer, content, checkedChange } = job;
  let data = job.data;
  const before = await parts.repo.findByShortId(trx, writer.project.id, job.shortId, {
    includeDeleted: true,
    lock: true,
  });
  if (!before) throw notFound();
  if (checkedChange !== undefined && before.changeSeq !== checkedChange) throw preconditionFailed();
  // A matching If-Match vouches for the version the client holds, where the request has none.
  if (job.versionFromIfMatch && checkedChange !== undefined && data.version === undefined) {
    data = { ...data, version: before.version };
  }
  if (Object.keys(data).length === 0) return { notebook: before, wrote: false };
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
    lastModifiedById: writer.userId,
    changeSeq: await parts.repo.nextChange(trx, before.teamId, listedDelta),
  };
  const written = await parts.repo.update(
    trx,
    before,
    {
      ...(data.title !== undefined && { title: after.title }),
      ...(content !== undefined && { content: content.write }),
      ...(data.text_content !== undefined && { textContent: after.textContent }),
      ...(data.deleted !== undefined && { deleted: after.deleted }),
      version,
      lastModifiedAt: now,
      lastModifiedById: writer.userId,
      changeSeq: after.changeSeq,
    },
    before.version,
  );
  if (!written) throw conflict('Someone else edited the Notebook');
  const contentBefore = before.contentJson === null ? null : (JSON.parse(before.contentJson) as JsonValue);
  const contentAfter = data.content !== undefined ? data.content : contentBefore;
  const changes = changesBetween(SCOPE, DIFFED_FIELDS, diffable(before, contentBefore), diffable(after, contentAfter));
  const deletedChange = changes.find((change) => change.field === 'deleted');
  const activity = deletedChange ? (deletedChange.after === false ? 'restored' : 'deleted') : 'updated';
  if (activity !== 'updated' || changes.length > 0) {
    await parts.activity.record(trx, {
      project: writer.project,
      userId: writer.userId,
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
  await logChange(parts, trx, after, activity, changedFields);
  return { notebook: after, wrote: true };
}

/**
 * Writes a notebook copied from another server as it was there: short_id, timestamps, version
 * and deleted kept, and its id unless a notebook here has it. One write in the project's change
 * sequence, with no activity (nobody here did anything). False when the project already has
 * that short_id: a copy never overwrites.
 */
async function copy(parts: WriteParts, trx: Executor, job: CopyJob): Promise<boolean> {
  const { project, copy } = job;
  if (await parts.repo.findByShortId(trx, project.id, copy.shortId, { includeDeleted: true, lock: true })) return false;
  const notebook: Notebook = {
    id: (await parts.repo.idExists(trx, copy.id)) ? uuidv7(copy.createdAt.getTime()) : copy.id,
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
  notebook.changeSeq = await parts.repo.nextChange(trx, project.id, notebook.deleted ? 0 : 1);
  await parts.repo.insert(trx, notebook, copy.content);
  await logChange(parts, trx, notebook, 'created', ['title', 'content', 'text_content', 'deleted', 'version']);
  return true;
}

function runJob(parts: WriteParts, job: NotebookWriteJob): Promise<Notebook | UpdateResult | boolean> {
  return writeTransaction(parts.db, async (trx) => {
    if (job.kind === 'create') return create(parts, trx, job);
    if (job.kind === 'update') return update(parts, trx, job);
    return copy(parts, trx, job);
  });
}

/** Runs the notebook write transactions. */
export interface NotebookWriter {
  create(job: CreateJob): Promise<Notebook>;
  update(job: UpdateJob): Promise<UpdateResult>;
  copy(job: CopyJob): Promise<boolean>;
}

/** On this thread, in the database's write transactions (group commits on SQLite). */
export class LocalNotebookWriter implements NotebookWriter {
  readonly #parts: WriteParts;

  constructor(db: Db, repo: NotebooksRepository, activity: ActivityService) {
    this.#parts = { db, repo, activity };
  }

  create(job: CreateJob): Promise<Notebook> {
    return runJob(this.#parts, job) as Promise<Notebook>;
  }

  update(job: UpdateJob): Promise<UpdateResult> {
    return runJob(this.#parts, job) as Promise<UpdateResult>;
  }

  copy(job: CopyJob): Promise<boolean> {
    return runJob(this.#parts, job) as Promise<boolean>;
  }
}

/** What crosses between the threads: the value, or the API error (status and envelope) the write ended in. */
type JobOutcome =
  | { ok: true; value: Notebook | UpdateResult | boolean }
  | { ok: false; statusCode: number; envelope: ApiError['envelope']; headers: Record<string, string> };

/** On the thread that owns the database's writing connection (Db.writerJobs), whole. */
export class ThreadNotebookWriter implements NotebookWriter {
  readonly #run: (module: string, payload: unknown) => Promise<unknown>;

  constructor(run: (module: string, payload: unknown) => Promise<unknown>) {
    this.#run = run;
  }

  async #job(job: NotebookWriteJob): Promise<Notebook | UpdateResult | boolean> {
    const outcome = (await this.#run(import.meta.url, job)) as JobOutcome;
    if (!outcome.ok) throw new ApiError(outcome.statusCode, outcome.envelope, outcome.headers);
    return outcome.value;
  }

  async create(job: CreateJob): Promise<Notebook> {
    return (await this.#job(job)) as Notebook;
  }

  async update(job: UpdateJob): Promise<UpdateResult> {
    return (await this.#job(job)) as UpdateResult;
  }

  async copy(job: CopyJob): Promise<boolean> {
    return (await this.#job(job)) as boolean;
  }
}

/** The writer thread's side (db/sqlite-writer-thread.ts): runs each job in its group commits. */
export function createWriterJobs(db: Db): (payload: unknown) => Promise<JobOutcome> {
  const accounts = new AccountsRepository(db.kysely, db.dialect);
  const parts: WriteParts = {
    db,
    repo: new NotebooksRepository(db.kysely, db.dialect),
    activity: new ActivityService(new ActivityRepository(db.kysely, db.dialect), accounts),
  };
  return async (payload) => {
    try {
      return { ok: true, value: await runJob(parts, payload as NotebookWriteJob) };
    } catch (error) {
      if (error instanceof ApiError)
        return { ok: false, statusCode: error.statusCode, envelope: error.envelope, headers: error.headers };
      throw error;
    }
  };
}
