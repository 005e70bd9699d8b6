import fc from 'fast-check';
import { documentSchema } from '../../src/editor/document-schema.ts';
import type { JsonObject } from '../../src/json/json-value.ts';

// Documents made only of what Markdown writes natively, in the shape ProseMirror's toJSON gives
// (defaults included, adjacent text with the same marks joined), as the editor saves them.

// Markdown syntax characters, whitespace Markdown strips at line edges, and text that is not ASCII.
const CHARACTERS = Array.from('ab Z09*_`~[]()<>&#!|\\-+=.:;\'"\t\n\u00a0é😀');
const LINE_CHARACTERS = CHARACTERS.filter((char) => char !== '\n');

const text = fc.array(fc.constantFrom(...CHARACTERS), { minLength: 1, maxLength: 10 }).map((chars) => chars.join(''));
// Image alt and title text: control characters (tab included) are kept in the preserved form instead.
const attributeLine = fc
  .array(fc.constantFrom(...LINE_CHARACTERS.filter((char) => char !== '\t')), { minLength: 1, maxLength: 10 })
  .map((chars) => chars.join(''));
const optionalLine = fc.option(attributeLine, { nil: null });

const link = fc.record({
  href: fc.constantFrom(
    'https://example.com/a_b*c',
    'https://x.io/(p)?q=1&amp;r=2',
    'mailto:a@b.c',
    '/relative path',
    'https://e.com/<x>',
  ),
  title: fc.constantFrom(null, 'T "q" \\', 'plain'),
});

const marks = fc.oneof(
  { weight: 1, arbitrary: fc.constant([{ type: 'code' }]) },
  {
    weight: 4,
    arbitrary: fc
      .record({
        link: fc.option(link, { nil: null }),
        bold: fc.boolean(),
        italic: fc.boolean(),
        strike: fc.boolean(),
        underline: fc.boolean(),
      })
      .map(({ link: linkAttrs, ...flags }) => [
        ...(linkAttrs === null ? [] : [{ type: 'link', attrs: linkAttrs }]),
        ...Object.entries(flags)
          .filter(([, on]) => on)
          .map(([type]) => ({ type })),
      ]),
  },
);

const inlineItem = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constant('text'), text, marks }) },
  {
    weight: 1,
    // A code span cannot hold a hard break, so a code-marked one is preserved rather than written.
    arbitrary: fc.record({ type: fc.constant('hardBreak'), marks: marks.filter((set) => set[0]?.type !== 'code') }),
  },
);

function withoutEmptyMarks(node: JsonObject): JsonObject {
  if (!Array.isArray(node.marks) || node.marks.length > 0) return node;
  const { marks: _marks, ...rest } = node;
  return rest;
}

function inline(singleLine: boolean): fc.Arbitrary<JsonObject[]> {
  return fc.array(inlineItem, { maxLength: 6 }).map((items) =>
    items
      .map((item) => (item.type === 'text' && singleLine ? { ...item, text: item.text.replace(/\n/g, ' ') } : item))
      // A code span cannot hold a line break.
      .map((item) => {
        const code = item.type === 'text' && item.marks[0]?.type === 'code';
        return code ? { ...item, text: item.text.replace(/\n/g, 'n') } : item;
      })
      .map((item) => withoutEmptyMarks(item as unknown as JsonObject)),
  );
}

const paragraph = inline(false)
  // A paragraph holding one hard break and nothing else has no Markdown form of its own.
  .filter((content) => !(content.length === 1 && content[0].type === 'hardBreak'))
  .map((content) => ({ type: 'paragraph', content }));

const heading = fc.record({
  type: fc.constant('heading'),
  attrs: fc.record({ level: fc.integer({ min: 1, max: 6 }) }),
  content: inline(true),
});

const codeBlock = fc.record({
  type: fc.constant('codeBlock'),
  attrs: fc.record({ language: fc.constantFrom(null, 'js', 'c++', 'a`b', 'x~y') }),
  content: fc.option(
    text.map((value) => [{ type: 'text', text: value }]),
    { nil: [] },
  ),
});

const image = fc.record({
  type: fc.constant('image'),
  attrs: fc.record({
    src: fc.constantFrom('https://example.com/i.png', '/a (1).png', 'http://x.io/a_b.png?x=1&y=2'),
    alt: optionalLine,
    title: optionalLine,
  }),
});

