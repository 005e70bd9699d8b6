import type { AccountsRepository, Project } from '../accounts/accounts.repository.ts';
import type { Executor } from '../db/dialect.ts';
import { uuidv7 } from '../db/ids.ts';
import type { PageNumber } from '../http/pagination.ts';
import type { JsonValue } from '../json/json-value.ts';
import { type ActivityPage, presentActivity } from './activity.presenters.ts';
import type { ActivityRepository } from './activity.repository.ts';
import type { Change } from './changes.ts';

export interface ActivityRecord {
  project: Project;
  userId: number;
  scope: string;
  activity: string;
  itemId: string;
  name: string | null;
  shortId: string;
  changes: Change[] | null;
  at: Date;
}

/** The activity log: written inside the caller's transaction, read a page at a time. */
export class ActivityService {
  readonly #repo: ActivityRepository;
  readonly #accounts: AccountsRepository;

  constructor(repo: ActivityRepository, accounts: AccountsRepository) {
    this.#repo = repo;
    this.#accounts = accounts;
  }

  async record(db: Executor, record: ActivityRecord): Promise<void> {
    const detail: JsonValue = {
      name: record.name,
      short_id: record.shortId,
      type: null,
      changes: record.changes as unknown as JsonValue,
      trigger: null,
      context: null,
    };
    await this.#repo.insert(db, {
      id: uuidv7(record.at.getTime()),
      teamId: record.project.id,
      organizationId: record.project.organizationId,
      userId: record.userId,
      isSystem: false,
      activity: record.activity,
      scope: record.scope,
      itemId: record.itemId,
      detail,
      createdAt: record.at,
    });
  }

  /** One page of a project's activity for a scope, newest first, optionally for some item ids. */
  async page(project: Project, scope: string, itemIds: string[] | null, request: PageNumber): Promise<ActivityPage> {
    const { limit, page } = request;
    const offset = (page - 1) * limit;
    const { total, entries } = await this.#repo.page(
      project.id,
      scope,
      itemIds,
      limit,
      Number.isSafeInteger(offset) ? offset : Number.MAX_SAFE_INTEGER,
    );
    const users = await this.#accounts.findUsersByIds([
      ...new Set(entries.flatMap((e) => (e.userId === null ? [] : [e.userId]))),
    ]);
    return { results: entries.map((entry) => presentActivity(entry, users)), total, page, limit };
  }
}
