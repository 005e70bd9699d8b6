import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../src/json/json-value.ts';
import { MarkdownTooComplex, markdownToNotebook, notebookToMarkdown } from '../../src/markdown/notebook-markdown.ts';

/**
 * The least processor time (all of the process's threads, the collector's included) over a few
 * runs: the machine is shared, and time spent waiting for a core is not the conversion's.
 */
function leastCpuTime(runs: number, run: () => unknown): number {
  let least = Infinity;
  for (let attempt = 0; attempt < runs; attempt += 1) {
    // This thread's time only: the GC's helper threads do more for a larger heap, and counted in
    // they made a linear conversion look 22–37× slower for 10× the text.
    const start = process.threadCpuUsage();
    run();
    const used = process.threadCpuUsage(start);
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
  it('converts 1 MB of Markdown each way in time that grows linearly with its size', () => {
    const small = SECTION.repeat(Math.ceil(100_000 / SECTION.length));
    const large = SECTION.repeat(Math.ceil(1_000_000 / SECTION.length));
    const smallNotebook = markdownToNotebook(small).content;
    const largeNotebook = markdownToNotebook(large).content;
    // Ten times the text; a linear conversion takes 12–23 times as long here (a larger heap costs
    // the collector more per byte), a quadratic one over a hundred. A ratio stays meaningful on a
    // busy machine, where a fixed number of seconds does not.
    const reading = leastCpuTime(3, () => markdownToNotebook(large)) / leastCpuTime(3, () => markdownToNotebook(small));
    const writing =
      leastCpuTime(3, () => notebookToMarkdown(largeNotebook)) /
      leastCpuTime(3, () => notebookToMarkdown(smallNotebook));
    assert.ok(reading < 40, `reading 10× the text took ${reading.toFixed(1)}× as long`);
    assert.ok(writing < 40, `writing 10× the text took ${writing.toFixed(1)}× as long`);
  });

  it('refuses blocks nested past the limit instead of dropping what is inside', () => {
    assert.throws(() => markdownToNotebook(`${'>'.repeat(100_000)} deep`), MarkdownTooComplex);
    const list = Array.from({ length: 2000 }, (_, depth) => `${'  '.repeat(depth)}- item`).join('\n');
    assert.throws(() => markdownToNotebook(list), MarkdownTooComplex);
    assert.doesNotThrow(() => markdownToNotebook(`${'> '.repeat(40)}fine`));
  });

  it('reads runs of delimiters and brackets in linear time', () => {
    // Read linearly, each takes tens of milliseconds; read quadratically, minutes. The bound sits
    // far from both, so a busy machine does not fail it and a quadratic reading still does.
    for (const markdown of ['*'.repeat(100_000), '*a'.repeat(50_000), '['.repeat(100_000), '_a **b '.repeat(20_000)]) {
      const took = leastCpuTime(1, () => markdownToNotebook(markdown));
      assert.ok(took < 5000, `${JSON.stringify(markdown.slice(0, 8))}… took ${took.toFixed(0)} ms`);
    }
    const opened = leastCpuTime(1, () => markdownToNotebook("<span data-notebook-node='{".repeat(50_000)));
    assert.ok(opened < 5000, `unclosed preserved elements took ${opened.toFixed(0)} ms`);
  });

  it('refuses JSON nested deeper than it converts safely, in a notebook or in a preserved element', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`) as JsonObject;
    assert.throws(() => notebookToMarkdown({ type: 'doc', content: [{ type: 'x', attrs: deep }] }), MarkdownTooComplex);
    const element = `<div data-notebook-node='${'['.repeat(5000)}${']'.repeat(5000)}'>x</div>`;
    assert.throws(() => markdownToNotebook(element), MarkdownTooComplex);
  });
});
