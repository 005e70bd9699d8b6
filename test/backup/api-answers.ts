import type { FastifyInstance } from 'fastify';
import { newSessionId, SESSION_COOKIE, sessionIdHash } from '../../src/accounts/session-cookies.ts';
import { SessionsRepository } from '../../src/accounts/sessions.repository.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase, writeTransaction } from '../../src/db/database.ts';
import { createServices, type Services } from '../../src/services.ts';
import { openEventStream } from '../support/event-stream-client.ts';

/** One GET as a caller: its status, ETag and exact body. */
export type Get = (url: string, key: string) => Promise<{ status: number; etag?: string; body: string }>;

/** One GET: as the holder of a key, or as a browser signed in as a user; with an Accept header if given. */
export interface Question {
  url: string;
  asker: { key: string } | { browserOf: number };
  accept?: string;
}

/** An answer: its status, the compared headers, and its exact body. */
export interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

/** A server over one database: its answers in process, and its event streams over HTTP. */
export interface AnsweringServer {
  get: Get;
  ask(question: Question): Promise<Answer>;
  /** Where the server listens (from the first call on), for event streams. */
  origin(): Promise<string>;
}

/**
 * The headers compared with the body. Left out: Set-Cookie, a browser's new CSRF secret (random
 * each time), and Cache-Status, which says whether this process's list cache answered: that
 * depends on what the process was asked before, not on the data.
 */
const COMPARED_HEADERS = ['etag', 'content-type', 'vary', 'notebooks-last-event-id'] as const;

/** How long a stream may stay silent before the events it still owes are taken as missing. */
const STREAM_WAIT_MS = 5000;

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
  /**
   * The callers: each one's key and user. The first reads everything of `projects`; every one
   * reads the unfiltered lists, the account endpoints with its key, and those a browser signed
   * in as its user reads.
   */
  callers: Array<{ key: string; userId: number }>;
  projects: number[];
  /** Notebooks the list does not show (deleted), retrieved and their activity read all the same. */
  unlisted: Array<{ project: number; shortId: string }>;
  recordings: string[];
  /** Organizations every caller reads by id, besides its "@current" one. */
  organizations: string[];
}

const pathOf = (link: string) => {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
};

/**
 * The server's answers over `app` and its services. A browser is signed in by writing its
 * session as sign-in does, without recording the login: users.last_login is data that every copy
 * must hold the same, while sessions belong to the server they were opened on and never travel.
 */
export function answeringServer(app: FastifyInstance, services: Services): AnsweringServer {
  const browsers = new Map<number, Promise<string>>();
  const sessions = new SessionsRepository(services.db.kysely, services.db.dialect, services.accountsRepository);
  const signedIn = (userId: number) => {
    let cookie = browsers.get(userId);
    if (cookie === undefined) {
      cookie = (async () => {
        const sessionId = newSessionId();
        const now = new Date(services.clock());
        await writeTransaction(services.db, (trx) =>
          sessions.within(trx).insert({
            idHash: sessionIdHash(sessionId),
            userId,
            createdAt: now,
            authenticatedAt: now,
            expiresAt: new Date(now.getTime() + services.sessionCookies.sessionAgeMs),
          }),
        );
        return `${SESSION_COOKIE}=${sessionId}`;
      })();
      browsers.set(userId, cookie);
    }
    return cookie;
  };
  const ask = async (question: Question): Promise<Answer> => {
    const headers: Record<string, string> = {};
    if ('key' in question.asker) headers.authorization = `Bearer ${question.asker.key}`;
    else headers.cookie = await signedIn(question.asker.browserOf);
    if (question.accept !== undefined) headers.accept = question.accept;
    const response = await app.inject({ method: 'GET', url: question.url, headers });
    const compared: Answer['headers'] = {};
    for (const name of COMPARED_HEADERS) {
      const value = response.headers[name];
      compared[name] = value === undefined ? undefined : String(value);
    }
    return { status: response.statusCode, headers: compared, body: response.body };
  };
  let listening: Promise<string> | undefined;
  return {
    ask,
    async get(url, key) {
      const answer = await ask({ url, asker: { key } });
      return { status: answer.status, etag: answer.headers.etag, body: answer.body };
    },
    origin() {
      listening ??= app.listen({ host: '127.0.0.1', port: 0 });
      return listening;
    },
  };
}

/**
 * Every answer of every read endpoint: each caller's user, projects, organizations (by
 * "@current" and by id), members, invites and keys, and the same as a browser signed in as the
 * caller's user; each project's lists (every page, every order and filter), every notebook as
 * JSON and as Markdown and its activity (every page), the project's activity, the comments on
 * recordings, and the change stream replayed from the start and from within. Keyed by
 * "<asker> <url>", "<status> <compared headers> <body>" each.
 */
