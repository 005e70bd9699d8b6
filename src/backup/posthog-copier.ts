import type { AccountsRepository, Project } from '../accounts/accounts.repository.ts';
import { contentJsonbText } from '../compat/python-json-text.ts';
import { hasNullCharacter } from '../http/null-characters.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.ts';
import { parseJsonKeepingNumberText } from '../json/number-texts.ts';
import type { NotebookCopy, NotebooksService } from '../notebooks/notebooks.service.ts';
import type { PosthogClient } from './posthog-client.ts';

// Copies every notebook of a PostHog project (or of any server speaking its API) into a project
// here: the list gives the short_ids (its items carry no content), each notebook is retrieved
// and written as it was there. The database is the copy's state: a notebook whose short_id the
// project already has is skipped without being retrieved, so a second run after an interruption
// copies only what the first did not.

/** Notebooks asked for per list request when the caller names no page size: PostHog's own default. */
export const DEFAULT_PAGE_SIZE = 100;

export interface CopyProgress {
  /** Notebooks handled so far: copied, skipped or failed. */
  done: number;
  /** The source's count when the copy began. */
  total: number;
}

export interface CopyOptions {
  client: PosthogClient;
  sourceProject: number;
  into: Project;
  /** Notebooks asked for per list request (`limit`); DEFAULT_PAGE_SIZE when not given. */
  pageSize?: number;
  onProgress?: (progress: CopyProgress) => void;
}

export interface CopySummary {
  source_project: number;
  into_project: number;
  /** The notebooks the source listed. */
  listed: number;
  copied: number;
  /** Already here (copied before, or a notebook of this project with the same short_id). */
  skipped: number;
  failed: Array<{ short_id: string; reason: string }>;
}

interface ListPage {
  count: number;
  next: string | null;
  results: Array<{ short_id?: unknown }>;
}

/** Copies the source project's notebooks; never overwrites, reports what it skipped or could not copy. */
export async function copyFromPosthog(
  notebooks: NotebooksService,
  accounts: AccountsRepository,
  options: CopyOptions,
): Promise<CopySummary> {
  const { client, sourceProject, into, pageSize = DEFAULT_PAGE_SIZE } = options;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1)
    throw new RangeError(`the page size must be a whole number above 0, not ${pageSize}`);
  const summary: CopySummary = {
    source_project: sourceProject,
    into_project: into.id,
    listed: 0,
    copied: 0,
    skipped: 0,
    failed: [],
  };
  const userIds = new Map<string, number | null>();
  /** The user here with the source user's email, or null. */
  const localUser = async (user: JsonValue | undefined): Promise<number | null> => {
    if (!isJsonObject(user) || typeof user.email !== 'string' || user.email === '') return null;
    if (!userIds.has(user.email)) userIds.set(user.email, (await accounts.findUserByEmail(user.email))?.id ?? null);
    return userIds.get(user.email) ?? null;
  };

  const base = `api/projects/${sourceProject}/notebooks/`;
  // Oldest first: notebooks created during the copy are appended to the last pages, not shifted in front.
  let next: string | null = client.url(`${base}?order=created_at&limit=${pageSize}`);
  let total: number | undefined;
  while (next !== null) {
    const page = parseListPage(await client.get(next));
    total ??= page.count;
    for (const item of page.results) {
      summary.listed += 1;
      const shortId = typeof item.short_id === 'string' ? item.short_id : '';
      try {
        if (!/^[A-Za-z0-9]+$/.test(shortId)) throw new Error('the list gave no short_id');
        if (await notebooks.hasNotebook(into.id, shortId)) summary.skipped += 1;
        else {
          const detail = await client.get(client.url(`${base}${shortId}/`));
          const copy = await notebookCopy(detail, localUser);
          if ((await notebooks.writeCopy(into, copy)) === 'copied') summary.copied += 1;
          else summary.skipped += 1;
        }
      } catch (error) {
        summary.failed.push({ short_id: shortId, reason: (error as Error).message });
      }
      options.onProgress?.({ done: summary.copied + summary.skipped + summary.failed.length, total: total ?? 0 });
    }
    next = page.next === null ? null : client.follow(page.next);
  }
  return summary;
}

function parseListPage(body: string): ListPage {
  let page: unknown;
  try {
    page = JSON.parse(body);
  } catch {
    throw new Error('the source answered the notebook list with something other than JSON');
  }
  const { count, next, results } = (page ?? {}) as Partial<ListPage>;
  if (typeof count !== 'number' || !(next === null || typeof next === 'string') || !Array.isArray(results))
    throw new Error('the source answered the notebook list without count, next and results');
  return { count, next, results };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function field<T>(detail: JsonObject, name: string, valid: (value: JsonValue | undefined) => boolean): T {
  const value = detail[name];
  if (!valid(value)) throw new Error(`the notebook has no valid ${name}`);
  return value as T;
}

function timestamp(detail: JsonObject, name: string): Date {
  const at = new Date(field<string>(detail, name, (value) => typeof value === 'string'));
  if (Number.isNaN(at.getTime())) throw new Error(`the notebook's ${name} is not a timestamp`);
  return at;
}

/**
 * A retrieve answer as the notebook to write. Its content is read as a request's would be
 * (number texts kept: `42.0` stays a float), and stored as PostHog stores request content.
 */
async function notebookCopy(
  body: string,
  localUser: (user: JsonValue | undefined) => Promise<number | null>,
): Promise<NotebookCopy> {
  const { value, numberTexts } = parseJsonKeepingNumberText(body);
  if (!isJsonObject(value)) throw new Error('the notebook is not a JSON object');
  const optionalText = (v: JsonValue | undefined) => v === null || typeof v === 'string';
  const title = field<string | null>(value, 'title', optionalText);
  const textContent = field<string | null>(value, 'text_content', (v) => v === undefined || optionalText(v)) ?? null;
  const content = value.content ?? null;
  if (hasNullCharacter(title) || hasNullCharacter(textContent) || hasNullCharacter(content))
    throw new Error('the notebook holds the character U+0000, which neither engine here answers with');
  return {
    id: field<string>(value, 'id', (v) => typeof v === 'string' && UUID.test(v)).toLowerCase(),
    shortId: field<string>(value, 'short_id', (v) => typeof v === 'string'),
    title,
    content: content === null ? null : { value: content, jsonb: contentJsonbText(content, numberTexts) },
    textContent,
    deleted: field<boolean>(value, 'deleted', (v) => v === undefined || typeof v === 'boolean') ?? false,
    version: field<number>(value, 'version', (v) => Number.isSafeInteger(v)),
    createdAt: timestamp(value, 'created_at'),
    createdById: await localUser(value.created_by),
    lastModifiedAt: timestamp(value, 'last_modified_at'),
    lastModifiedById: await localUser(value.last_modified_by),
  };
}
