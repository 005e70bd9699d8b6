import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type BrowserEnv, browserIt, describeBrowser } from './browser.ts';
import { editorOf, type Json, openNotebook, seedNotebook, waitSaved, waitStored } from './notebook-seed.ts';

interface FixtureNotebook {
  name: string;
  content: { type: 'doc'; content: Array<{ [key: string]: Json }> };
}

const FIXTURES = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../fixtures/web/posthog-nodes.json'), 'utf8'),
) as { notebooks: FixtureNotebook[] };

function isEditMe(node: { [key: string]: Json }): boolean {
  const content = node.content;
  return (
    node.type === 'paragraph' &&
    Array.isArray(content) &&
    content.length === 1 &&
    JSON.stringify(content[0]) === JSON.stringify({ text: 'Edit me', type: 'text' })
  );
}

/**
 * The stored content with the one "Edit me" paragraph's text replaced. The API answers with
 * jsonb's key order (shorter keys first), as PostgreSQL and so PostHog do.
 */
function withEditedParagraph(content: FixtureNotebook['content'], text: string): FixtureNotebook['content'] {
  return {
    ...content,
    content: content.content.map((node) =>
      isEditMe(node) ? { type: 'paragraph', content: [{ text, type: 'text' }] } : node,
    ),
  };
}

/** Every node type in a document (depth first), and how many of each are not editor types. */
function nodeTypes(node: Json, into: string[] = []): string[] {
  if (node && typeof node === 'object' && !Array.isArray(node)) {
    if (typeof node.type === 'string') into.push(node.type);
    if (Array.isArray(node.content)) for (const child of node.content) nodeTypes(child, into);
  }
  return into;
}

// In-page scripts, as text: the test files are type-checked without the DOM library.
/** Selects the first occurrence of a word inside an element (marks split its text nodes). */
const SELECT_TEXT = new Function(
  'element',
  'wanted',
  `const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = (node.textContent ?? '').indexOf(wanted);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + wanted.length);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    return;
  }
  throw new Error('no ' + wanted);`,
) as (element: unknown, wanted: string) => void;
/** For each element: its display when it sits inside a paragraph or list item, else false. */
const INLINE_DISPLAY = new Function(
  'elements',
  `return elements.map((el) => el.closest('p, li') !== null && getComputedStyle(el).display);`,
) as (elements: unknown[]) => Array<string | false>;

/** Opens a fixture notebook, edits its "Edit me" paragraph, and checks nothing else changed. */
async function editOneParagraph(get: () => BrowserEnv, fixture: FixtureNotebook): Promise<void> {
  const { env, createUser, signedIn } = get();
  const user = await createUser();
  const notebook = await seedNotebook(env, { content: fixture.content });
  const original = (await waitStored(env, notebook.short_id, () => true)).content as FixtureNotebook['content'];
  assert.deepEqual(original, fixture.content, 'the API stores the fixture as sent');
  assert.equal(original.content.filter(isEditMe).length, 1);
  const page = await signedIn(user, '/');
  await openNotebook(page, env, notebook.short_id);

  const blockCards = fixture.content.content.filter(
    (node) => String(node.type).startsWith('ph-') || node.type === 'acme-callout',
  );
  for (const node of blockCards) {
    const card = editorOf(page).getByRole('group', { name: new RegExp(`\\(${node.type}\\)$`) });
    assert.ok((await card.count()) >= 1, `a card for ${node.type}`);
  }

  await editorOf(page).getByText('Edit me', { exact: true }).click();
  await page.keyboard.press('End');
  await page.keyboard.type(' — edited');
  const expected = withEditedParagraph(original, 'Edit me — edited');
  const stored = await waitStored(env, notebook.short_id, (n) => n.version > notebook.version);
  await waitSaved(page);
  assert.deepEqual(stored.content, expected);
  assert.equal(JSON.stringify(stored.content), JSON.stringify(expected), 'key order is kept');
  await page.context().close();
}

