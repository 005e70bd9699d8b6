import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { parseListFilters, parseOrder } from '../../src/notebooks/list-filters.ts';
import { NotebooksRepository } from '../../src/notebooks/notebooks.repository.ts';
import { describeEachEngine, json, shortIdsOf } from '../support/harness.ts';

// SQLite answers a search or contains list in one of two ways, by the number of matches: it
// fetches and sorts the matches (few), or walks the ordered list index and probes each row
// (many). The threshold is 5,000, more than a test creates, so the walk is forced here with
// a threshold of 0 and both plans must give the HTTP answer, page by page.
describeEachEngine('list query plans', (env) => {
  const recording = (id: string) => ({ type: 'ph-recording', attrs: { id } });
  const paragraph = (text: string) => ({ type: 'paragraph', content: [{ type: 'text', text }] });
  const timestamp = (id: string) => ({
    type: 'paragraph',
    content: [
      { type: 'ph-replay-timestamp', attrs: { sessionRecordingId: id, playbackTime: 1 } },
      { type: 'text', text: 'seen' },
    ],
  });

  it('gives the same counts and pages whether the matches are sorted or the list index is walked', async () => {
    const e = env();
    const shortIds: string[] = [];
    for (let i = 0; i < 36; i++) {
      const nodes = [
        paragraph(i % 3 === 0 ? 'quokkas jumping' : 'plain words'),
        ...(i % 2 === 0 ? [recording(`rec-${i % 4}`)] : []),
        ...(i % 5 === 0 ? [timestamp(`rec-${i % 4}`)] : []),
      ];
      const response = await e.request({
        method: 'POST',
        url: e.url(),
        payload: {
          title: i % 4 === 0 ? `Quokka ${i}` : `Note ${i}`,
          content: { type: 'doc', content: nodes },
          text_content: i % 3 === 0 ? 'quokkas jumping' : 'plain words',
        },
      });
      assert.equal(response.statusCode, 201, response.body);
      shortIds.push(json<{ short_id: string }>(response).short_id);
    }
    // Soft-deleted notebooks must drop out of both plans.
    for (const shortId of [shortIds[0], shortIds[6], shortIds[9]]) {
      const response = await e.request({ method: 'PATCH', url: e.url(`${shortId}/`), payload: { deleted: true } });
      assert.equal(response.statusCode, 200, response.body);
    }
    const sorting = new NotebooksRepository(e.db.kysely, e.db.dialect, { sortMatchesBelow: Number.POSITIVE_INFINITY });
    const walking = new NotebooksRepository(e.db.kysely, e.db.dialect, { sortMatchesBelow: 0 });
    const queries = [
      'search=quokka',
      'search=quokka&order=title',
      'search=quokka&order=-created_at',
      'contains=recording',
      'contains=recording:rec-2',
      'contains=recording,replay-timestamp',
      'contains=recording:rec-0,replay-timestamp:rec-0',
      'contains=recording&search=quokka',
      'contains=recording&order=created_at',
      'contains=recording:false&search=quokka',
    ];
    let nonEmpty = 0;
    for (const query of queries) {
      const params = new URLSearchParams(query);
      const filters = parseListFilters(params, 'UTC');
      const order = parseOrder(params);
      for (const offset of [0, 3, 7]) {
        const page = { limit: 4, offset };
        const sorted = await sorting.list(e.project.id, filters, order, page, e.owner.id);
        const walked = await walking.list(e.project.id, filters, order, page, e.owner.id);
        assert.deepEqual(walked, sorted, `${query} offset ${offset}`);
        const http = json<{ count: number; results: Array<{ short_id: string }> }>(
          await e.request({ method: 'GET', url: e.url(`?${query}&limit=4&offset=${offset}`) }),
        );
        assert.equal(sorted.count, http.count, query);
        assert.deepEqual(
          shortIdsOf(sorted.items),
          http.results.map((item) => item.short_id),
          `${query} offset ${offset}`,
        );
        if (sorted.items.length > 0) nonEmpty += 1;
      }
    }
    assert.ok(nonEmpty >= queries.length, 'the queries must find notebooks for the comparison to mean anything');
    if (e.engine === 'sqlite') {
      // The per-fact counts the triggers keep (migration 0006) equal a recount of the facts,
      // after creates, content edits, soft deletes and restores.
      await e.request({ method: 'PATCH', url: e.url(`${shortIds[6]}/`), payload: { deleted: false } });
      await e.request({
        method: 'PATCH',
        url: e.url(`${shortIds[2]}/`),
        payload: { content: { type: 'doc', content: [paragraph('no recording')] }, version: 0 },
      });
      const kept = await sql<{
        team_id: number;
        fact: string;
        listed: number;
      }>`select team_id, fact, listed from notebook_fact_counts where listed <> 0 order by team_id, fact`.execute(
        e.db.kysely,
      );
      const recount = await sql<{
        team_id: number;
        fact: string;
        listed: number;
      }>`select team_id, fact, count(*) as listed from notebook_content_facts where listed = 1 group by team_id, fact order by team_id, fact`.execute(
        e.db.kysely,
      );
      assert.ok(recount.rows.length > 3);
      assert.deepEqual(kept.rows, recount.rows);
    }
  });
});
