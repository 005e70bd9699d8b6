import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase, parseDatabaseUrl } from '../../src/db/database.ts';
import { runCli, runCliJson, spawnCli } from '../support/cli-process.ts';
import { createTestDatabase, createTestEnv, ENGINES, postgresAvailable, type TestEnv } from '../support/harness.ts';
import { callApi, type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { openApp } from './api-answers.ts';
import { type Seeded, seedNotebooks } from './seed-notebooks.ts';

// `import --from-posthog` against a second server of this project as the source, rate limited so
// that it answers 429 with Retry-After: the copy is interrupted (SIGKILL) and run again, and the
// notebooks then answer here as they did there.

const NOTEBOOKS = 36;
const POSTGRES = await postgresAvailable();

interface Listed {
  count: number;
  next: string | null;
  results: Array<{ short_id: string }>;
}

/** The fields a copy keeps, from a retrieve answer; content as its exact bytes. */
function kept(body: string) {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  const start = body.indexOf('"content":') + '"content":'.length;
  const end = body.indexOf(',"text_content":');
  return {
    id: parsed.id,
    short_id: parsed.short_id,
    title: parsed.title,
    content: body.slice(start, end),
    text_content: parsed.text_content,
    version: parsed.version,
    deleted: parsed.deleted,
    created_at: parsed.created_at,
    last_modified_at: parsed.last_modified_at,
  };
}

describe('import --from-posthog from a second server', () => {
  let source: TestEnv & { close(): Promise<void> };
  let seeded: Seeded;
  let server: ServerProcess;
  /** The source's listed notebooks, oldest first, with each one's retrieve answer. */
  const answers = new Map<string, string>();

  before(async () => {
    source = await createTestEnv('sqlite', {}, { sqliteFile: true });
    seeded = await seedNotebooks(source, NOTEBOOKS);
    server = await startServerProcess({
      databaseUrl: `sqlite:${source.target.location}`,
      rateLimits: '8/second',
      expectBootstrapKey: false,
    });
    const list = await source.request({ method: 'GET', url: source.url('?order=created_at&limit=100') });
    for (const item of (JSON.parse(list.body) as Listed).results) {
      const detail = await source.request({ method: 'GET', url: source.url(`${item.short_id}/`) });
      answers.set(item.short_id, detail.body);
    }
    assert.ok(answers.size > NOTEBOOKS / 2);
  });
  after(async () => {
    await server?.stop();
    await source?.close();
  });

  for (const engine of ENGINES) {
    describe(`into ${engine}`, { skip: engine === 'postgres' && !POSTGRES && 'PostgreSQL not reachable' }, () => {
      let target: Awaited<ReturnType<typeof createTestDatabase>>;
      const args = () => [
        'import',
        '--from-posthog',
        server.url,
        '--project',
        String(source.project.id),
        '--key',
        source.owner.key,
        '--into-project',
        '1',
      ];

      before(async () => {
        target = await createTestDatabase(engine, { sqliteFile: true });
        await runCliJson(['orgs', 'create', '--name', 'Here'], target.url);
        await runCliJson(['projects', 'create', '--name', 'Copies'], target.url);
        // The source's owner has an account here too; the source's other users do not.
        await runCliJson(['users', 'create', '--email', source.owner.email], target.url);
      });
      after(async () => {
        await target?.drop();
      });

      /** The number of notebooks the target has. */
      async function copiedSoFar(): Promise<number> {
        const db = await openDatabase(parseDatabaseUrl(target.url), { poolSize: 1 });
        try {
          const row = await db.kysely
            .selectFrom('notebooks')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow();
          return Number(row.n);
        } finally {
          await db.close();
        }
      }

      let firstRun = 0;

      it('copies notebook by notebook, so that a copy killed midway keeps what it wrote', async () => {
        const run = spawnCli(args(), target.url);
        for (let n = 0; n < 400 && firstRun < 5; n++) {
          await sleep(25);
          firstRun = await copiedSoFar();
        }
        run.child.kill('SIGKILL');
        await run.finished;
        firstRun = await copiedSoFar();
        assert.ok(firstRun >= 5 && firstRun < answers.size, `${firstRun} copied before the kill`);
      });

      it('copies the rest on a second run, waiting out 429s, and reports what it skipped', async () => {
        const summary = await runCliJson(args(), target.url);
        assert.equal(summary.listed, answers.size);
        assert.equal(summary.skipped, firstRun);
        assert.equal(summary.copied, answers.size - firstRun);
        assert.deepEqual(summary.failed, []);
        assert.ok(Number(summary.rate_limited) >= 1, `the source never answered 429: ${JSON.stringify(summary)}`);
        assert.equal(await copiedSoFar(), answers.size);
      });

      it('answers for each copy what the source answered: ids, timestamps, version and content bytes', async () => {
        const app = await openApp(target.url);
        try {
          const key = (await runCliJson(['keys', 'create', '--email', source.owner.email], target.url)).value as string;
          for (const [shortId, expected] of answers) {
            const here = await app.get(`/api/projects/1/notebooks/${shortId}/`, key);
            assert.equal(here.status, 200, here.body);
            assert.deepEqual(kept(here.body), kept(expected));
            // created_by becomes the user here with the same email, or null.
            const by = (body: string) =>
              (JSON.parse(body) as { created_by: { email: string } | null }).created_by?.email;
            assert.equal(by(here.body), by(expected) === source.owner.email ? source.owner.email : undefined);
          }
          // Listed in the same order, and found by search and contains.
          for (const query of ['order=created_at', 'order=-title', 'search=pony', 'contains=recording:rec-1']) {
            const shortIds = async (get: () => Promise<{ body: string }>) =>
              ((JSON.parse((await get()).body) as Listed).results ?? []).map((item) => item.short_id);
            const there = await shortIds(() =>
              source.request({ method: 'GET', url: source.url(`?${query}&limit=100`) }),
            );
            const here = await shortIds(() => app.get(`/api/projects/1/notebooks/?${query}&limit=100`, key));
            assert.deepEqual(here, there, query);
            assert.ok(here.length > 0, query);
          }
        } finally {
          await app.close();
        }
      });

      it('skips everything on a third run', async () => {
        const summary = await runCliJson(args(), target.url);
        assert.equal(summary.copied, 0);
        assert.equal(summary.skipped, answers.size);
      });
    });
  }

  it("stops with the source's message for a key it refuses, and copies nothing", async () => {
    const target = await createTestDatabase('sqlite', { sqliteFile: true });
    try {
      await runCliJson(['orgs', 'create', '--name', 'Here'], target.url);
      await runCliJson(['projects', 'create', '--name', 'Copies'], target.url);
      const result = await runCli(
        ['import', '--from-posthog', server.url, '--project', '1', '--key', 'phx_not_a_key'],
        target.url,
      );
      assert.equal(result.code, 1);
      assert.match(result.stderr, /401/);
      assert.equal(result.stdout, '');
    } finally {
      await target.drop();
    }
  });

  it('refuses a project that does not exist here', async () => {
    const target = await createTestDatabase('sqlite', { sqliteFile: true });
    try {
      const result = await runCli(
        ['import', '--from-posthog', server.url, '--project', '1', '--key', source.owner.key],
        target.url,
      );
      assert.equal(result.code, 1);
      assert.match(result.stderr, /there is no project 1 here/);
    } finally {
      await target.drop();
    }
  });

  it('reads the source as a client would (sanity: the source is rate limited)', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 12 }, () =>
        callApi(`${server.url}/api/projects/1/notebooks/`, { key: source.owner.key }).then((r) => r.status),
      ),
    );
    assert.ok(statuses.includes(429));
    void seeded;
  });
});
