import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { runCli, runCliJson } from '../support/cli-process.ts';
import { createTestDatabase, ENGINES, postgresAvailable } from '../support/harness.ts';
import { callApi, type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { openApp } from './api-answers.ts';

// export (both engines) and backup (SQLite) while the real server keeps writing: each write is a
// notebook row, its activity row and its change, in one transaction. A copy read in one snapshot
// holds every write whole or not at all; one read table by table would hold activity for
// notebooks it has not, or versions its activity does not account for.

const SEEDED = 400;
const WRITERS = 4;
const POSTGRES = await postgresAvailable();

const paragraph = (i: number) => ({
  type: 'paragraph',
  content: [{ type: 'text', text: `Paragraph ${i}: ${'lorem ipsum dolor sit amet '.repeat(12)}` }],
});
const document = (size: number) => ({ type: 'doc', content: Array.from({ length: size }, (_, i) => paragraph(i)) });

/** Creates notebooks and edits each once, from WRITERS loops, until stopped. */
function writeLoad(server: ServerProcess, key: string) {
  let running = true;
  let acknowledged = 0;
  const url = `${server.url}/api/projects/1/notebooks/`;
  const loops = Array.from({ length: WRITERS }, async () => {
    while (running) {
      const created = await callApi(url, { method: 'POST', key, body: { title: 'during', content: document(3) } });
      assert.equal(created.status, 201, created.body);
      acknowledged += 1;
      const { short_id } = JSON.parse(created.body) as { short_id: string };
      const edited = await callApi(`${url}${short_id}/`, {
        method: 'PATCH',
        key,
        body: { version: 0, content: document(4) },
      });
      assert.equal(edited.status, 200, edited.body);
      acknowledged += 1;
    }
  });
  return {
    get acknowledged() {
      return acknowledged;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

interface Rows {
  notebooks: Array<{ short_id: string; version: number; change_seq: number }>;
  activity: Array<{ item_id: string; activity: string }>;
  changes: Array<{ seq: number }>;
  counts: Array<{ team_id: number; changes: number; visible: number }>;
}

/** What a consistent copy must hold: every write whole, the counters matching the rows. */
function assertConsistent(rows: Rows): void {
  const notebooks = new Map(rows.notebooks.map((notebook) => [notebook.short_id, notebook]));
  const activity = new Map<string, number>();
  for (const entry of rows.activity) {
    assert.ok(notebooks.has(entry.item_id), `activity for ${entry.item_id}, a notebook the copy does not hold`);
    activity.set(entry.item_id, (activity.get(entry.item_id) ?? 0) + 1);
  }
  for (const notebook of rows.notebooks)
    assert.equal(activity.get(notebook.short_id), notebook.version + 1, `${notebook.short_id}: version and activity`);
  const count = rows.counts.find((row) => row.team_id === 1);
  assert.equal(count?.visible, rows.notebooks.length);
  assert.equal(count?.changes, Math.max(...rows.notebooks.map((notebook) => notebook.change_seq)));
  assert.equal(count?.changes, Math.max(...rows.changes.map((change) => change.seq)));
}

function rowsOfExport(path: string): Rows {
  const rows: Rows = { notebooks: [], activity: [], changes: [], counts: [] };
  const tables: Record<string, unknown[]> = {
    notebooks: rows.notebooks,
    activity_logs: rows.activity,
    notebook_changes: rows.changes,
    notebook_counts: rows.counts,
  };
  for (const line of readFileSync(path, 'utf8').split('\n').slice(1, -2)) {
    const { table, row } = JSON.parse(line) as { table: string; row: unknown };
    tables[table]?.push(row);
  }
  return rows;
}

for (const engine of ENGINES) {
  describe(`copies while the server writes [${engine}]`, {
    skip: engine === 'postgres' && !POSTGRES && 'PostgreSQL not reachable',
  }, () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let server: ServerProcess;
    let key: string;
    let dir: string;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'notebooks-online-'));
      database = await createTestDatabase(engine, { sqliteFile: true });
      server = await startServerProcess({ databaseUrl: database.url, rateLimits: 'off' });
      key = server.key as string;
      const url = `${server.url}/api/projects/1/notebooks/`;
      for (let i = 0; i < SEEDED; i += 8)
        await Promise.all(
          Array.from({ length: 8 }, () =>
            callApi(url, { method: 'POST', key, body: { title: 'seed', content: document(12) } }),
          ),
        );
    });
    after(async () => {
      await server?.stop();
      await database?.drop();
      await rm(dir, { recursive: true, force: true });
    });

    it('exports one consistent snapshot, holding writes committed while it ran', async () => {
      const load = writeLoad(server, key);
      try {
        for (let attempt = 0; attempt < 3; attempt++) {
          const out = join(dir, `during-${attempt}.jsonl`);
          const before = load.acknowledged;
          const summary = await runCliJson(['export', '--out', out], database.url);
          assert.ok(load.acknowledged > before, 'no write was acknowledged while the export ran');
          const rows = rowsOfExport(out);
          assert.equal(rows.notebooks.length, (summary.rows as Record<string, number>).notebooks);
          assertConsistent(rows);
        }
      } finally {
        await load.stop();
      }
    });

    if (engine === 'sqlite') {
      it('backs up to a consistent database file, which the server can then serve', async () => {
        const out = join(dir, 'copy.db');
        const load = writeLoad(server, key);
        let summary: Record<string, unknown>;
        try {
          summary = await runCliJson(['backup', '--out', out], database.url);
        } finally {
          await load.stop();
        }
        assert.ok(Number(summary.bytes) > 0);
        const copy = new DatabaseSync(out, { readOnly: true });
        try {
          assert.equal(JSON.stringify(copy.prepare('pragma integrity_check').all()), '[{"integrity_check":"ok"}]');
          const all = <T>(query: string) =>
            copy
              .prepare(query)
              .all()
              .map((row) => ({ ...row })) as T[];
          assertConsistent({
            notebooks: all('select short_id, version, change_seq from notebooks'),
            activity: all('select item_id, activity from activity_logs'),
            changes: all('select seq from notebook_changes'),
            counts: all('select team_id, changes, visible from notebook_counts'),
          });
        } finally {
          copy.close();
        }
        const app = await openApp(`sqlite:${out}`);
        try {
          const list = await app.get('/api/projects/1/notebooks/?search=seed&limit=1', key);
          assert.equal(list.status, 200);
          assert.ok((JSON.parse(list.body) as { count: number }).count >= SEEDED);
        } finally {
          await app.close();
        }
        const again = await runCli(['backup', '--out', out], database.url);
        assert.match(again.stderr, /already exists/);
      });
    } else {
      it('refuses backup, pointing to export and pg_dump', async () => {
        const out = join(dir, 'copy.db');
        const result = await runCli(['backup', '--out', out], database.url);
        assert.equal(result.code, 1);
        assert.match(result.stderr, /SQLite.*export --out.*pg_dump/);
        assert.equal(existsSync(out), false);
      });
    }
  });
}