const table = fc
  .record({ width: fc.integer({ min: 1, max: 3 }), height: fc.integer({ min: 1, max: 3 }) })
  .chain(({ width, height }) =>
    fc.record({
      align: fc.array(fc.constantFrom(null, 'left', 'center', 'right'), { minLength: width, maxLength: width }),
      cells: fc.array(fc.array(inline(true), { minLength: width, maxLength: width }), {
        minLength: height,
        maxLength: height,
      }),
    }),
  )
  .map(({ align, cells }) => ({
    type: 'table',
    content: cells.map((row, rowIndex) => ({
      type: 'tableRow',
      content: row.map((content, column) => ({
        type: rowIndex === 0 ? 'tableHeader' : 'tableCell',
        attrs: { align: align[column] },
        content: [{ type: 'paragraph', content }],
      })),
    })),
  }));

const { blocks } = fc.letrec<{ blocks: JsonObject[]; block: JsonObject }>((tie) => {
  const item = (type: string) =>
    fc.tuple(paragraph, fc.array(tie('block'), { maxLength: 2 }), fc.boolean()).map(([first, rest, checked]) => ({
      type,
      ...(type === 'taskItem' ? { attrs: { checked } } : {}),
      content: [first, ...rest],
    }));
  return {
    blocks: fc.array(tie('block'), { minLength: 1, maxLength: 4 }),
    block: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      paragraph,
      heading,
      codeBlock,
      image,
      table,
      fc.constant({ type: 'horizontalRule' }),
      fc.array(tie('block'), { minLength: 1, maxLength: 3 }).map((content) => ({ type: 'blockquote', content })),
      fc.array(item('listItem'), { minLength: 1, maxLength: 3 }).map((content) => ({ type: 'bulletList', content })),
      fc.array(item('taskItem'), { minLength: 1, maxLength: 3 }).map((content) => ({ type: 'taskList', content })),
      fc
        .tuple(fc.integer({ min: 0, max: 20 }), fc.array(item('listItem'), { minLength: 1, maxLength: 3 }))
        .map(([start, content]) => ({ type: 'orderedList', attrs: { start }, content })),
    ),
  };
});

/** Joins adjacent text nodes whose marks are equal, as the editor's transactions leave them. */
function joinText(json: JsonObject): JsonObject {
  if (!Array.isArray(json.content)) return json;
  const content: JsonObject[] = [];
  for (const child of json.content as JsonObject[]) {
    const last = content[content.length - 1];
    if (last?.type === 'text' && child.type === 'text' && JSON.stringify(last.marks) === JSON.stringify(child.marks)) {
      content[content.length - 1] = { ...last, text: `${last.text as string}${child.text as string}` };
    } else {
      content.push(joinText(child));
    }
  }
  return { ...json, content };
}

/** A notebook document of natively written nodes, as ProseMirror's toJSON writes it. */
export const supportedDocument: fc.Arbitrary<JsonObject> = blocks.map((content) => {
  const schema = documentSchema();
  const canonical = schema.nodeFromJSON({ type: 'doc', content }).toJSON() as JsonObject;
  const joined = schema.nodeFromJSON(joinText(canonical));
  joined.check();
  return joined.toJSON() as JsonObject;
});

// Pieces of Markdown, HTML and preserved elements, for documents a person might write.
const MARKDOWN_PIECES = [
  '# ',
  '## ',
  '- ',
  '* ',
  '+ ',
  '1. ',
  '3) ',
  '> ',
  '```',
  '~~~',
  '    ',
  '**',
  '__',
  '*',
  '_',
  '~~',
  '`',
  '\\',
  '[a](https://x.io)',
  '![i](https://x.io/i.png)',
  '[b]',
  '[b]: https://y.io',
  '<https://z.io>',
  '<u>',
  '</u>',
  '<em>',
  '</em>',
  '<br>',
  '<div>',
  '</div>',
  '<!-- c -->',
  '|',
  '| a | b |',
  '|---|---|',
  '---',
  '===',
  '- [ ] ',
  '- [x] ',
  '[ ]',
  '&amp;',
  '&#32;',
  '&nbsp;',
  'text',
  'x',
  '1',
  ' ',
  '  ',
  '\t',
  '\n',
  '\n',
  '\n\n',
  '\r\n',
  'é',
  '😀',
  `<span data-notebook-node='{"type":"ph-mention","attrs":{"id":1}}'>@m</span>`,
  `<div data-notebook-node='{"type":"ph-query","attrs":{"query":{"kind":"SavedInsightNode","shortId":"a1"}}}'>q</div>`,
  `<div data-notebook-node='{broken'>x</div>`,
];

export const markdownText: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...MARKDOWN_PIECES), { maxLength: 30 })
  .map((pieces) => pieces.join(''));
