import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { getText, getTextSerializersFromSchema } from '@tiptap/core';
import { documentSchema } from '../../src/editor/document-schema.ts';
import type { JsonObject, JsonValue } from '../../src/json/json-value.ts';
import { markdownToNotebook, notebookToMarkdown } from '../../src/markdown/notebook-markdown.ts';

const FIXTURES = new URL('../fixtures/posthog-notebooks/', import.meta.url);

type Fixture = { name: string; title: string; content: JsonObject; text_content: string };

const fixtures: Fixture[] = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json'))
  .map((name) => ({ name, ...(JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Omit<Fixture, 'name'>) }));

// The node types PostHog's notebooks hold (its NotebookNodeType, plus the older ph-insight).
const POSTHOG_NODE_TYPES = [
  'ph-query',
  'ph-recording',
  'ph-recording-playlist',
  'ph-feature-flag',
  'ph-feature-flag-code-example',
  'ph-experiment',
  'ph-early-access-feature',
  'ph-survey',
  'ph-person',
  'ph-group',
  'ph-cohort',
  'ph-backlink',
  'ph-replay-timestamp',
  'ph-image',
  'ph-person-feed',
  'ph-person-properties',
  'ph-group-properties',
  'ph-map',
  'ph-embed',
  'ph-latex',
  'ph-task-create',
  'ph-llm-trace',
  'ph-mention',
  'ph-insight',
];

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every node below `value` whose type the schema does not know, by its path of content indexes. */
function customNodes(value: JsonValue, path = 'doc'): Map<string, string> {
  const found = new Map<string, string>();
  if (!isObject(value)) return found;
  if (typeof value.type === 'string' && !Object.hasOwn(documentSchema().nodes, value.type)) {
    found.set(path, JSON.stringify(value));
    return found;
  }
  if (Array.isArray(value.content)) {
    value.content.forEach((child, index) => {
      for (const [childPath, json] of customNodes(child, `${path}/${index}`)) found.set(childPath, json);
    });
  }
  return found;
}

function nodeTypes(value: JsonValue, types = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const child of value) nodeTypes(child, types);
  }
  if (!isObject(value)) return types;
  if (typeof value.type === 'string') types.add(value.type);
  if (Array.isArray(value.content)) nodeTypes(value.content, types);
  return types;
}

describe('PostHog notebook fixtures', () => {
  it('cover every PostHog node type', () => {
    const types = new Set<string>();
    for (const fixture of fixtures) nodeTypes(fixture.content, types);
    assert.deepEqual(
      POSTHOG_NODE_TYPES.filter((type) => !types.has(type)),
      [],
    );
  });

  it('start with a heading holding the title', () => {
    for (const fixture of fixtures) {
      const [first] = fixture.content.content as JsonObject[];
      assert.equal(first.type, 'heading', fixture.name);
      assert.equal(markdownToNotebook(notebookToMarkdown(fixture.content)).title, fixture.title, fixture.name);
    }
  });

  for (const fixture of fixtures) {
    it(`keeps every custom node of ${fixture.name} byte for byte through Markdown`, () => {
      const back = markdownToNotebook(notebookToMarkdown(fixture.content)).content;
      assert.deepEqual([...customNodes(back)], [...customNodes(fixture.content)]);
    });
  }

  for (const fixture of fixtures.filter((candidate) => candidate.name !== 'tiptap-2-shapes.json')) {
    it(`brings ${fixture.name} back byte for byte`, () => {
      const markdown = notebookToMarkdown(fixture.content);
      assert.equal(JSON.stringify(markdownToNotebook(markdown).content), JSON.stringify(fixture.content));
    });
  }

  it('fills in the attributes an older editor left out, as the editor does when it loads them', () => {
    const fixture = fixtures.find((candidate) => candidate.name === 'tiptap-2-shapes.json') as Fixture;
    const back = markdownToNotebook(notebookToMarkdown(fixture.content)).content;
    const schemaShaped = (content: JsonObject): JsonObject => ({
      ...content,
      content: (content.content as JsonObject[]).map((node) =>
        Object.hasOwn(documentSchema().nodes, node.type as string)
          ? (documentSchema().nodeFromJSON(node).toJSON() as JsonObject)
          : node,
      ),
    });
    assert.equal(JSON.stringify(back), JSON.stringify(schemaShaped(fixture.content)));
    assert.notEqual(JSON.stringify(back), JSON.stringify(fixture.content));
  });

  it('writes Markdown that is a fixed point', () => {
    for (const fixture of fixtures) {
      const markdown = notebookToMarkdown(fixture.content);
      assert.equal(notebookToMarkdown(markdownToNotebook(markdown).content), markdown, fixture.name);
    }
  });

  it('shows a person a readable line for each PostHog node', () => {
    const byName = (name: string): string =>
      notebookToMarkdown((fixtures.find((fixture) => fixture.name === name) as Fixture).content);
    const replay = byName('session-replay-review.json');
    assert.match(replay, /^<div data-notebook-node='[^\n]*'>Recording: 0189e7a1-5f2b-7c3d-9e4f-a1b2c3d4e5f6<\/div>$/m);
    assert.match(replay, /'>\\\[01:23\\\]<\/span> clicks Pay now twice/);
    const mention = `<span data-notebook-node='{"type":"ph-mention","attrs":{"id":3}}'>@member 3</span>`;
    assert.ok(replay.split('\n').includes(`Owner: ${mention}`), replay);
    assert.match(byName('weekly-product-review.json'), />Query: Raw signups \(SQL\)<\/div>$/m);
    assert.match(byName('unknown-content.json'), />commented<\/span> word/);
  });

  it('computes the text as the editor does for a document of schema nodes', () => {
    const fixture = fixtures.find((candidate) => candidate.name === 'rich-text.json') as Fixture;
    const schema = documentSchema();
    const expected = getText(schema.nodeFromJSON(fixture.content), {
      blockSeparator: '\n\n',
      textSerializers: getTextSerializersFromSchema(schema),
    });
    assert.equal(expected, fixture.text_content);
    assert.equal(markdownToNotebook(notebookToMarkdown(fixture.content)).textContent, expected);
  });
});
