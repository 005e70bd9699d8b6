import type { User } from '../accounts/accounts.repository.ts';
import { formatDateTime } from '../http/datetime.ts';
import { pageNumberLink } from '../http/pagination.ts';
import type { JsonValue } from '../json/json-value.ts';
import { toJsonbOrder } from '../json/jsonb-text.ts';
import type { ActivityEntry } from './activity.repository.ts';

type Detail = { [key: string]: JsonValue };

function presentChange(change: JsonValue): JsonValue {
  if (change === null || typeof change !== 'object' || Array.isArray(change)) return change;
  // Stored JSON comes back from PostgreSQL's jsonb with its key order; values keep that order.
  return {
    type: change.type ?? null,
    action: change.action ?? null,
    field: change.field ?? null,
    before: toJsonbOrder(change.before ?? null),
    after: toJsonbOrder(change.after ?? null),
  };
}

/** ActivityLogSerializer: user, activity, scope, item_id, detail, created_at. */
export function presentActivity(entry: ActivityEntry, users: ReadonlyMap<number, User>) {
  const user = entry.userId === null ? undefined : users.get(entry.userId);
  const detail = (entry.detail ?? {}) as Detail;
  const changes = detail.changes;
  return {
    user: entry.isSystem
      ? { first_name: 'System', email: null, is_system: true }
      : user
        ? { first_name: user.firstName, email: user.email }
        : { first_name: '', email: '' },
    activity: entry.activity,
    scope: entry.scope,
    item_id: entry.itemId,
    detail: {
      changes: Array.isArray(changes) ? changes.map(presentChange) : null,
      trigger: detail.trigger ?? null,
      name: detail.name ?? null,
      short_id: detail.short_id ?? null,
      type: detail.type ?? null,
    },
    created_at: formatDateTime(entry.createdAt),
  };
}

/** A page of activity entries as the service reads it. */
export interface ActivityPage {
  results: Array<ReturnType<typeof presentActivity>>;
  total: number;
  page: number;
  limit: number;
}

/** PostHog's activity_page_response: {results, next, previous, total_count}, its links on the request's URL. */
export function presentActivityPage(page: ActivityPage, absoluteUrl: string) {
  const pages = Math.max(1, Math.ceil(page.total / page.limit));
  return {
    results: page.results,
    next: page.page < pages ? pageNumberLink(absoluteUrl, page.page + 1, page.limit) : null,
    previous: page.page > 1 ? pageNumberLink(absoluteUrl, page.page - 1, page.limit) : null,
    total_count: page.total,
  };
}
