import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/database.ts';
import { createServices } from '../../src/services.ts';

/** One GET as a caller: its status, ETag and exact body. */
export type Get = (url: string, key: string) => Promise<{ status: number; etag?: string; body: string }>;

/** The list queries every project is read with: each order, and each filter the derived indexes answer. */
const LIST_QUERIES = [
  '',
  'order=created_at',
  'order=-created_at',
  'order=title',
  'order=-title',
  'order=last_modified_at',
  'search=pony',
  'search=hobbies+ponies',
  'search=caf%C3%A9',
  'search=pony&order=-created_at',
  'contains=recording:true',
  'contains=recording:false',
  'contains=recording:rec-1',
  'contains=insight:ins-7',
  'contains=recording:true&search=pony',
  'user=true',
  'date_from=-30d',
];

export interface AnswerPlan {
  /** Keys of the callers, the first of whom reads everything; every one reads the unfiltered list and @me. */
  keys: string[];
  projects: number[];
  /** Notebooks the list does not show (deleted), retrieved and their activity read all the same. */
  unlisted: Array<{ project: number; shortId: string }>;
  recordings: string[];
}

const pathOf = (link: string) => {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
};

/**
 * Every answer of every read endpoint: the projects and the caller, each project's lists (every
 * page, every order and filter), every notebook and its activity (every page), the project's
 * activity, and the comments on recordings. Keyed by "<caller> <url>", "<status> <ETag> <body>" each.
 */
export async function collectAnswers(get: Get, plan: AnswerPlan): Promise<Map<string, string>> {
  const answers = new Map<string, string>();
  const read = async (url: string, caller: number) => {
    const answer = await get(url, plan.keys[caller]);
    // A relative date is resolved when asked, and a list's ETag names the resolved filters.
    const etag = url.includes('date_from=') ? '' : (answer.etag ?? '');
    answers.set(`${caller} ${url}`, `${answer.status} ${etag} ${answer.body}`);
    return answer;
  };
  /** Reads a paginated answer from `url` to its last page; returns the pages' results. */
  const readPages = async (url: string, caller: number) => {
    const results: Array<Record<string, unknown>> = [];
    for (let next: string | null = url; next !== null; ) {
      const answer = await read(next, caller);
      if (answer.status !== 200) break;
      const page = JSON.parse(answer.body) as { next: string | null; results: Array<Record<string, unknown>> };
      results.push(...page.results);
      next = page.next === null ? null : pathOf(page.next);
    }
    return results;
  };
  for (const [caller] of plan.keys.entries()) {
    await read('/api/users/@me/', caller);
    await read('/api/projects/', caller);
  }
  for (const project of plan.projects) {
    const base = `/api/projects/${project}/notebooks/`;
    await read(`/api/projects/${project}/`, 0);
    const listed = await readPages(`${base}?limit=40`, 0);
    for (const [caller] of plan.keys.entries()) await readPages(base, caller);
    for (const query of LIST_QUERIES) await readPages(`${base}?${query}&limit=25`, 0);
    const shortIds = [
      ...listed.map((item) => String(item.short_id)),
      ...plan.unlisted.filter((notebook) => notebook.project === project).map((notebook) => notebook.shortId),
    ];
    for (const shortId of shortIds) {
      await read(`${base}${shortId}/`, 0);
      await readPages(`${base}${shortId}/activity/?limit=3`, 0);
    }
    await readPages(`${base}activity/?limit=30`, 0);
    for (const recording of plan.recordings) await read(`${base}recording_comments/?recording_id=${recording}`, 0);
  }
  return answers;
}

/** The first answer that differs between two collections, or undefined when every one is the same. */
export function firstDifference(expected: Map<string, string>, actual: Map<string, string>): string | undefined {
  for (const [url, answer] of expected) {
    const other = actual.get(url);
    if (other !== answer) return `${url}\n  expected: ${answer.slice(0, 600)}\n  actual:   ${other?.slice(0, 600)}`;
  }
  for (const url of actual.keys()) if (!expected.has(url)) return `${url} was not expected`;
  return undefined;
}

/** The real app over the database at `databaseUrl`, answering in process, and how to close it. */
export async function openApp(databaseUrl: string): Promise<{ get: Get; close(): Promise<void> }> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, RATE_LIMITS: 'off', LOG_LEVEL: 'silent' });
  const db = await openDatabase(config.database);
  const app = await buildApp(config, createServices(db, config));
  await app.ready();
  return {
    async get(url, key) {
      const response = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
      return { status: response.statusCode, etag: response.headers.etag as string | undefined, body: response.body };
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
}
