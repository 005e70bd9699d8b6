import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../src/json/json-value.ts';
import { MarkdownTooComplex, markdownToNotebook, notebookToMarkdown } from '../../src/markdown/notebook-markdown.ts';

function elapsed(run: () => unknown): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

/**
 * The least processor time (all of the process's threads, the collector's included) over a few
 * runs: the machine is shared, and time spent waiting for a core is not the conversion's.
 */
function leastCpuTime(runs: number, run: () => unknown): number {
  let least = Infinity;
  for (let attempt = 0; attempt < runs; attempt += 1) {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    least = Math.min(least, (used.user + used.system) / 1000);
  }
  return least;
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
    const notebook = markdownToNotebook(markdown).content;
    const reading = leastCpuTime(3, () => markdownToNotebook(markdown));
    const writing = leastCpuTime(3, () => notebookToMarkdown(notebook));
    // About 0.5 s each way here, the collector's threads included.
    assert.ok(reading < 1000, `reading took ${reading.toFixed(0)} ms`);
    assert.ok(writing < 1000, `writing took ${writing.toFixed(0)} ms`);
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
