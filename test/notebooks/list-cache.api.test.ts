import assert from 'node:assert/strict';
import { afterEach, it, mock } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.ts';
import { openDatabase } from '../../src/db/database.ts';
import { createServices } from '../../src/services.ts';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';
import { statementsDuring } from '../support/statements.ts';

// The list cache (cache/response-cache.ts): a rendered page is answered again while its project's
// change count is the same — no write to that project's notebooks committed, by this server or
// any other on the same database — and the users it names are still within their 10 s. Every
// other list test runs with it on too (the default); these hold it to its edges: other writers,
// other projects, viewers, URLs, user renames, and LIST_CACHE_MB=0.

interface Page {
  count: number;
  next: string | null;
  results: Array<{ short_id: string; title: string | null; created_by: { first_name: string } | null }>;
}

/** The one statement a cache hit runs: the project's change count. */
const COMMIT_STATE = /select "changes" from "notebook_counts"/;

/** The SQL texts the database is asked to run while `work` runs. */
async function textsDuring(work: () => Promise<unknown>): Promise<string[]> {
  return (await statementsDuring(work)).map((statement) => statement.text);
}

async function create(e: TestEnv, title: string, key?: string): Promise<string> {
  const response = await e.request({ method: 'POST', url: e.url(), key, payload: { title } });
  assert.equal(response.statusCode, 201, response.body);
  return json<{ short_id: string }>(response).short_id;
}

async function list(e: TestEnv, query = '', options: { key?: string; host?: string } = {}) {
  const response = await e.request({
    method: 'GET',
    url: e.url(query === '' ? '' : `?${query}`),
    key: options.key,
    headers: options.host ? { host: options.host } : {},
  });
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.headers['content-type'], 'application/json');
  return { body: response.body, page: json<Page>(response) };
}

/** The same list asked twice: both answers, and the statements the second one ran. */
async function listTwice(e: TestEnv): Promise<{ first: string; second: string; statements: string[] }> {
  const first = (await list(e)).body;
  let second = '';
  const statements = await textsDuring(async () => {
    second = (await list(e)).body;
  });
  return { first, second, statements };
}

/** A second server on the same database (its own connection, cache and change feed), as another process is. */
async function otherServer(e: TestEnv): Promise<{ request: TestEnv['request']; close(): Promise<void> }> {
  const db = await openDatabase(e.target);
  const config = { ...e.config, listCacheBytes: 64 * 1024 * 1024 };
  const app = await buildApp(config, createServices(db, config));
  await app.ready();
  return {
    request: ({ key, ...options }) =>
      app.inject({ ...options, headers: { authorization: `Bearer ${key ?? e.owner.key}`, ...options.headers } }),
    async close() {
      await app.close();
      await db.close();
    },
  };
}

