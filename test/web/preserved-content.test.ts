import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSchema, Mark, Node } from '@tiptap/core';
import fc from 'fast-check';
import { documentExtensions, documentSchema } from '../../src/editor/document-schema.ts';
import type { JsonNode } from '../../web/src/api/types.ts';
import {
  DocumentReconciler,
  PRESERVED_BLOCK,
  PRESERVED_INLINE,
  PRESERVED_MARK,
  toEditorDocument,
} from '../../web/src/editor/preserved-content.ts';

// The editor's schema: the shared document extensions and the stand-ins (their DOM node views are
// the browser's business; the names and attributes are what the mapping relies on).
const standIn = { json: { default: '{"type":"unknown"}' } };
const editorSchema = getSchema([
  ...documentExtensions(),
  Node.create({ name: PRESERVED_BLOCK, group: 'block', atom: true, addAttributes: () => standIn }),
  Node.create({ name: PRESERVED_INLINE, group: 'inline', inline: true, atom: true, addAttributes: () => standIn }),
  Mark.create({ name: PRESERVED_MARK, excludes: '', addAttributes: () => standIn }),
]);

/** What the editor holds for a stored document, as its JSON (ProseMirror's canonical form). */
function inEditor(stored: JsonNode): JsonNode {
  return editorSchema.nodeFromJSON(toEditorDocument(stored, documentSchema())).toJSON() as JsonNode;
}

function reconcilerFor(stored: JsonNode): DocumentReconciler {
  return new DocumentReconciler(stored, documentSchema(), (node) => {
    try {
      return editorSchema.nodeFromJSON(node).toJSON() as JsonNode;
    } catch {
      return undefined;
    }
  });
}

const unknownType = fc.constantFrom('ph-query', 'ph-recording', 'ph-person', 'x-widget', 'acme-callout');
const unknownInlineType = fc.constantFrom('ph-mention', 'ph-replay-timestamp', 'ph-backlink', 'x-chip');
// Attributes with keys in any order, values of any JSON kind.
const attrs = fc.dictionary(
  fc.constantFrom('id', 'title', 'query', 'height', 'nodeId', '__init', 'z'),
  fc.jsonValue(),
  {
    maxKeys: 5,
  },
);
const textNode = fc
  .record(
    {
      type: fc.constant('text'),
      text: fc.string({ minLength: 1, maxLength: 8 }),
      marks: fc.constantFrom(
        [{ type: 'bold' }],
        [{ type: 'comment', attrs: { id: 'c1' } }],
        [{ attrs: { color: 'red' }, type: 'x-highlight' }, { type: 'italic' }],
      ),
    },
    { requiredKeys: ['type', 'text'] },
  )
  .map((node) => node as JsonNode);
const inlineUnknown = fc.record({ type: unknownInlineType, attrs }).map((node) => node as JsonNode);
const paragraph = fc
  .array(fc.oneof(textNode, inlineUnknown), { maxLength: 4 })
  .map((content): JsonNode => (content.length === 0 ? { type: 'paragraph' } : { type: 'paragraph', content }));
const blockUnknown = fc
  .record({ type: unknownType, attrs, content: fc.array(paragraph, { maxLength: 2 }) }, { requiredKeys: ['type'] })
  .map((node) => node as JsonNode);
const storedDoc = fc.array(fc.oneof(paragraph, blockUnknown), { maxLength: 6 }).map(
  (blocks): JsonNode => ({
    type: 'doc',
    content: [{ type: 'heading', attrs: { level: 1 }, content: [{ text: 'Title', type: 'text' }] }, ...blocks],
  }),
);

describe('Keeping content the editor does not know', () => {
  it('gives back an unchanged document byte for byte', () => {
    fc.assert(
      fc.property(storedDoc, (stored) => {
        const back = reconcilerFor(stored).toStored(inEditor(stored));
        assert.equal(JSON.stringify(back), JSON.stringify(stored));
      }),
    );
  });

  it('changes only the paragraph that was edited', () => {
    fc.assert(
      fc.property(storedDoc, fc.nat(), (stored, pick) => {
        const editor = inEditor(stored);
        const blocks = editor.content ?? [];
        const paragraphs = blocks.map((node, index) => (node.type === 'paragraph' ? index : -1)).filter((i) => i >= 0);
        fc.pre(paragraphs.length > 0);
        const index = paragraphs[pick % paragraphs.length] as number;
        const edited = { type: 'paragraph', content: [{ type: 'text', text: 'edited' }] };
        const back = reconcilerFor(stored).toStored({
          ...editor,
          content: blocks.map((node, i) => (i === index ? edited : node)),
        });
        const expected = { ...stored, content: (stored.content ?? []).map((node, i) => (i === index ? edited : node)) };
        assert.equal(JSON.stringify(back), JSON.stringify(expected));
      }),
    );
  });

  it('puts unknown nodes back inline where they were inline, and keeps unknown marks', () => {
    const stored: JsonNode = {
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'ph-mention', attrs: { id: 3 } },
            { type: 'text', text: 'hi', marks: [{ type: 'comment', attrs: { id: 'c' } }] },
          ],
        },
      ],
    };
    const editor = inEditor(stored);
    const paragraphContent = editor.content?.[0]?.content ?? [];
    assert.equal(paragraphContent[0]?.type, PRESERVED_INLINE);
    assert.equal(paragraphContent[1]?.marks?.[0]?.type, PRESERVED_MARK);
    // A new text node next to them: the stand-ins still come back as they were.
    const changed: JsonNode = {
      ...editor,
      content: [{ type: 'paragraph', content: [...paragraphContent, { type: 'text', text: '!' }] }],
    };
    assert.deepEqual(reconcilerFor(stored).toStored(changed), {
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'ph-mention', attrs: { id: 3 } },
            { type: 'text', text: 'hi', marks: [{ type: 'comment', attrs: { id: 'c' } }] },
            { type: 'text', text: '!' },
          ],
        },
      ],
    });
  });
});
