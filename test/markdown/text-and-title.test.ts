import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getText, getTextSerializersFromSchema } from '@tiptap/core';
import fc from 'fast-check';
import { documentSchema } from '../../src/editor/document-schema.ts';
import type { JsonObject } from '../../src/json/json-value.ts';
import { markdownToNotebook, notebookToMarkdown } from '../../src/markdown/notebook-markdown.ts';
import { supportedDocument } from './document-arbitraries.ts';

function editorText(content: JsonObject): string {
  const schema = documentSchema();
  return getText(schema.nodeFromJSON(content), {
    blockSeparator: '\n\n',
    textSerializers: getTextSerializersFromSchema(schema),
  });
}

describe('Text and title of a notebook read from Markdown', () => {
  it('takes the title from the first heading, wherever it is', () => {
    const notebook = markdownToNotebook('intro line\n\n> ## Quoted *heading*  \n\n# Later');
    assert.equal(notebook.title, 'Quoted heading');
  });

  it('takes the first non-empty line, trimmed, when there is no heading', () => {
    assert.equal(markdownToNotebook('<br>\n\n   \u00a0first words  \nsecond line').title, 'first words');
    assert.equal(markdownToNotebook('#\n\nbody').title, 'body');
  });

  it('has no title and no text for an empty document, which holds one empty paragraph', () => {
    for (const markdown of ['', '\n\n', '   ']) {
      assert.deepEqual(markdownToNotebook(markdown), {
        content: { type: 'doc', content: [{ type: 'paragraph' }] },
        title: null,
        textContent: '',
      });
    }
  });

  it('separates blocks with a blank line and keeps hard breaks as line breaks', () => {
    const notebook = markdownToNotebook('# T\n\none\\\ntwo\n\n- a\n- b');
    assert.equal(notebook.textContent, 'T\n\none\ntwo\n\n\n\n\n\na\n\n\n\nb');
    assert.equal(notebook.textContent, editorText(notebook.content));
  });

  it("counts a preserved text node's text, and nothing for other preserved nodes", () => {
    const content: JsonObject = {
      type: 'doc',
      content: [
        { type: 'paragraph', content: [{ type: 'text', marks: [{ type: 'comment' }], text: 'kept' }] },
        { type: 'ph-recording', attrs: { id: 'r1' } },
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'after ' },
            { type: 'ph-mention', attrs: { id: 1 } },
          ],
        },
      ],
    };
    assert.equal(markdownToNotebook(notebookToMarkdown(content)).textContent, 'kept\n\n\n\nafter ');
  });

  it('gives the text the editor computes for any document of schema nodes', () => {
    fc.assert(
      fc.property(supportedDocument, (doc) => {
        assert.equal(markdownToNotebook(notebookToMarkdown(doc)).textContent, editorText(doc));
      }),
      { numRuns: 100 },
    );
  });
});