describeEachEngine(
  'the list cache',
  (env) => {
    afterEach(() => mock.timers.reset());

    it('answers a repeated request with the same bytes, reading nothing but the commit state', async () => {
      const e = env();
      await create(e, 'cached one');
      await create(e, 'cached two');
      const { first, second, statements } = await listTwice(e);
      assert.equal(second, first);
      assert.ok(statements.length > 0, 'the commit state is read on every request');
      assert.deepEqual(
        statements.filter((text) => !COMMIT_STATE.test(text)),
        [],
        `a hit runs no list query: ${statements.join(' | ')}`,
      );
    });

    it('says in Cache-Status whether the cache answered, and sends the same bytes either way', async () => {
      const e = env();
      await create(e, 'status one');
      const ask = () => e.request({ method: 'GET', url: e.url() });
      const first = await ask();
      const second = await ask();
      assert.equal(first.headers['cache-status'], 'notebooks; fwd=miss');
      assert.equal(second.headers['cache-status'], 'notebooks; hit');
      assert.equal(second.body, first.body);
      await create(e, 'status two');
      assert.equal((await ask()).headers['cache-status'], 'notebooks; fwd=miss');
    });

    it('shows every write made through the API in the next request', async () => {
      const e = env();
      const before = await list(e);
      const shortId = await create(e, 'new arrival');
      const created = await list(e);
      assert.equal(created.page.count, before.page.count + 1);
      assert.equal(created.page.results[0].short_id, shortId);
      const patched = await e.request({
        method: 'PATCH',
        url: e.url(`${shortId}/`),
        payload: { title: 'renamed arrival' },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal((await list(e)).page.results[0].title, 'renamed arrival');
      const deleted = await e.request({ method: 'PATCH', url: e.url(`${shortId}/`), payload: { deleted: true } });
      assert.equal(deleted.statusCode, 200, deleted.body);
      const after = await list(e);
      assert.equal(after.page.count, before.page.count);
      assert.ok(!after.page.results.some((item) => item.short_id === shortId));
    });

    it('leaves the page as it was after a write that fails', async () => {
      const e = env();
      const shortId = await create(e, 'stays put');
      const before = await list(e);
      const stale = await e.request({
        method: 'PATCH',
        url: e.url(`${shortId}/`),
        payload: { content: { type: 'doc' }, version: 99 },
      });
      assert.equal(stale.statusCode, 409, stale.body);
      assert.equal((await list(e)).body, before.body);
    });

    it("shows another server's write to the project (another process on the same database) in the next request", async () => {
      const e = env();
      const shortId = await create(e, 'written here');
      assert.equal((await list(e)).page.results[0].title, 'written here');
      const other = await otherServer(e);
      try {
        const patched = await other.request({
          method: 'PATCH',
          url: e.url(`${shortId}/`),
          payload: { title: 'written elsewhere' },
        });
        assert.equal(patched.statusCode, 200, patched.body);
      } finally {
        await other.close();
      }
      const after = await list(e);
      assert.equal(after.page.results[0].short_id, shortId);
      assert.equal(after.page.results[0].title, 'written elsewhere');
    });

    it("answers a project's page from the cache while only other projects are written to", async () => {
      const e = env();
      const quiet = await e.accounts.createProject({ name: 'Quiet project', organizationId: e.org.id });
      const quietList = () => e.request({ method: 'GET', url: e.url('', quiet.id) });
      const created = await e.request({ method: 'POST', url: e.url('', quiet.id), payload: { title: 'stays cached' } });
      assert.equal(created.statusCode, 201, created.body);
      const first = await quietList();
      const other = await otherServer(e);
      let second = '';
      let statements: string[] = [];
      try {
        await create(e, 'busy here');
        const elsewhere = await other.request({ method: 'POST', url: e.url(), payload: { title: 'busy there' } });
        assert.equal(elsewhere.statusCode, 201, elsewhere.body);
        // On SQLite another process's commit makes this one forget the keys it remembers (heard
        // within 100 ms): one request first, so that only the list's own statements are counted.
        await sleep(250);
        await quietList();
        statements = await textsDuring(async () => {
          second = (await quietList()).body;
        });
      } finally {
        await other.close();
      }
      assert.equal(second, first.body);
      assert.deepEqual(
        statements.filter((text) => !COMMIT_STATE.test(text)),
        [],
        `a write to another project leaves this one's page cached: ${statements.join(' | ')}`,
      );
    });

    it('keeps a page per viewer and per URL', async () => {
      const e = env();
      const member = await e.createUser();
      await create(e, "owner's notebook");
      const mine = await list(e, 'user=true');
      assert.ok(mine.page.count >= 1);
      const theirs = await list(e, 'user=true', { key: member.key });
      assert.equal(theirs.page.count, 0, 'the member created nothing');
      await create(e, 'another');
      const hostA = await list(e, 'limit=1', { host: 'a.example.com' });
      const hostB = await list(e, 'limit=1', { host: 'b.example.com' });
      assert.match(hostA.page.next ?? '', /^http:\/\/a\.example\.com\//);
      assert.match(hostB.page.next ?? '', /^http:\/\/b\.example\.com\//);
      const reordered = await list(e, 'limit=1&order=title');
      const other = await list(e, 'limit=1&order=-title');
      assert.notEqual(reordered.page.results[0].short_id, other.page.results[0].short_id);
    });

    it('shows a renamed user once the 10 s the user names are kept for have passed', async () => {
      const e = env();
      const author = await e.createUser({ firstName: 'Before' });
      mock.timers.enable({ apis: ['Date'], now: Date.now() });
      await create(e, 'by the author', author.key);
      assert.equal((await list(e)).page.results[0].created_by?.first_name, 'Before');
      mock.timers.tick(9_000);
      await sql`update users set first_name = 'After' where id = ${author.id}`.execute(e.db.kysely);
      // Within the 10 s the old name may still show (as it did before there was a list cache) …
      await list(e);
      mock.timers.tick(1_500);
      // … and not after them, although nothing has been committed since the last render.
      assert.equal((await list(e)).page.results[0].created_by?.first_name, 'After');
    });
  },
  {},
  { sqliteFile: true },
);

describeEachEngine(
  'the list cache when LIST_CACHE_MB=0',
  (env) => {
    it('runs the list queries for every request', async () => {
      const e = env();
      await create(e, 'never cached');
      const { first, second, statements } = await listTwice(e);
      assert.equal(second, first);
      assert.ok(
        statements.some((text) => /from "?notebooks/.test(text)),
        statements.join(' | '),
      );
      const again = await e.request({ method: 'GET', url: e.url() });
      assert.equal(again.headers['cache-status'], 'notebooks; fwd=bypass');
      // The project's change count is still read: the page's ETag names it.
    });
  },
  { listCacheBytes: 0 },
);
