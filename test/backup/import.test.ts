import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase, parseDatabaseUrl } from '../../src/db/database.ts';
import { runCli, runCliJson } from '../support/cli-process.ts';
import { createTestDatabase, createTestEnv, ENGINES, postgresAvailable, type TestEnv } from '../support/harness.ts';
import { openApp } from './api-answers.ts';
import { type Seeded, seedNotebooks } from './seed-notebooks.ts';

// What import refuses and how it says so (the line, and nothing written), what --merge skips,
// and a project's export added to another database.

const POSTGRES = await postgresAvailable();

/** The number of rows of a table, read with a connection of its own. */
async function rowCount(url: string, table: 'organizations' | 'notebooks' | 'activity_logs'): Promise<number> {
  const db = await openDatabase(parseDatabaseUrl(url), { poolSize: 1 });
  try {
    const row = await db.kysely
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await db.close();
  }
}

describe('import and export on the command line', () => {
  let source: TestEnv & { close(): Promise<void> };
  let seeded: Seeded;
  let dir: string;
  let full: string;
  let lines: string[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'notebooks-import-'));
    source = await createTestEnv('sqlite', {}, { sqliteFile: true });
    seeded = await seedNotebooks(source, 24);
    full = join(dir, 'full.jsonl');
    await runCliJson(['export', '--out', full], `sqlite:${source.target.location}`);
    lines = readFileSync(full, 'utf8').split('\n');
  });
  after(async () => {
    await source?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A copy of the full export with one line changed (or removed, for undefined). */
  function variant(name: string, edit: (lines: string[]) => string[]): string {
    const path = join(dir, name);
    writeFileSync(path, edit([...lines]).join('\n'));
    return path;
  }

  const notebookLine = () => lines.findIndex((line) => line.startsWith('{"table":"notebooks"'));

  it('refuses --json without --out, an existing file and an unknown project', async () => {
    const url = `sqlite:${source.target.location}`;
    assert.match((await runCli(['export', '--json'], url)).stderr, /--json needs --out/);
    assert.match((await runCli(['export', '--out', full], url)).stderr, /already exists/);
    assert.match((await runCli(['export', '--out', join(dir, 'x'), '--project', '99'], url)).stderr, /project 99/);
  });

  for (const engine of ENGINES) {
    describe(`into ${engine}`, { skip: engine === 'postgres' && !POSTGRES && 'PostgreSQL not reachable' }, () => {
      const databases: Array<{ drop(): Promise<void> }> = [];
      after(async () => {
        for (const database of databases) await database.drop();
      });
      const fresh = async () => {
        const database = await createTestDatabase(engine, { sqliteFile: true });
        databases.push(database);
        return database.url;
      };

      /** Imports a bad file into a fresh database: one line on stderr naming `line`, nothing written. */
      async function refused(file: string, line: number, pattern: RegExp) {
        const url = await fresh();
        const result = await runCli(['import', file], url);
        assert.equal(result.code, 1);
        assert.equal(result.stdout, '');
        assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
        assert.match(result.stderr, new RegExp(`line ${line}: `));
        assert.match(result.stderr, pattern);
        assert.match(result.stderr, /nothing was imported/);
        assert.equal(await rowCount(url, 'organizations'), 0);
        assert.equal(await rowCount(url, 'notebooks'), 0);
      }

      it('names the line that is not JSON, and writes nothing', async () => {
        const at = notebookLine() + 2;
        const file = variant('not-json.jsonl', (all) => {
          all[at] = all[at].slice(0, 40);
          return all;
        });
        await refused(file, at + 1, /not JSON/);
      });

      it('names a row the database refuses (a notebook of a project that does not exist)', async () => {
        const at = notebookLine() + 3;
        const file = variant('no-project.jsonl', (all) => {
          all[at] = all[at].replace(/"team_id":\d+/, '"team_id":999');
          return all;
        });
        await refused(file, at + 1, /notebooks: .*(FOREIGN KEY|foreign key)/);
      });

      it('names a value of the wrong kind', async () => {
        const at = notebookLine();
        const file = variant('bad-value.jsonl', (all) => {
          all[at] = all[at].replace(/"deleted":(true|false)/, '"deleted":"no"');
          return all;
        });
        await refused(file, at + 1, /notebooks\.deleted: expected true, false or null/);
      });

      it('refuses a file cut short (no last line)', async () => {
        const file = variant('cut.jsonl', (all) => all.slice(0, -2));
        await refused(file, lines.length - 1, /cut short/);
      });

      it('refuses a database that has rows, unless --merge, which skips every row it has and says so', async () => {
        const url = await fresh();
        await runCliJson(['import', full], url);
        const again = await runCli(['import', full], url);
        assert.equal(again.code, 1);
        assert.match(again.stderr, /not empty.*--merge/);
        const merged = await runCliJson(['import', full, '--merge'], url);
        const tables = merged.tables as Record<string, { imported: number; skipped: number }>;
        assert.equal(tables.notebooks.imported, 0);
        assert.equal(tables.notebooks.skipped, 24);
        assert.equal(tables.activity_logs.imported, 0);
        assert.equal((merged.skipped as Record<string, string[]>).notebooks.length, 24);
        assert.equal(await rowCount(url, 'notebooks'), 24);
        const text = await runCli(['import', full, '--merge'], url);
        assert.match(text.stdout, /Skipped 24 notebooks rows already in the database/);
      });

      it("adds one project's export to a database that has the project, clearing references to users it lacks", async () => {
        const project = seeded.plan.projects[1];
        const file = join(dir, `project-${engine}.jsonl`);
        const exported = await runCliJson(
          ['export', '--out', file, '--project', String(project)],
          `sqlite:${source.target.location}`,
        );
        assert.deepEqual(Object.keys(exported.rows as object), [
          'notebooks',
          'notebook_counts',
          'notebook_changes',
          'activity_logs',
        ]);
        const url = await fresh();
        await runCliJson(['orgs', 'create', '--name', 'Elsewhere'], url);
        await runCliJson(['projects', 'create', '--name', 'One'], url);
        const refusedWithoutMerge = await runCli(['import', file], url);
        assert.match(refusedWithoutMerge.stderr, /not empty/);
        await runCliJson(['projects', 'create', '--name', 'Two'], url);
        const summary = await runCliJson(['import', file, '--merge'], url);
        assert.ok(Number(summary.cleared_user_references) > 0);
        const key = (await runCliJson(['users', 'create', '--email', 'reader@example.com'], url)).email as string;
        const value = (await runCliJson(['keys', 'create', '--email', key], url)).value as string;
        const app = await openApp(url);
        try {
          for (const query of ['', '?order=title', '?search=pony', '?contains=recording:true']) {
            const there = await source.request({ method: 'GET', url: source.url(query, project) });
            const here = await app.get(`/api/projects/${project}/notebooks/${query}`, value);
            const ids = (body: string) =>
              (JSON.parse(body) as { results: Array<{ short_id: string }> }).results.map((n) => n.short_id);
            assert.deepEqual(ids(here.body), ids(there.body), query);
          }
        } finally {
          await app.close();
        }
      });
    });
  }
});
