import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../src/json/json-value.ts';
import { markdownToNotebook } from '../../src/markdown/notebook-markdown.ts';

function blocks(markdown: string): JsonObject[] {
  return markdownToNotebook(markdown).content.content as JsonObject[];
}

const text = (value: string, ...marks: JsonObject[]): JsonObject =>
  marks.length === 0 ? { type: 'text', text: value } : { type: 'text', marks, text: value };
const paragraph = (...content: JsonObject[]): JsonObject =>
  content.length === 0 ? { type: 'paragraph' } : { type: 'paragraph', content };
const LINK_DEFAULTS = { target: '_blank', rel: 'noopener noreferrer nofollow', class: null };

describe('Reading Markdown', () => {
  it('reads marks, including underline and HTML emphasis tags', () => {
    assert.deepEqual(blocks('**b** _i_ ~~s~~ `c` <u>u</u> <strong>B</strong><em>I</em><del>S</del>'), [
      paragraph(
        text('b', { type: 'bold' }),
        text(' '),
        text('i', { type: 'italic' }),
        text(' '),
        text('s', { type: 'strike' }),
        text(' '),
        text('c', { type: 'code' }),
        text(' '),
        text('u', { type: 'underline' }),
        text(' '),
        text('B', { type: 'bold' }),
        text('I', { type: 'italic' }),
        text('S', { type: 'strike' }),
      ),
    ]);
  });

  it('reads links with every attribute the schema writes, and drops schemes the editor does not keep', () => {
    assert.deepEqual(blocks('[a](https://x.io "T") [b](javascript:alert(1)) <mailto:me@x.io>'), [
      paragraph(
        text('a', { type: 'link', attrs: { href: 'https://x.io', ...LINK_DEFAULTS, title: 'T' } }),
        text(' b '),
        text('mailto:me@x.io', { type: 'link', attrs: { href: 'mailto:me@x.io', ...LINK_DEFAULTS, title: null } }),
      ),
    ]);
  });

  it('makes each image a block of its own, with the text around it in paragraphs', () => {
    assert.deepEqual(blocks('before ![alt *x*](https://x.io/i.png "t") after\n\n![](data:image/png;base64,AA)'), [
      paragraph(text('before')),
      { type: 'image', attrs: { src: 'https://x.io/i.png', alt: 'alt x', title: 't', width: null, height: null } },
      paragraph(text('after')),
    ]);
  });

  it('reads ordered lists with their start, task lists, and splits a list mixing both kinds', () => {
    const [ordered, tasks, bullets] = blocks('7. seven\n8. eight\n\n- [x] done\n- [ ] todo\n- plain');
    assert.deepEqual(ordered.attrs, { start: 7, type: null });
    assert.deepEqual(tasks, {
      type: 'taskList',
      content: [
        { type: 'taskItem', attrs: { checked: true }, content: [paragraph(text('done'))] },
        { type: 'taskItem', attrs: { checked: false }, content: [paragraph(text('todo'))] },
      ],
    });
    assert.equal(bullets.type, 'bulletList');
  });

  it('reads an escaped task marker as text', () => {
    const [list] = blocks('- \\[x] not a task');
    assert.equal(list.type, 'bulletList');
    assert.deepEqual((list.content as JsonObject[])[0].content, [paragraph(text('[x] not a task'))]);
  });

  it('reads code blocks with their language, and tables with header, alignment and cell paragraphs', () => {
    const [code, table] = blocks('~~~ts\nlet a = `x`;\n~~~\n\n| h | i |\n|:-:|---|\n| 1 | 2 |');
    assert.deepEqual(code, { type: 'codeBlock', attrs: { language: 'ts' }, content: [text('let a = `x`;')] });
    const cell = (type: string, value: string, align: string | null): JsonObject => ({
      type,
      attrs: { colspan: 1, rowspan: 1, colwidth: null, align },
      content: [paragraph(text(value))],
    });
    assert.deepEqual(table, {
      type: 'table',
      content: [
        { type: 'tableRow', content: [cell('tableHeader', 'h', 'center'), cell('tableHeader', 'i', null)] },
        { type: 'tableRow', content: [cell('tableCell', '1', 'center'), cell('tableCell', '2', null)] },
      ],
    });
  });

  it('reads a `<br>` line as an empty paragraph, and keeps other HTML as text', () => {
    assert.deepEqual(blocks('a\n\n<br>\n\n<div class="x">\nraw\n</div>\n\nb <kbd>K</kbd>'), [
      paragraph(text('a')),
      paragraph(),
      paragraph(text('<div class="x">\nraw\n</div>')),
      paragraph(text('b <kbd>K</kbd>')),
    ]);
  });

  it('keeps soft line breaks as line breaks and reads hard breaks', () => {
    assert.deepEqual(blocks('one\ntwo  \nthree\\\nfour<br>'), [
      paragraph(text('one\ntwo'), { type: 'hardBreak' }, text('three'), { type: 'hardBreak' }, text('four'), {
        type: 'hardBreak',
      }),
    ]);
  });
});
