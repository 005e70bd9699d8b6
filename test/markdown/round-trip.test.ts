import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { documentSchema } from '../../src/editor/document-schema.ts';
import type { JsonObject, JsonValue } from '../../src/json/json-value.ts';
import { markdownToNotebook, notebookToMarkdown } from '../../src/markdown/notebook-markdown.ts';
import { markdownText, supportedDocument } from './document-arbitraries.ts';

const RUNS = { numRuns: 300 };

function usesOnlySchemaNodes(value: JsonValue): boolean {
  const schema = documentSchema();
  if (Array.isArray(value)) return value.every(usesOnlySchemaNodes);
  if (typeof value !== 'object' || value === null) return true;
  const type = value.type;
  const known = typeof type !== 'string' || Object.hasOwn(schema.nodes, type) || Object.hasOwn(schema.marks, type);
  if (!known) return false;
  return Object.values(value).every(usesOnlySchemaNodes);
}

describe('Markdown round trips', () => {
  it('writes a document of supported nodes as Markdown that reads back as the same JSON', () => {
    fc.assert(
      fc.property(supportedDocument, (doc) => {
        const markdown = notebookToMarkdown(doc);
        assert.ok(!markdown.includes('data-notebook-node'), `written natively:\n${markdown}`);
        assert.equal(JSON.stringify(markdownToNotebook(markdown).content), JSON.stringify(doc), markdown);
      }),
      RUNS,
    );
  });

  it('reaches a fixed point after one pass from any Markdown', () => {
    fc.assert(
      fc.property(markdownText, (markdown) => {
        const once = notebookToMarkdown(markdownToNotebook(markdown).content);
        const twice = notebookToMarkdown(markdownToNotebook(once).content);
        assert.equal(twice, once);
      }),
      RUNS,
    );
  });

  it('reads any Markdown into schema-valid JSON in the shape ProseMirror writes', () => {
    fc.assert(
      fc.property(markdownText, (markdown) => {
        const { content } = markdownToNotebook(markdown);
        if (!usesOnlySchemaNodes(content)) return;
        const node = documentSchema().nodeFromJSON(content);
        node.check();
        assert.equal(JSON.stringify(node.toJSON()), JSON.stringify(content));
      }),
      RUNS,
    );
  });

  it('keeps any JSON value that a preserved node carries', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.string(), (attrs, text) => {
        const node = { type: 'ph-custom', attrs, content: [{ type: 'text', text }] } as JsonObject;
        const mention = { type: 'ph-mention', attrs: { id: attrs } } as JsonObject;
        const doc = { type: 'doc', content: [node, { type: 'paragraph', content: [mention] }] } as JsonObject;
        const back = markdownToNotebook(notebookToMarkdown(doc)).content;
        assert.equal(JSON.stringify(back), JSON.stringify(doc));
      }),
      RUNS,
    );
  });
});
