import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase, parseDatabaseUrl } from '../../src/db/database.ts';
import { runCli, runCliJson, spawnCli } from '../support/cli-process.ts';
import { createTestDatabase, createTestEnv, ENGINES, postgresAvailable, type TestEnv } from '../support/harness.ts';
import { callApi, type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { openApp } from './api-answers.ts';
import { type Seeded, seedNotebooks } from './seed-notebooks.ts';
import { type SeenRequest, type SourceProxy, startSourceProxy } from './source-proxy.ts';

// `import --from-posthog` against a second server of this project as the source, rate limited so
// that it answers 429 with Retry-After: the copy is interrupted (SIGKILL) and run again, and the
// notebooks then answer here as they did there. Pages of 7 make the copy follow the list's `next`
// links over several pages, the last one short; a proxy in front of the source shows the requests.

const NOTEBOOKS = 36;
const PAGE_SIZE = 7;
const POSTGRES = await postgresAvailable();

interface Listed {
  count: number;
  next: string | null;
  results: Array<{ short_id: string }>;
}

/** The list requests among `seen`, as [offset, status]; the first page has offset 0. */
function listRequests(seen: SeenRequest[]): Array<[number, number]> {
  return seen.flatMap(({ path, status }) => {
    const url = new URL(path, 'http://source');
    if (!/\/notebooks\/$/.test(url.pathname)) return [];
    assert.equal(url.searchParams.get('limit'), String(PAGE_SIZE), path);
    assert.equal(url.searchParams.get('order'), 'created_at', path);
    return [[Number(url.searchParams.get('offset') ?? 0), status] as [number, number]];
  });
}

/** The short_ids whose retrieve `seen` shows answered 200, in order. */
function retrieved(seen: SeenRequest[]): string[] {
  return seen.flatMap(({ path, status }) => {
    const match = /\/notebooks\/([A-Za-z0-9]+)\/$/.exec(new URL(path, 'http://source').pathname);
    return match !== null && status === 200 ? [match[1]] : [];
  });
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
  let proxy: SourceProxy;
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
    proxy = await startSourceProxy(server.url);
    const list = await source.request({ method: 'GET', url: source.url('?order=created_at&limit=100') });
    for (const item of (JSON.parse(list.body) as Listed).results) {
      const detail = await source.request({ method: 'GET', url: source.url(`${item.short_id}/`) });
      answers.set(item.short_id, detail.body);
    }
    assert.ok(answers.size > NOTEBOOKS / 2);
    assert.ok(answers.size > 3 * PAGE_SIZE && answers.size % PAGE_SIZE !== 0, 'several pages, the last one short');
  });
  after(async () => {
    await proxy?.close();
    await server?.stop();
    await source?.close();
  });

  for (const engine of ENGINES) {
    describe(`into ${engine}`, { skip: engine === 'postgres' && !POSTGRES && 'PostgreSQL not reachable' }, () => {
      let target: Awaited<ReturnType<typeof createTestDatabase>>;
      const args = () => [
        'import',
        '--from-posthog',
        proxy.url,
        '--project',
        String(source.project.id),
        '--key',
        source.owner.key,
        '--into-project',
        '1',
        '--page-size',
        String(PAGE_SIZE),
      ];
      /** The offset of each of the source's list pages, in order: what a copy reads, each page once. */
      const pageOffsets = () => Array.from({ length: Math.ceil(answers.size / PAGE_SIZE) }, (_, i) => i * PAGE_SIZE);

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

      /** The short_ids of the notebooks the target has, sorted (one per notebook row). */
      async function shortIdsHere(): Promise<string[]> {
        const db = await openDatabase(parseDatabaseUrl(target.url), { poolSize: 1 });
        try {
          const rows = await db.kysely.selectFrom('notebooks').select('short_id').execute();
          return rows.map((row) => row.short_id).sort();
        } finally {
          await db.close();
        }
      }
      const copiedSoFar = async () => (await shortIdsHere()).length;

      let firstRun = 0;

      it('copies notebook by notebook, so that a copy killed midway keeps what it wrote', async () => {
        proxy.clear();
        const run = spawnCli(args(), target.url);
        // Killed once it is into the second page: the next run resumes across a page boundary.
        for (let n = 0; n < 400 && firstRun < PAGE_SIZE + 2; n++) {
          await sleep(25);
          firstRun = await copiedSoFar();
        }
        run.child.kill('SIGKILL');
        await run.finished;
        firstRun = await copiedSoFar();
        assert.ok(firstRun >= PAGE_SIZE + 2 && firstRun < answers.size, `${firstRun} copied before the kill`);
        const pagesRead = listRequests(proxy.seen).filter(([, status]) => status === 200);
        assert.deepEqual(pagesRead.slice(0, 2), [
          [0, 200],
          [PAGE_SIZE, 200],
        ]);
      });

      it('copies the rest on a second run, following next past a 429, and reports what it skipped', async () => {
        proxy.clear();
        // A page past the first is refused once: the copier waits and asks for the same page again.
        const refused = 2 * PAGE_SIZE;
        proxy.refuseOnce((path) => new URL(path, 'http://source').searchParams.get('offset') === String(refused));
        const before = await shortIdsHere();
        const summary = await runCliJson(args(), target.url);
        assert.equal(summary.listed, answers.size);
        assert.equal(summary.skipped, firstRun);
        assert.equal(summary.copied, answers.size - firstRun);
        assert.deepEqual(summary.failed, []);
        assert.ok(Number(summary.rate_limited) >= 1, `the source never answered 429: ${JSON.stringify(summary)}`);

        const lists = listRequests(proxy.seen);
        assert.deepEqual(
          lists.filter(([, status]) => status === 200).map(([offset]) => offset),
          pageOffsets(),
        );
        const refusal = lists.findIndex(([offset, status]) => offset === refused && status === 429);
        assert.ok(refusal >= 0, JSON.stringify(lists));
        assert.deepEqual(
          lists.slice(refusal + 1).find(([offset]) => offset === refused),
          [refused, 200],
        );
        // Only what the first run had not written is retrieved, each notebook once.
        const fetched = retrieved(proxy.seen);
        assert.deepEqual(
          [...fetched].sort(),
          [...answers.keys()].filter((shortId) => !before.includes(shortId)).sort(),
        );
        assert.deepEqual(await shortIdsHere(), [...answers.keys()].sort());
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

      it('skips everything on a third run, reading every page and retrieving nothing', async () => {
        proxy.clear();
        const summary = await runCliJson(args(), target.url);
        assert.equal(summary.copied, 0);
        assert.equal(summary.skipped, answers.size);
        assert.deepEqual(
          listRequests(proxy.seen)
            .filter(([, status]) => status === 200)
            .map(([offset]) => offset),
          pageOffsets(),
        );
        assert.deepEqual(retrieved(proxy.seen), []);
        assert.deepEqual(await shortIdsHere(), [...answers.keys()].sort());
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

  it('refuses a page size that is not a whole number above 0, and one without --from-posthog', async () => {
    const target = await createTestDatabase('sqlite', { sqliteFile: true });
    try {
      const copy = ['import', '--from-posthog', server.url, '--project', '1', '--key', source.owner.key];
      for (const pageSize of ['0', '-5', '1e2'])
        assert.deepEqual(await runCli([...copy, '--page-size', pageSize], target.url), {
          code: 1,
          stdout: '',
          stderr: `notebooks: --page-size: "${pageSize}" is not a whole number of notebooks above 0\n`,
        });
      const file = await runCli(['import', 'notebooks.jsonl', '--page-size', '10'], target.url);
      assert.equal(file.code, 1);
      assert.match(file.stderr, /--page-size goes with --from-posthog/);
      const help = await runCli(['import', '--help'], target.url);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /--page-size <n>\s+with --from-posthog: notebooks asked for per list\s+request/);
      assert.match(help.stdout, /\(default: 100\)/);
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
