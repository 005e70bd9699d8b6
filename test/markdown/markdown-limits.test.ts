import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../src/notebooks/content.ts';
import { MarkdownTooComplex, markdownToNotebook, notebookToMarkdown } from '../../src/markdown/notebook-markdown.ts';

function elapsed(run: () => unknown): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

// Notes as people write them: paragraphs with marks and links, headings, lists, code, a table.
const SECTION = [
  '## Findings',
  '',
  'We looked at the **retention** of the _new onboarding flow_ and compared it with [last quarter]' +
    '(https://example.com/q3) using `cohort_retention`. '.repeat(3),
  '',
  '- first point with **bold** text',
  '- second point',
  '  - nested point',
  '',
  '```sql',
  'SELECT count() FROM events',
  '```',
  '',
  '| metric | value |',
  '| --- | --: |',
  '| signups | 120 |',
  '',
  '',
].join('\n');

describe('Markdown limits', () => {
  it('converts 2 MB of Markdown each way in well under a second', () => {
    const markdown = SECTION.repeat(Math.ceil(2_000_000 / SECTION.length));
    // The first run compiles the code paths; the budget is for a warm server.
    notebookToMarkdown(markdownToNotebook(SECTION.repeat(200)).content);
    let notebook: JsonObject | undefined;
    const reading = elapsed(() => {
      notebook = markdownToNotebook(markdown).content;
    });
    const writing = elapsed(() => notebookToMarkdown(notebook ?? null));
    // Generous for a shared 2-core machine; on an idle one each direction takes 0.2-0.4 s.
    assert.ok(reading < 1500, `reading took ${reading.toFixed(0)} ms`);
    assert.ok(writing < 1500, `writing took ${writing.toFixed(0)} ms`);
  });

  it('refuses blocks nested past the limit instead of dropping what is inside', () => {
    assert.throws(() => markdownToNotebook(`${'>'.repeat(100_000)} deep`), MarkdownTooComplex);
    const list = Array.from({ length: 2000 }, (_, depth) => `${'  '.repeat(depth)}- item`).join('\n');
    assert.throws(() => markdownToNotebook(list), MarkdownTooComplex);
    assert.doesNotThrow(() => markdownToNotebook(`${'> '.repeat(40)}fine`));
  });

  it('reads runs of delimiters and brackets in linear time', () => {
    for (const markdown of ['*'.repeat(100_000), '*a'.repeat(50_000), '['.repeat(100_000), '_a **b '.repeat(20_000)]) {
      const took = elapsed(() => markdownToNotebook(markdown));
      assert.ok(took < 1000, `${JSON.stringify(markdown.slice(0, 8))}… took ${took.toFixed(0)} ms`);
    }
    const opened = elapsed(() => markdownToNotebook("<span data-notebook-node='{".repeat(50_000)));
    assert.ok(opened < 1000, `unclosed preserved elements took ${opened.toFixed(0)} ms`);
  });

  it('refuses JSON nested deeper than it converts safely, in a notebook or in a preserved element', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`) as JsonObject;
    assert.throws(() => notebookToMarkdown({ type: 'doc', content: [{ type: 'x', attrs: deep }] }), MarkdownTooComplex);
    const element = `<div data-notebook-node='${'['.repeat(5000)}${']'.repeat(5000)}'>x</div>`;
    assert.throws(() => markdownToNotebook(element), MarkdownTooComplex);
  });
});
