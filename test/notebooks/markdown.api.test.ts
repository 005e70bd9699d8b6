import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { it } from 'node:test';
import { documentSchema } from '../../src/editor/document-schema.ts';
import { markdownToNotebook, notebookToMarkdown } from '../../src/markdown/notebook-markdown.ts';
import { createNotebook } from '../support/factories.ts';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

// Notebooks as Markdown over HTTP: Accept / ?format=markdown to read, Content-Type: text/markdown
// to create and replace. Requests without them are PostHog's (notebooks.api.test.ts).

const FIXTURES = new URL('../fixtures/posthog-notebooks/', import.meta.url);
const fixtures = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json'))
  .map((name) => ({
    name,
    notebook: JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as {
      title: string;
      content: unknown;
      text_content: string;
    },
  }));

const NOTES = `# Release notes

Shipped **search** and _filters_, see [the docs](https://example.com/docs).

- [x] write the list
- [ ] review it

\`\`\`ts
const answer = 42;
\`\`\`
`;

function getMarkdown(
  e: TestEnv,
  shortId: string,
  headers: Record<string, string> = { accept: 'text/markdown' },
  query = '',
) {
  return e.request({ method: 'GET', url: e.url(`${shortId}/${query}`), headers });
}

function sendMarkdown(
  e: TestEnv,
  method: 'POST' | 'PATCH',
  url: string,
  markdown: string | Buffer,
  headers: Record<string, string> = {},
) {
  return e.request({ method, url, payload: markdown, headers: { 'content-type': 'text/markdown', ...headers } });
}

