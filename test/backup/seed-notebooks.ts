import assert from 'node:assert/strict';
import { createNotebook, createProject } from '../support/factories.ts';
import { json, type TestEnv } from '../support/harness.ts';
import type { AnswerPlan } from './api-answers.ts';

/**
 * A document with what moves between engines can get wrong: floats written as 1.0, 1e5 and
 * 1.5e-7, integer-like keys ("10" after "9" in jsonb order), non-ASCII keys and text, U+2028,
 * escapes; and what the derived indexes hold: recordings, insights, comments on a recording.
 */
export function trickyDocument(i: number) {
  return {
    type: 'doc',
    '10': i,
    '9': 'nine',
    é: true,
    meta: { weights: [1.0, 2.5, -3e2, 1e5, 1.5e-7, 12345678901234], empty: {}, none: null },
    content: [
      ...(i % 3 === 0 ? [{ type: 'ph-recording', attrs: { id: `rec-${i % 2}`, noInspector: false } }] : []),
      ...(i % 7 === 0 ? [{ type: 'ph-insight', attrs: { id: `ins-${i % 14}` } }] : []),
      {
        type: 'paragraph',
        content: [
          { type: 'ph-replay-timestamp', attrs: { sessionRecordingId: `rec-${i % 2}`, playbackTime: i * 1000 + 0.5 } },
          { type: 'text', text: `comment ${i} ✓` },
        ],
      },
      {
        type: 'heading',
        attrs: { level: 1.0 },
        content: [{ type: 'text', text: `Título ${i} 🎉 \u2028 "quoted" \\ back\ttab` }],
      },
    ],
  };
}

const TITLES = ['Zebra notes', 'apple pie', 'Éclair', null, 'pony club', '日本語のノート', 'a'];
const TEXTS = ['ponies and hobbies', 'café crème', null, 'nothing special here'];

export interface Seeded {
  plan: AnswerPlan;
  notebooks: number;
}

/**
 * Fills the test environment through the API: two projects, three callers, `count` notebooks
 * (a tenth in the second project), some edited (activity), some deleted and one restored.
 */
export async function seedNotebooks(env: TestEnv, count: number): Promise<Seeded> {
  const second = await createProject(env, 'Second project');
  const member = await env.createUser({ level: 'member', scopes: ['notebook:read', 'activity_log:read'] });
  const admin = await env.createUser({ level: 'admin', firstName: 'Ådmin' });
  const unlisted: AnswerPlan['unlisted'] = [];
  for (let i = 0; i < count; i++) {
    const project = i % 10 === 9 ? second : env.project;
    const notebook = await createNotebook(
      env,
      { title: TITLES[i % TITLES.length], text_content: TEXTS[i % TEXTS.length], content: trickyDocument(i) },
      { project, key: i % 4 === 3 ? admin.key : undefined },
    );
    const url = env.url(`${notebook.short_id}/`, project.id);
    if (i % 5 === 0) {
      const edited = await env.request({
        method: 'PATCH',
        url,
        payload: { version: 0, title: `${notebook.title ?? 'untitled'} (edited)`, content: trickyDocument(i + 1) },
      });
      assert.equal(edited.statusCode, 200, edited.body);
    }
    if (i % 11 === 0) {
      const deleted = await env.request({ method: 'PATCH', url, payload: { deleted: true } });
      assert.equal(deleted.statusCode, 200, deleted.body);
      if (i === 22) {
        const restored = await env.request({ method: 'PATCH', url, payload: { deleted: false } });
        assert.equal(json(restored).deleted, false);
      } else unlisted.push({ project: project.id, shortId: notebook.short_id });
    }
  }
  return {
    plan: {
      keys: [env.owner.key, member.key, admin.key],
      projects: [env.project.id, second.id],
      unlisted,
      recordings: ['rec-0', 'rec-1', 'rec-none'],
    },
    notebooks: count,
  };
}
