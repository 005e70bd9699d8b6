import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyReply } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { openDatabase } from '../../src/db/database.ts';
import { openEventStream as openServerStream } from '../../src/http/event-stream.ts';
import { createServices } from '../../src/services.ts';
import { type EventStreamClient, openEventStream, type ReceivedEvent } from '../support/event-stream-client.ts';
import { createNotebook, createProject } from '../support/factories.ts';
import { describeEachEngine, type TestEnv } from '../support/harness.ts';

// GET /api/projects/:project_id/notebooks/events/: the project's notebook writes as server-sent
// events, in commit order, resumable, across server processes.

let base = '';

async function listen(e: TestEnv): Promise<string> {
  if (base === '') {
    await e.app.listen({ host: '127.0.0.1', port: 0 });
    const address = e.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  }
  return base;
}

async function events(e: TestEnv, projectId: number, headers: Record<string, string> = {}, query = '') {
  const url = `${await listen(e)}/api/projects/${projectId}/notebooks/events/${query}`;
  return openEventStream(url, { authorization: `Bearer ${e.owner.key}`, ...headers });
}

/** The next `count` events of a stream. */
async function take(stream: EventStreamClient, count: number): Promise<ReceivedEvent[]> {
  const taken: ReceivedEvent[] = [];
  for (let i = 0; i < count; i++) taken.push(await stream.next());
  return taken;
}

describeEachEngine(
  'the change stream',
  (env) => {
    before(() => {
      base = '';
    });

    it('tells every write of the project in commit order, with ordered ids and no content', async () => {
      const e = env();
      const project = await createProject(e, 'Streamed');
      const stream = await events(e, project.id);
      try {
        assert.equal(stream.status, 200);
        assert.equal(stream.headers.get('content-type'), 'text/event-stream; charset=utf-8');
        const created = await createNotebook(e, { title: 'First', content: { type: 'doc', content: [] } }, { project });
        const url = e.url(`${created.short_id}/`, project.id);
        await e.request({ method: 'PATCH', url, payload: { title: 'Renamed' } });
        await e.request({ method: 'PATCH', url, payload: { deleted: true } });
        await e.request({ method: 'PATCH', url, payload: { deleted: false } });
        await createNotebook(e, { title: 'Elsewhere' });
        const received = await take(stream, 4);
        assert.deepEqual(
          received.map((event) => event.event),
          ['created', 'updated', 'deleted', 'restored'],
        );
        const ids = received.map((event) => Number(event.id));
        assert.deepEqual(
          ids,
          [...ids].sort((a, b) => a - b),
        );
        assert.equal(new Set(ids).size, 4);
        const data = received.map((event) => JSON.parse(event.data) as Record<string, unknown>);
        assert.deepEqual(Object.keys(data[1]), [
          'short_id',
          'version',
          'title',
          'last_modified_at',
          'last_modified_by',
          'changed_fields',
        ]);
        assert.deepEqual(
          data.map((item) => [item.short_id, item.title, item.changed_fields]),
          [
            [created.short_id, 'First', ['title', 'content']],
            [created.short_id, 'Renamed', ['title']],
            [created.short_id, 'Renamed', ['deleted']],
            [created.short_id, 'Renamed', ['deleted']],
          ],
        );
        assert.equal((data[0].last_modified_by as { email: string }).email, e.owner.email);
        await assert.rejects(stream.next(300), 'nothing from another project');
      } finally {
        stream.close();
      }
    });

    it('resumes after Last-Event-ID (or ?since=) without a gap', async () => {
      const e = env();
      const project = await createProject(e, 'Resumed');
      for (const title of ['one', 'two', 'three']) await createNotebook(e, { title }, { project });
      const first = await events(e, project.id, { 'last-event-id': '0' });
      const all = await take(first, 3);
      first.close();
      assert.deepEqual(
        all.map((event) => JSON.parse(event.data).title),
        ['one', 'two', 'three'],
      );
      const resumed = await events(e, project.id, { 'last-event-id': String(all[0].id) });
      assert.deepEqual(
        (await take(resumed, 2)).map((event) => event.id),
        [all[1].id, all[2].id],
      );
      resumed.close();
      const since = await events(e, project.id, {}, `?since=${all[1].id}`);
      assert.equal((await since.next()).id, all[2].id);
      since.close();
      const ahead = await events(e, project.id, { 'last-event-id': '999999' });
      assert.equal((await ahead.next()).event, 'reset', 'an id the project never reached starts over');
      ahead.close();
    });

    it('resumes from a list page: Notebooks-Last-Event-Id names the last write the page includes', async () => {
      const e = env();
      const project = await createProject(e, 'Listed then streamed');
      const other = await createProject(e, 'Written elsewhere');
      await createNotebook(e, { title: 'before the list' }, { project });
      const listOf = () => e.request({ method: 'GET', url: e.url('', project.id) });
      const listed = await listOf();
      assert.equal(listed.statusCode, 200);
      const seen = listed.headers['notebooks-last-event-id'];
      assert.equal(seen, '1', 'one write so far');
      // A write elsewhere does not move it; one in the project does, on the cached page as well.
      await createNotebook(e, { title: 'other project' }, { project: other });
      assert.equal((await listOf()).headers['notebooks-last-event-id'], '1');
      await createNotebook(e, { title: 'after the list' }, { project });
      const after = await listOf();
      assert.equal(after.headers['notebooks-last-event-id'], '2');
      const cached = await listOf();
      assert.equal(cached.headers['cache-status'], 'notebooks; hit');
      assert.equal(cached.headers['notebooks-last-event-id'], '2');
      // A stream opened with the first page's id hears the write that page lacks, and only it.
      const stream = await events(e, project.id, {}, `?since=${seen}`);
      const event = await stream.next();
      stream.close();
      assert.equal(event.event, 'created');
      assert.equal(JSON.parse(event.data).title, 'after the list');
      assert.equal(event.id, '2');
      const notModified = await e.request({
        method: 'GET',
        url: e.url('', project.id),
        headers: { 'if-none-match': String(after.headers.etag) },
      });
      assert.equal(notModified.statusCode, 304);
      assert.equal(notModified.headers['notebooks-last-event-id'], '2');
    });

    it('needs a session or a key with notebook:read, and allows 20 open streams per key', async () => {
      const e = env();
      const project = await createProject(e, 'Guarded stream');
      const anonymous = await events(e, project.id, { authorization: '' });
      assert.equal(anonymous.status, 401);
      const writer = await e.createUser({ scopes: ['activity_log:read'] });
      const unscoped = await events(e, project.id, { authorization: `Bearer ${writer.key}` });
      assert.equal(unscoped.status, 403);
      const reader = await e.createUser({ scopes: ['notebook:read'] });
      const open: EventStreamClient[] = [];
      try {
        for (let i = 0; i < 20; i++) {
          const stream = await events(e, project.id, { authorization: `Bearer ${reader.key}` });
          assert.equal(stream.status, 200);
          open.push(stream);
        }
        const refused = await events(e, project.id, { authorization: `Bearer ${reader.key}` });
        assert.equal(refused.status, 429);
        assert.deepEqual(JSON.parse(refused.body ?? ''), {
          type: 'throttled_error',
          code: 'too_many_streams',
          detail: 'Too many open event streams: at most 20 per user or key.',
          attr: null,
        });
        open.pop()?.close();
        await new Promise((resolve) => setTimeout(resolve, 100));
        const again = await events(e, project.id, { authorization: `Bearer ${reader.key}` });
        assert.equal(again.status, 200, 'a closed stream frees its place');
        open.push(again);
      } finally {
        for (const stream of open) stream.close();
      }
    });

    it('tells a write made by another server on the same database within 250 ms', async () => {
      const e = env();
      const project = await createProject(e, 'Shared database');
      const db = await openDatabase(e.target);
      const other = await buildApp(e.config, createServices(db, e.config));
      await other.ready();
      const stream = await events(e, project.id);
      try {
        const written = Date.now();
        const response = await other.inject({
          method: 'POST',
          url: e.url('', project.id),
          headers: { authorization: `Bearer ${e.owner.key}` },
          payload: { title: 'From the other server' },
        });
        assert.equal(response.statusCode, 201, response.body);
        const event = await stream.next(2000);
        assert.equal(JSON.parse(event.data).title, 'From the other server');
        assert.ok(Date.now() - written < 250, `heard after ${Date.now() - written} ms`);
      } finally {
        stream.close();
        await other.close();
        await db.close();
      }
    });

    it('sends a heartbeat comment between events', async () => {
      const e = env();
      const stream = await events(e, e.project.id);
      try {
        await new Promise((resolve) => setTimeout(resolve, 450));
        assert.ok(stream.comments.filter((comment) => comment === 'heartbeat').length >= 2, stream.comments.join('|'));
      } finally {
        stream.close();
      }
    });
  },
  { eventsHeartbeatMs: 150 },
  { sqliteFile: true },
);

