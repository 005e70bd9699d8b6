import assert from 'node:assert/strict';
import { createNotebook, createProject, type NotebookDetail } from '../support/factories.ts';
import { json, type TestEnv } from '../support/harness.ts';
import type { AnswerPlan } from './api-answers.ts';

const paragraph = (text: string) => ({ type: 'paragraph', content: [{ type: 'text', text }] });
const cell = (type: 'tableHeader' | 'tableCell', text: string) => ({
  type,
  attrs: { colspan: 1, rowspan: 1, colwidth: null },
  content: [paragraph(text)],
});

/**
 * What Markdown writes in its own syntax (marks, lists, tasks, code, a quote, a table, a rule)
 * and what it keeps as JSON in the preserved form (a PostHog node with numbers and nested keys).
 */
function markdownBlocks(i: number) {
  return [
    {
      type: 'paragraph',
      content: [
        { type: 'text', text: 'bold ', marks: [{ type: 'bold' }] },
        {
          type: 'text',
          text: `link ${i}`,
          marks: [{ type: 'link', attrs: { href: `https://example.com/${i}?a=1&b=é`, target: '_blank' } }],
        },
        { type: 'text', text: ' `tick` *star* ', marks: [{ type: 'italic' }, { type: 'strike' }] },
        { type: 'text', text: 'code', marks: [{ type: 'code' }] },
        { type: 'hardBreak' },
        { type: 'text', text: 'under', marks: [{ type: 'underline' }] },
      ],
    },
    {
      type: 'bulletList',
      content: [
        {
          type: 'listItem',
          content: [
            paragraph(`item ${i}`),
            {
              type: 'orderedList',
              attrs: { start: 3 },
              content: [{ type: 'listItem', content: [paragraph('nested')] }],
            },
          ],
        },
      ],
    },
    {
      type: 'taskList',
      content: [{ type: 'taskItem', attrs: { checked: i % 4 === 0 }, content: [paragraph('task')] }],
    },
    { type: 'codeBlock', attrs: { language: 'sql' }, content: [{ type: 'text', text: `select ${i} -- \`\`\`\n` }] },
    { type: 'blockquote', content: [paragraph('quoted | pipe')] },
    {
      type: 'table',
      content: [
        { type: 'tableRow', content: [cell('tableHeader', 'name'), cell('tableHeader', 'value')] },
        { type: 'tableRow', content: [cell('tableCell', 'weight'), cell('tableCell', `${i}.5`)] },
      ],
    },
    { type: 'ph-query', attrs: { height: 400.5, query: { kind: 'DataTableNode', weights: [2.5, 1e5, 1.5e-7] } } },
    { type: 'horizontalRule' },
  ];
}

/**
 * A document with what moves between engines can get wrong: floats written as 1.0, 1e5 and
 * 1.5e-7, integer-like keys ("10" after "9" in jsonb order), non-ASCII keys and text, U+2028,
 * escapes; what the derived indexes hold: recordings, insights, comments on a recording; and,
 * in every other one, what Markdown writes.
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
      ...(i % 2 === 0 ? markdownBlocks(i) : []),
    ],
  };
}

/**
 * Numbers as a client may write them, whose text each engine must give back as PostHog does:
 * put into every `weights` list of a document sent as this JSON text.
 */
const WRITTEN_NUMBERS = '1.0,1e5,1.50,-0.0,1E-7,9007199254740991,0.1,1.25e-300,123.456e2';

/** The document's JSON text, its `weights` lists starting with WRITTEN_NUMBERS. */
function trickyDocumentText(i: number): string {
  return JSON.stringify(trickyDocument(i)).replaceAll('"weights":[', `"weights":[${WRITTEN_NUMBERS},`);
}

/** Creates a notebook from the JSON text of its fields, as a client that writes its own JSON. */
async function createFromText(env: TestEnv, project: number, key: string | undefined, text: string) {
  const response = await env.request({
    method: 'POST',
    url: env.url('', project),
    key,
    headers: { 'content-type': 'application/json' },
    payload: text,
  });
  assert.equal(response.statusCode, 201, response.body);
  return json<NotebookDetail>(response);
}

const TITLES = ['Zebra notes', 'apple pie', 'Éclair', null, 'pony club', '日本語のノート', 'a'];
const TEXTS = ['ponies and hobbies', 'café crème', null, 'nothing special here'];

export interface Seeded {
  plan: AnswerPlan;
  notebooks: number;
}

/**
 * Fills the test environment through the API: two projects, three callers, `count` notebooks
 * (a tenth in the second project, a third sent as JSON text with WRITTEN_NUMBERS), some edited
 * (activity), some deleted and one restored.
 */
export async function seedNotebooks(env: TestEnv, count: number): Promise<Seeded> {
  const second = await createProject(env, 'Second project');
  const member = await env.createUser({ level: 'member', scopes: ['notebook:read', 'activity_log:read'] });
  const admin = await env.createUser({ level: 'admin', firstName: 'Ådmin' });
  const unlisted: AnswerPlan['unlisted'] = [];
  for (let i = 0; i < count; i++) {
    const project = i % 10 === 9 ? second : env.project;
    const fields = { title: TITLES[i % TITLES.length], text_content: TEXTS[i % TEXTS.length] };
    const key = i % 4 === 3 ? admin.key : undefined;
    const notebook =
      i % 3 === 1
        ? await createFromText(
            env,
            project.id,
            key,
            `${JSON.stringify(fields).slice(0, -1)},"content":${trickyDocumentText(i)}}`,
          )
        : await createNotebook(env, { ...fields, content: trickyDocument(i) }, { project, key });
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
      callers: [env.owner, member, admin].map((user) => ({ key: user.key, userId: user.id })),
      projects: [env.project.id, second.id],
      unlisted,
      recordings: ['rec-0', 'rec-1', 'rec-none'],
      organizations: [env.org.id],
    },
    notebooks: count,
  };
}