describeEachEngine('notebooks as Markdown', (env) => {
  it('creates a notebook from Markdown: content in the editor schema, plain text, title from the first heading', async () => {
    const e = env();
    const created = await sendMarkdown(e, 'POST', e.url(), NOTES);
    assert.equal(created.statusCode, 201, created.body);
    const notebook = json<{ title: string; content: unknown; text_content: string; short_id: string }>(created);
    const expected = markdownToNotebook(NOTES);
    assert.equal(notebook.title, 'Release notes');
    assert.deepEqual(notebook.content, expected.content);
    assert.equal(notebook.text_content, expected.textContent);
    const back = await getMarkdown(e, notebook.short_id);
    assert.equal(back.statusCode, 200);
    assert.equal(back.headers['content-type'], 'text/markdown; charset=utf-8');
    assert.equal(back.body, notebookToMarkdown(expected.content));
    assert.equal(back.headers.vary, 'Accept');
  });

  it('answers Markdown only when asked: q-values honoured, */*, no Accept and application/json stay JSON', async () => {
    const e = env();
    const { short_id } = await createNotebook(e, { title: 'Negotiated', content: markdownToNotebook(NOTES).content });
    const cases: Array<[Record<string, string>, string, 'markdown' | 'json']> = [
      [{ accept: 'text/markdown' }, '', 'markdown'],
      [{ accept: 'application/json;q=0.1, text/markdown' }, '', 'markdown'],
      [{ accept: 'text/*' }, '', 'markdown'],
      [{ accept: 'text/markdown;q=0.5, application/json' }, '', 'json'],
      [{ accept: 'text/markdown, application/json' }, '', 'json'],
      [{ accept: '*/*' }, '', 'json'],
      [{ accept: 'application/json' }, '', 'json'],
      [{}, '', 'json'],
      [{}, '?format=markdown', 'markdown'],
    ];
    for (const [headers, query, format] of cases) {
      const response = await getMarkdown(e, short_id, headers, query);
      assert.equal(response.statusCode, 200, response.body);
      const type = String(response.headers['content-type']);
      assert.equal(
        type,
        format === 'markdown' ? 'text/markdown; charset=utf-8' : 'application/json',
        `${JSON.stringify(headers)} ${query}`,
      );
    }
  });

  it('answers 304 to the Markdown ETag, which differs from the JSON one', async () => {
    const e = env();
    const { short_id } = await createNotebook(e, { title: 'Tagged', content: markdownToNotebook(NOTES).content });
    const markdown = await getMarkdown(e, short_id);
    const asJson = await e.request({ method: 'GET', url: e.url(`${short_id}/`) });
    assert.notEqual(markdown.headers.etag, asJson.headers.etag);
    const again = await getMarkdown(e, short_id, {
      accept: 'text/markdown',
      'if-none-match': String(markdown.headers.etag),
    });
    assert.equal(again.statusCode, 304);
  });

  it('replaces the content with Markdown under the version: ?version=N, or an If-Match ETag; 409 and 412 as JSON', async () => {
    const e = env();
    const { short_id } = await createNotebook(e, {
      title: 'Old',
      content: markdownToNotebook('# Old\n\nold text\n').content,
    });
    const url = e.url(`${short_id}/`);
    const unversioned = await sendMarkdown(e, 'PATCH', url, '# New\n\nnew text\n');
    assert.equal(unversioned.statusCode, 409, unversioned.body);
    assert.equal(json<{ detail: string }>(unversioned).detail, 'Someone else edited the Notebook');
    const versioned = await sendMarkdown(e, 'PATCH', `${url}?version=0`, '# New\n\nnew text\n');
    assert.equal(versioned.statusCode, 200, versioned.body);
    const body = json<{ title: string; version: number; text_content: string }>(versioned);
    assert.deepEqual([body.title, body.version, body.text_content], ['New', 1, 'New\n\nnew text']);
    assert.equal((await sendMarkdown(e, 'PATCH', `${url}?version=0`, '# Stale\n')).statusCode, 409);
    const etag = String((await e.request({ method: 'GET', url })).headers.etag);
    const tagged = await sendMarkdown(e, 'PATCH', url, '# Newer\n', { 'if-match': etag });
    assert.equal(tagged.statusCode, 200, tagged.body);
    assert.equal(json<{ version: number }>(tagged).version, 2);
    const stale = await sendMarkdown(e, 'PATCH', url, '# Lost\n', { 'if-match': etag });
    assert.equal(stale.statusCode, 412, stale.body);
    assert.equal(json<{ code: string }>(stale).code, 'precondition_failed');
  });

  it('keeps every PostHog node of the fixtures byte for byte through Markdown and back', async () => {
    const e = env();
    for (const { name, notebook } of fixtures) {
      const created = await createNotebook(e, {
        title: notebook.title,
        content: notebook.content,
        text_content: notebook.text_content,
      });
      const url = e.url(`${created.short_id}/`);
      const before = await e.request({ method: 'GET', url });
      const original = json<{ content: { content: unknown[] } }>(before).content;
      const markdown = (await getMarkdown(e, created.short_id)).body;
      const replaced = await sendMarkdown(e, 'PATCH', url, markdown, { 'if-match': String(before.headers.etag) });
      assert.equal(replaced.statusCode, 200, `${name}: ${replaced.body}`);
      const after = json<{ content: { content: unknown[] } }>(await e.request({ method: 'GET', url })).content;
      const custom = (doc: { content: unknown[] }) =>
        JSON.stringify(
          doc.content.filter((node) => !(String((node as { type?: unknown }).type) in documentSchema().nodes)),
        );
      assert.equal(custom(after), custom(original), `${name}: the nodes Markdown cannot say come back exactly`);
      if (name !== 'rich-text.json' && name !== 'tiptap-2-shapes.json')
        assert.ok(custom(original).length > 2, `${name} holds such nodes`);
    }
  });

  it('answers bad Markdown bodies with the 4xx envelope: invalid UTF-8, binary, too large, too deeply nested', async () => {
    const e = env();
    const invalid = await sendMarkdown(e, 'POST', e.url(), Buffer.from([0x23, 0x20, 0xff, 0xfe, 0x41]));
    assert.equal(invalid.statusCode, 400, invalid.body);
    assert.equal(json<{ code: string }>(invalid).code, 'parse_error');
    const binary = await sendMarkdown(
      e,
      'POST',
      e.url(),
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 151 + 7) % 256)),
    );
    assert.equal(binary.statusCode, 400, binary.body);
    const huge = await sendMarkdown(e, 'POST', e.url(), Buffer.alloc(30 * 1024 * 1024, 'a'));
    assert.equal(huge.statusCode, 413, huge.body);
    assert.equal(json<{ code: string }>(huge).code, 'payload_too_large');
    const deep = await sendMarkdown(e, 'POST', e.url(), `${'> '.repeat(100_000)}quote\n`);
    assert.equal(deep.statusCode, 400, deep.body);
    assert.deepEqual(Object.keys(json(deep)), ['type', 'code', 'detail', 'attr']);
    assert.equal(json<{ code: string }>(deep).code, 'markdown_too_complex');
  });
});