describe('a change stream when the server closes', () => {
  let e: TestEnv & { close(): Promise<void> };
  before(async () => {
    const { createTestEnv } = await import('../support/harness.ts');
    e = await createTestEnv('sqlite');
    base = '';
  });
  after(() => e.close());

  it('is ended cleanly, and does not hold the close open', async () => {
    const stream = await events(e, e.project.id);
    assert.equal(stream.status, 200);
    const started = Date.now();
    await e.app.close();
    await stream.ended;
    assert.ok(Date.now() - started < 2000, `closed in ${Date.now() - started} ms`);
  });
});

describe('an event stream whose client does not read', () => {
  it('is dropped with a reset event once the unread bytes pass the limit, instead of growing', () => {
    let closed = 0;
    const written: string[] = [];
    // A response that never drains: every write stays buffered.
    const raw = new Writable({
      highWaterMark: 16,
      write(chunk, _encoding, _callback) {
        written.push(String(chunk));
      },
    }) as Writable & { writeHead(): void };
    raw.writeHead = () => {};
    const reply = { raw, hijack() {} } as unknown as FastifyReply;
    const stream = openServerStream(reply, { heartbeatMs: 60_000, maxBufferedBytes: 10_000, onClose: () => closed++ });
    for (let i = 0; i < 200 && !stream.closed; i++)
      stream.send({ id: String(i), event: 'updated', data: 'x'.repeat(100) });
    assert.ok(stream.closed, 'the stream gave up on the client');
    assert.equal(closed, 1);
    assert.ok(raw.writableLength < 10_000 + 1_000, `buffered ${raw.writableLength} bytes`);
    assert.match(written.join(''), /^retry: 2000/, 'the stream had started');
  });

  it('has its connection cut when the dropped client still does not read, freeing what was buffered', async () => {
    const raw = new Writable({ highWaterMark: 16, write() {} }) as Writable & { writeHead(): void };
    raw.writeHead = () => {};
    const reply = { raw, hijack() {} } as unknown as FastifyReply;
    const stream = openServerStream(reply, {
      heartbeatMs: 60_000,
      maxBufferedBytes: 10_000,
      onClose: () => {},
      endGraceMs: 50,
    });
    for (let i = 0; i < 200 && !stream.closed; i++)
      stream.send({ id: String(i), event: 'updated', data: 'x'.repeat(100) });
    assert.ok(stream.closed);
    assert.equal(raw.destroyed, false, 'the client gets the grace to read the reset event');
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(raw.destroyed, true, 'then the connection is cut');
  });
});
