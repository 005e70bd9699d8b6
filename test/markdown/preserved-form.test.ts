import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../src/json/json-value.ts';
import { markdownToNotebook, notebookToMarkdown } from '../../src/markdown/notebook-markdown.ts';

function roundTrip(content: JsonObject): JsonObject {
  return markdownToNotebook(notebookToMarkdown(content)).content;
}

function doc(...content: JsonObject[]): JsonObject {
  return { type: 'doc', content };
}

const AWKWARD = 'back`ticks``` --> </span> </div> <!-- x --> \'quote\' "double" & &amp; \n\r\t \u2028 \ud800 end';

describe('The preserved form', () => {
  it('keeps JSON whose strings hold backticks, comment ends, closing tags, quotes and line breaks', () => {
    const content = doc(
      { type: 'ph-query', attrs: { query: { kind: 'HogQLQuery', query: AWKWARD }, title: AWKWARD } },
      { type: 'paragraph', content: [{ type: 'ph-mention', attrs: { id: 1, label: AWKWARD } }] },
    );
    const markdown = notebookToMarkdown(content);
    assert.equal(markdown.split('\n').filter((line) => line.startsWith('<div')).length, 1, 'one line per block');
    assert.equal(JSON.stringify(roundTrip(content)), JSON.stringify(content));
  });

  it('keeps keys JavaScript treats specially and numbers as they were', () => {
    const attrs = JSON.parse(
      '{"__proto__":{"x":1},"constructor":"c","10":1,"2":2,"big":12345678901234567890,"f":1.5e-7}',
    ) as JsonObject;
    const content = doc({ type: 'x-node', attrs });
    assert.equal(JSON.stringify(roundTrip(content)), JSON.stringify(content));
  });

  it('keeps an unknown mark with its text as an inline element that shows the text', () => {
    const text: JsonObject = {
      type: 'text',
      marks: [{ type: 'bold' }, { type: 'comment', attrs: { id: 'c1' } }],
      text: 'see *this*',
    };
    const content = doc({ type: 'paragraph', content: [{ type: 'text', text: 'Please ' }, text] });
    const markdown = notebookToMarkdown(content);
    assert.match(markdown, /^Please <span data-notebook-node='.*'>see \\\*this\\\*<\/span>$/m);
    assert.equal(JSON.stringify(roundTrip(content)), JSON.stringify(content));
  });

  it('keeps known nodes whose attributes the schema does not know, or whose values Markdown cannot carry', () => {
    const content = doc(
      { type: 'paragraph', attrs: { textAlign: 'right' }, content: [{ type: 'text', text: 'right' }] },
      { type: 'heading', attrs: { level: 7 }, content: [{ type: 'text', text: 'seven' }] },
      { type: 'codeBlock', attrs: { language: ' padded ' }, content: [{ type: 'text', text: 'x' }] },
      {
        type: 'orderedList',
        attrs: { start: 1, type: 'a' },
        content: [{ type: 'listItem', content: [{ type: 'paragraph' }] }],
      },
      {
        type: 'paragraph',
        content: [
          {
            type: 'text',
            marks: [
              { type: 'link', attrs: { href: 'https://x.io', target: '_self', rel: null, class: null, title: null } },
            ],
            text: 'same tab',
          },
          { type: 'text', marks: [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }], text: 'script' },
          { type: 'text', marks: [{ type: 'link' }], text: 'no href' },
        ],
      },
      { type: 'image', attrs: { src: null, alt: 'no source' } },
    );
    const markdown = notebookToMarkdown(content);
    assert.equal(markdown.match(/data-notebook-node/g)?.length, 8);
    assert.equal(JSON.stringify(roundTrip(content)), JSON.stringify(content));
  });

  it('keeps a subtree nested deeper than Markdown is read back', () => {
    let node: JsonObject = { type: 'paragraph', content: [{ type: 'text', text: 'deep' }] };
    for (let depth = 0; depth < 60; depth += 1) node = { type: 'blockquote', content: [node] };
    const content = doc(node);
    assert.match(notebookToMarkdown(content), /data-notebook-node/);
    assert.equal(JSON.stringify(roundTrip(content)), JSON.stringify(content));
  });

  it('leaves a damaged element as the text it is', () => {
    const broken = `<div data-notebook-node='{"type":'>x</div>\n\na <span data-notebook-node='nope'>y</span>`;
    const { content } = markdownToNotebook(broken);
    assert.deepEqual(content, {
      type: 'doc',
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: `<div data-notebook-node='{"type":'>x</div>` }] },
        { type: 'paragraph', content: [{ type: 'text', text: "a <span data-notebook-node='nope'>y</span>" }] },
      ],
    });
  });

  it('writes content that is not a document at all as one preserved block', () => {
    assert.match(notebookToMarkdown({ not: 'a doc' }), /^<div data-notebook-node='\{"not":"a doc"\}'>/);
    assert.equal(notebookToMarkdown(null), '');
  });
});