describeBrowser('The notebook editor', (get) => {
  browserIt(
    'a new notebook starts with an empty "Untitled" title heading, and Markdown rules build blocks',
    get,
    async () => {
      const { env, createUser, signedIn } = get();
      const user = await createUser();
      const notebook = await seedNotebook(env, {});
      const page = await signedIn(user, '/');
      await openNotebook(page, env, notebook.short_id);
      const editor = editorOf(page);
      const title = editor.locator('h1');
      assert.equal(await title.getAttribute('data-placeholder'), 'Untitled');
      await editor.click();
      await page.keyboard.type('Launch notes');
      await page.keyboard.press('Enter');
      await page.keyboard.type('## Goals');
      await page.keyboard.press('Enter');
      await page.keyboard.type('- first');
      await page.keyboard.press('Enter');
      await page.keyboard.type('second');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter');
      await page.keyboard.type('1. one');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter');
      await page.keyboard.type('> wise words');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter');
      await page.keyboard.type('``` ');
      await page.keyboard.type('select 1');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter');
      await page.keyboard.type('after code');
      await page.keyboard.press('Control+s');

      const stored = await waitStored(env, notebook.short_id, (n) => n.text_content?.includes('after code') === true);
      assert.equal(stored.title, 'Launch notes');
      const types = (stored.content as { content: Array<{ type: string; attrs?: { level?: number } }> }).content.map(
        (node) => (node.type === 'heading' ? `h${node.attrs?.level}` : node.type),
      );
      assert.deepEqual(types, ['h1', 'h2', 'bulletList', 'orderedList', 'blockquote', 'codeBlock', 'paragraph']);
      assert.deepEqual((stored.text_content ?? '').split(/\n+/), [
        'Launch notes',
        'Goals',
        'first',
        'second',
        'one',
        'wise words',
        'select 1',
        'after code',
      ]);
      await waitSaved(page);
      await page.context().close();
    },
  );

  browserIt('the first node stays the title heading when everything is replaced', get, async () => {
    const { env, createUser, signedIn } = get();
    const notebook = await seedNotebook(env, {
      title: 'Old',
      content: {
        type: 'doc',
        content: [
          { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Old' }] },
          { type: 'paragraph', content: [{ type: 'text', text: 'body' }] },
        ],
      },
    });
    const page = await signedIn(await createUser(), '/');
    await openNotebook(page, env, notebook.short_id);
    await editorOf(page).getByText('body').click();
    await page.keyboard.press('Control+a');
    await page.keyboard.type('Fresh start');
    const stored = await waitStored(env, notebook.short_id, (n) => n.version === 1);
    assert.equal(stored.title, 'Fresh start');
    assert.deepEqual(stored.content, {
      type: 'doc',
      content: [{ type: 'heading', attrs: { level: 1 }, content: [{ text: 'Fresh start', type: 'text' }] }],
    });
    await page.context().close();
  });

  browserIt('the / menu inserts blocks, from the keyboard or by choosing an option', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const notebook = await seedNotebook(env, {
      content: {
        type: 'doc',
        content: [{ type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Slash' }] }],
      },
    });
    const page = await signedIn(user, '/');
    await openNotebook(page, env, notebook.short_id);
    await editorOf(page).locator('h1').click();
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('/');
    const menu = page.getByRole('listbox', { name: 'Insert block' });
    await menu.waitFor();
    assert.equal((await menu.getByRole('option').count()) > 5, true);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await menu.getByRole('option', { name: /Heading 3/ }).getAttribute('aria-selected'), 'true');
    // The caret stays in the text; assistive technology follows the highlighted option.
    assert.equal(
      await editorOf(page).getAttribute('aria-activedescendant'),
      await menu.getByRole('option', { name: /Heading 3/ }).getAttribute('id'),
    );
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'hidden' });
    await page.keyboard.press('Backspace');
    await page.keyboard.type('/task');
    await menu.getByRole('option', { name: /Task list/ }).waitFor();
    await page.keyboard.press('Enter');
    await page.keyboard.type('write tests');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.keyboard.type('/div');
    await menu.getByRole('option', { name: /Divider/ }).click();
    await page.keyboard.type('/image');
    await page.keyboard.press('Enter');
    await page.getByLabel('Image address').fill('https://example.com/hog.png');
    await page.getByRole('button', { name: 'Insert image' }).click();

    const stored = await waitStored(env, notebook.short_id, (n) =>
      JSON.stringify(n.content).includes('https://example.com/hog.png'),
    );
    const types = nodeTypes(stored.content);
    assert.ok(types.includes('taskList') && types.includes('taskItem'), types.join());
    assert.ok(types.includes('horizontalRule'), types.join());
    assert.ok(types.includes('image'), types.join());
    assert.equal(types.includes('heading') && types.filter((t) => t === 'heading').length, 1);
    assert.ok(!JSON.stringify(stored.content).includes('/task'));
    await page.context().close();
  });

  browserIt('the toolbar sets marks and links, refusing a javascript: address', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const notebook = await seedNotebook(env, {
      content: {
        type: 'doc',
        content: [
          { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Marks' }] },
          { type: 'paragraph', content: [{ type: 'text', text: 'bold italic struck code linked' }] },
        ],
      },
    });
    const page = await signedIn(user, '/');
    await openNotebook(page, env, notebook.short_id);
    const paragraph = editorOf(page).locator('p').first();
    const selectWord = async (word: string) => {
      await paragraph.evaluate(SELECT_TEXT, word);
      await page.waitForTimeout(50);
    };
    const toolbar = page.getByRole('toolbar', { name: 'Formatting' });
    await paragraph.click();
    await selectWord('bold');
    await toolbar.getByRole('button', { name: 'Bold' }).click();
    assert.equal(await toolbar.getByRole('button', { name: 'Bold' }).getAttribute('aria-pressed'), 'true');
    await selectWord('italic');
    await toolbar.getByRole('button', { name: 'Italic' }).click();
    await selectWord('struck');
    await toolbar.getByRole('button', { name: 'Strikethrough' }).click();
    await selectWord('code');
    await toolbar.getByRole('button', { name: 'Inline code' }).click();
    await selectWord('linked');
    await toolbar.getByRole('button', { name: 'Link' }).click();
    await page.getByLabel('Link address').fill('javascript:alert(1)');
    await page.getByRole('button', { name: 'Apply link' }).click();
    await page.getByRole('alert').filter({ hasText: 'http(s) or mailto' }).waitFor();
    await page.getByLabel('Link address').fill('https://posthog.com/docs');
    await page.getByRole('button', { name: 'Apply link' }).click();

    const stored = await waitStored(env, notebook.short_id, (n) =>
      JSON.stringify(n.content).includes('posthog.com/docs'),
    );
    const texts = (stored.content as { content: Json[] }).content[1] as {
      content: Array<{ text: string; marks?: Array<{ type: string }> }>;
    };
    const marksOf = (text: string) => texts.content.find((node) => node.text === text)?.marks?.map((mark) => mark.type);
    assert.deepEqual(marksOf('bold'), ['bold']);
    assert.deepEqual(marksOf('italic'), ['italic']);
    assert.deepEqual(marksOf('struck'), ['strike']);
    assert.deepEqual(marksOf('code'), ['code']);
    assert.deepEqual(marksOf('linked'), ['link']);
    assert.equal(
      await editorOf(page).getByRole('link', { name: 'linked' }).getAttribute('href'),
      'https://posthog.com/docs',
    );
    await page.context().close();
  });

  for (const fixture of FIXTURES.notebooks) {
    browserIt(`keeps PostHog's nodes exactly (${fixture.name}) when another paragraph is edited`, get, () =>
      editOneParagraph(get, fixture),
    );
  }

  browserIt('keeps numbers as they were written (42.0, 1e2, 0.50) in nodes it does not edit', get, async () => {
    const { env, createUser, signedIn } = get();
    const raw =
      '{"content": {"type": "doc", "content": [' +
      '{"type": "heading", "attrs": {"level": 1}, "content": [{"type": "text", "text": "Numbers"}]},' +
      '{"type": "ph-query", "attrs": {"height": 500.0, "query": {"kind": "EventsQuery", "limit": 1e2, "ratio": 0.50}}},' +
      '{"type": "paragraph", "content": [{"type": "text", "text": "Edit me"}]},' +
      '{"type": "paragraph", "content": [{"type": "ph-replay-timestamp", "attrs": {"playbackTime": 83000.0}}]}' +
      ']}}';
    const created = await env.request({
      method: 'POST',
      url: env.url(),
      payload: raw,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(created.statusCode, 201);
    const { short_id: shortId } = created.json() as { short_id: string };
    const contentText = async () => {
      const body = (await env.request({ method: 'GET', url: env.url(`${shortId}/`) })).body;
      return body.slice(body.indexOf('"content":'), body.indexOf(',"text_content"'));
    };
    const before = await contentText();
    assert.match(before, /"height":500\.0/);
    const page = await signedIn(await createUser(), '/');
    await openNotebook(page, env, shortId);
    await editorOf(page).getByText('Edit me', { exact: true }).click();
    await page.keyboard.press('End');
    await page.keyboard.type('!');
    await waitStored(env, shortId, (n) => n.version === 1);
    assert.equal(await contentText(), before.replace('"Edit me"', '"Edit me!"'));
    await page.context().close();
  });

  browserIt('a PostHog card moves and is removed as a whole; inline nodes stay inline', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const fixture = FIXTURES.notebooks.find((notebook) => notebook.name.startsWith('flags')) as FixtureNotebook;
    const replays = FIXTURES.notebooks.find((notebook) => notebook.name.startsWith('replays')) as FixtureNotebook;
    const notebook = await seedNotebook(env, { content: fixture.content });
    const inline = await seedNotebook(env, { content: replays.content });
    const page = await signedIn(user, '/');

    await openNotebook(page, env, inline.short_id);
    const parents = await editorOf(page)
      .locator('[data-node-type="ph-mention"], [data-node-type="ph-replay-timestamp"], [data-node-type="ph-backlink"]')
      .evaluateAll(INLINE_DISPLAY);
    assert.deepEqual(parents, ['inline-block', 'inline-block', 'inline-block', 'inline-block']);

    await openNotebook(page, env, notebook.short_id);
    await page.getByRole('button', { name: 'Move down: Feature flag', exact: true }).click();
    await page.getByRole('button', { name: 'Remove: Cohort' }).click();
    const stored = await waitStored(env, notebook.short_id, (n) => !JSON.stringify(n.content).includes('ph-cohort'));
    const types = (stored.content as { content: Array<{ type: string }> }).content.map((node) => node.type);
    const originalTypes = fixture.content.content.map((node) => String(node.type));
    const expectedTypes = originalTypes.filter((type) => type !== 'ph-cohort');
    [expectedTypes[1], expectedTypes[2]] = [expectedTypes[2] as string, expectedTypes[1] as string];
    assert.deepEqual(types, expectedTypes);
    // The moved node is the same JSON, byte for byte.
    assert.equal(
      JSON.stringify((stored.content as { content: Json[] }).content[2]),
      JSON.stringify(fixture.content.content[1]),
    );
    await page.context().close();
  });
});

describeBrowser(
  "PostHog's nodes on PostgreSQL (jsonb's own key order)",
  (get) => {
    for (const fixture of FIXTURES.notebooks) {
      browserIt(`keeps PostHog's nodes exactly (${fixture.name})`, get, () => editOneParagraph(get, fixture));
    }
  },
  { engine: 'postgres' },
);
