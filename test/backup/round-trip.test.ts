import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { runCliJson } from '../support/cli-process.ts';
import { createTestDatabase, createTestEnv, postgresAvailable, type TestEnv } from '../support/harness.ts';
import { type AnswerPlan, answeringServer, collectAnswers, firstDifference, openApp } from './api-answers.ts';
import { seedAccounts } from './seed-accounts.ts';
import { seedNotebooks } from './seed-notebooks.ts';

// SQLite → export → import into PostgreSQL → export → import into SQLite, with the real command
// line: at each step every answer of every read endpoint, for every notebook and every caller,
// is the same bytes (ids, short_ids, timestamps, content as JSON and as Markdown, activity, list
// order, search and contains, the change stream's replay, and the account endpoints: users,
// projects, organizations, members, invites, keys), and the two exports carry the same rows.

const NOTEBOOKS = 140;

/** Answers (by a part of their key) and what one of them at least must hold. */
const WORTH_COMPARING: Array<[string, RegExp]> = [
  ['accept:text/markdown', /\| name \| value \|/],
  ['?format=markdown', /data-notebook-node='\{"type":"ph-query"/],
  ['stream /api/projects/', /event: deleted\n[\s\S]*event: restored\n/],
  ['/events/?since=999999', /event: reset/],
  ['browser /api/personal_api_keys/', /"last_rolled_at":"/],
  ['browser /api/personal_api_keys/', /"scoped_teams":\[\d/],
  ['browser /api/personal_api_keys/', /"scoped_organizations":\["/],
  ['/api/personal_api_keys/@current/', /"last_used_at":"/],
  ['/invites/', /"is_expired":true/],
  ['/members/', /"last_login":"/],
  ['/api/organizations/@current/', /"name":"Ørganisation två ✓"/],
  ['/api/users/@me/', /"organizations":\[\{[^\]]*\},\{/],
];
const POSTGRES = await postgresAvailable();

/** The rows of an export file: every line but the header (which names the engine and the time). */
const rowsOf = (path: string) => readFileSync(path, 'utf8').split('\n').slice(1);

/** SQLite's derived tables, read back: the same from the same notebooks, however they were written. */
function sqliteDerived(path: string) {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const all = (query: string) => JSON.stringify(db.prepare(query).all());
    return {
      integrity: all('pragma integrity_check'),
      facts: all(
        'select n.id, f.team_id, f.fact, f.listed from notebook_content_facts f join notebooks n using (seq) order by 1, 2, 3',
      ),
      factCounts: all('select team_id, fact, listed from notebook_fact_counts where listed > 0 order by 1, 2'),
      counts: all('select team_id, visible from notebook_counts where visible > 0 order by 1'),
      searchRows: all('select count(*) as n from notebook_search'),
      listKeys: all(
        "select count(*) as n from notebooks where list_key is null or list_key / 2048 <> max(0, cast(round(unixepoch(last_modified_at, 'subsec') * 1000) as integer))",
      ),
    };
  } finally {
    db.close();
  }
}

describe('moving a database between engines with export and import', {
  skip: !POSTGRES && 'PostgreSQL not reachable',
}, () => {
  let source: TestEnv & { close(): Promise<void> };
  let plan: AnswerPlan;
  let accountsProject: number;
  let dir: string;
  let expected: Map<string, string>;
  const closers: Array<() => Promise<void>> = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'notebooks-round-trip-'));
    source = await createTestEnv('sqlite', {}, { sqliteFile: true });
    const seeded = await seedNotebooks(source, NOTEBOOKS);
    ({ plan, project: accountsProject } = await seedAccounts(source, seeded.plan));
    expected = await collectAnswers(answeringServer(source.app, source.services), plan);
    // What is compared must be worth comparing: answers with notebooks in them, found by each filter.
    const ok = [...expected.values()].filter((answer) => answer.startsWith('200 '));
    assert.ok(ok.length > 350, `only ${ok.length} answers of 200`);
    for (const query of ['search=pony', 'contains=recording:rec-1', 'contains=insight:ins-7', 'recording_id=rec-0'])
      assert.ok(
        [...expected].some(
          ([url, answer]) =>
            url.includes(query) &&
            /"(count|results)":\s*[1-9[]/.test(answer) &&
            !answer.includes('"count":0') &&
            !answer.includes('"results":[]'),
        ),
        `nothing found by ${query}`,
      );
    // And each kind of answer holds what could be lost on the way.
    for (const [asked, holds] of WORTH_COMPARING)
      assert.ok(
        [...expected].some(([url, answer]) => url.includes(asked) && answer.startsWith('200 ') && holds.test(answer)),
        `no answer to ${asked} holds ${holds}`,
      );
    const replays = [...expected].filter(([url]) => url.includes(' stream '));
    assert.ok(replays.length >= 10);
    for (const [url, answer] of replays) assert.doesNotMatch(answer, /no event within/, url);
  });
  after(async () => {
    for (const close of closers.reverse()) await close();
    await source?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Imports `file` into a fresh database of `engine` with the CLI; the app over it, and its URL. */
  async function importInto(engine: 'sqlite' | 'postgres', file: string) {
    const database = await createTestDatabase(engine, { sqliteFile: true });
    closers.push(database.drop);
    const summary = await runCliJson(['import', file], database.url);
    const app = await openApp(database.url);
    closers.push(app.close);
    return { database, summary, app };
  }

  let sqliteExport: string;
  let postgresExport: string;
  let postgres: Awaited<ReturnType<typeof importInto>>;

  it('exports the seeded SQLite database', async () => {
    sqliteExport = join(dir, 'from-sqlite.jsonl');
    const summary = await runCliJson(['export', '--out', sqliteExport], `sqlite:${source.target.location}`);
    assert.equal((summary.rows as Record<string, number>).notebooks, NOTEBOOKS);
    const header = JSON.parse(readFileSync(sqliteExport, 'utf8').split('\n')[0]) as Record<string, unknown>;
    assert.equal(header.format, 'notebooks-export');
    assert.equal(header.engine, 'sqlite');
  });

  it('imports it into PostgreSQL, which then answers every request with the same bytes', async () => {
    postgres = await importInto('postgres', sqliteExport);
    assert.equal((postgres.summary.tables as Record<string, { imported: number }>).notebooks.imported, NOTEBOOKS);
    const actual = await collectAnswers(postgres.app, plan);
    assert.equal(firstDifference(expected, actual), undefined);
  });

  it('exports from PostgreSQL the same rows, byte for byte, as from SQLite', async () => {
    postgresExport = join(dir, 'from-postgres.jsonl');
    await runCliJson(['export', '--out', postgresExport], postgres.database.url);
    const fromPostgres = rowsOf(postgresExport);
    assert.equal(fromPostgres.length, rowsOf(sqliteExport).length);
    assert.deepEqual(fromPostgres, rowsOf(sqliteExport));
  });

  it('imports that into SQLite, which answers the same bytes and holds the same derived indexes', async () => {
    const sqlite = await importInto('sqlite', postgresExport);
    const actual = await collectAnswers(sqlite.app, plan);
    assert.equal(firstDifference(expected, actual), undefined);
    const before = sqliteDerived(source.target.location);
    const after = sqliteDerived(sqlite.database.target.location);
    assert.deepEqual(after, before);
    assert.equal(after.integrity, '[{"integrity_check":"ok"}]');
  });

  it('keeps the identity sequences: new projects and notebooks on the imported database get fresh ids', async () => {
    const config = { DATABASE_URL: postgres.database.url };
    const project = await runCliJson(['projects', 'create', '--name', 'After the move'], config.DATABASE_URL);
    assert.equal(project.id, Math.max(...plan.projects, accountsProject) + 1);
    const user = await runCliJson(['users', 'create', '--email', 'late@example.com'], config.DATABASE_URL);
    assert.equal(user.id, Math.max(...plan.callers.map((caller) => caller.userId)) + 1);
  });
});