export async function collectAnswers(server: AnsweringServer, plan: AnswerPlan): Promise<Map<string, string>> {
  const answers = new Map<string, string>();
  const read = async (url: string, caller: number, options: { browser?: boolean; accept?: string } = {}) => {
    const { key, userId } = plan.callers[caller];
    const answer = await server.ask({
      url,
      asker: options.browser ? { browserOf: userId } : { key },
      accept: options.accept,
    });
    const headers = { ...answer.headers };
    // A relative date is resolved when asked, and a list's ETag names the resolved filters.
    if (url.includes('date_from=')) headers.etag = undefined;
    const asker = `${caller}${options.browser ? ' browser' : ''}${options.accept ? ` accept:${options.accept}` : ''}`;
    const compared = COMPARED_HEADERS.map((name) => `${name}:${headers[name] ?? '-'}`).join(' ');
    answers.set(`${asker} ${url}`, `${answer.status} ${compared} ${answer.body}`);
    return answer;
  };
  /** Reads a paginated answer from `url` to its last page; returns the first page's answer and the pages' results. */
  const readPages = async (url: string, caller: number, options: { browser?: boolean } = {}) => {
    const results: Array<Record<string, unknown>> = [];
    let first: Answer | undefined;
    for (let next: string | null = url; next !== null; ) {
      const answer = await read(next, caller, options);
      first ??= answer;
      if (answer.status !== 200) break;
      const page = JSON.parse(answer.body) as { next: string | null; results: Array<Record<string, unknown>> };
      results.push(...page.results);
      next = page.next === null ? null : pathOf(page.next);
    }
    return { first: first as Answer, results };
  };
  /**
   * Replays a change stream (which never ends by itself) until the event numbered `lastEventId`,
   * the project's last write, or a reset: the events a copy owes are all there, and then nothing
   * is waited for. Heartbeats are comments, which the client does not count as events.
   */
  const replay = async (url: string, caller: number, lastEventId: number) => {
    const stream = await openEventStream(`${await server.origin()}${url}`, {
      authorization: `Bearer ${plan.callers[caller].key}`,
    });
    const received: string[] = [];
    try {
      const since = Number(new URL(url, 'http://copy').searchParams.get('since'));
      let owed = stream.status === 200 && since !== lastEventId;
      while (owed) {
        const event = await stream.next(STREAM_WAIT_MS).catch(() => undefined);
        if (event === undefined) {
          received.push(`(no event within ${STREAM_WAIT_MS} ms)`);
          break;
        }
        received.push(`id: ${event.id ?? '-'}\nevent: ${event.event}\ndata: ${event.data}`);
        owed = event.event !== 'reset' && Number(event.id) < lastEventId;
      }
    } finally {
      stream.close();
    }
    const body = stream.body ?? received.join('\n\n');
    answers.set(`${caller} stream ${url}`, `${stream.status} ${stream.headers.get('content-type')} ${body}`);
  };

  for (const [caller, { userId }] of plan.callers.entries()) {
    await read('/api/users/@me/', caller);
    await read('/api/projects/', caller);
    for (const organization of ['@current', ...plan.organizations]) {
      const base = `/api/organizations/${organization}/`;
      await read(base, caller);
      await readPages(`${base}members/?limit=2`, caller);
      await readPages(`${base}invites/?limit=2`, caller);
    }
    // A key reads itself only; the list of a user's keys is a browser's.
    await read('/api/personal_api_keys/', caller);
    await read('/api/personal_api_keys/@current/', caller);
    if (plan.callers.findIndex((other) => other.userId === userId) === caller) {
      for (const url of [
        '/api/personal_api_keys/',
        '/api/users/@me/',
        '/api/organizations/@current/',
        '/api/projects/',
      ])
        await read(url, caller, { browser: true });
    }
  }
  for (const project of plan.projects) {
    const base = `/api/projects/${project}/notebooks/`;
    await read(`/api/projects/${project}/`, 0);
    const listed = await readPages(`${base}?limit=40`, 0);
    for (const [caller] of plan.callers.entries()) await readPages(base, caller);
    for (const query of LIST_QUERIES) await readPages(`${base}?${query}&limit=25`, 0);
    const shortIds = [
      ...listed.results.map((item) => String(item.short_id)),
      ...plan.unlisted.filter((notebook) => notebook.project === project).map((notebook) => notebook.shortId),
    ];
    for (const shortId of shortIds) {
      await read(`${base}${shortId}/`, 0);
      await read(`${base}${shortId}/`, 0, { accept: 'text/markdown' });
      await read(`${base}${shortId}/?format=markdown`, 0);
      await readPages(`${base}${shortId}/activity/?limit=3`, 0);
    }
    await readPages(`${base}activity/?limit=30`, 0);
    for (const recording of plan.recordings) await read(`${base}recording_comments/?recording_id=${recording}`, 0);
    const lastEventId = Number(listed.first.headers['notebooks-last-event-id'] ?? 0);
    for (const since of [0, Math.floor(lastEventId / 2), lastEventId, 999_999])
      await replay(`${base}events/?since=${since}`, 0, lastEventId);
    await replay(`${base}events/?since=0`, 1, lastEventId);
  }
  return answers;
}

/**
 * The first answer that differs between two collections, or undefined when every one is the same:
 * its key, and both answers from a little before the first character where they part.
 */
export function firstDifference(expected: Map<string, string>, actual: Map<string, string>): string | undefined {
  for (const [url, answer] of expected) {
    const other = actual.get(url);
    if (other === answer) continue;
    if (other === undefined) return `${url} is missing`;
    let at = 0;
    while (at < answer.length && answer[at] === other[at]) at++;
    const from = Math.max(0, at - 300);
    const excerpt = (text: string) => `${from > 0 ? '…' : ''}${text.slice(from, at + 300)}`;
    return `${url}\n  expected: ${excerpt(answer)}\n  actual:   ${excerpt(other)}`;
  }
  for (const url of actual.keys()) if (!expected.has(url)) return `${url} was not expected`;
  return undefined;
}

/** The real app over the database at `databaseUrl`, answering in process, and how to close it. */
export async function openApp(databaseUrl: string): Promise<AnsweringServer & { close(): Promise<void> }> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, RATE_LIMITS: 'off', LOG_LEVEL: 'silent' });
  const db = await openDatabase(config.database);
  const services = createServices(db, config);
  const app = await buildApp(config, services);
  await app.ready();
  return {
    ...answeringServer(app, services),
    async close() {
      await app.close();
      await db.close();
    },
  };
}
