import assert from 'node:assert/strict';
import { afterEach } from 'node:test';
import type { TestEnv } from '../support/harness.ts';
import { type BrowserEnv, browserIt, describeBrowser } from './browser.ts';
import { assertControlsAreLabelled, assertNoHorizontalScroll } from './layout-checks.ts';

const heading = (text: string) => ({ type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text }] });
const paragraph = (text: string) => ({ type: 'paragraph', content: [{ type: 'text', text }] });
const doc = (...content: unknown[]) => ({ type: 'doc', content });

const VERSION_0 = doc(heading('Launch plan'), paragraph('An empty page.'));
const VERSION_1 = doc(heading('Launch plan'), paragraph('First draft: ship on Monday.'));
const VERSION_2 = doc(heading('Launch plan v2'), paragraph('Second draft: ship on Friday.'));

interface Activity {
  activity: string;
  detail: { changes: Array<{ field: string; before: unknown; after: unknown }> | null };
}

/** A notebook created and then given new content twice, through the API with the user's key. */
async function notebookWithTwoUpdates(env: TestEnv, key: string): Promise<string> {
  const created = await env.request({
    method: 'POST',
    url: env.url(),
    key,
    payload: { title: 'Launch plan', content: VERSION_0, text_content: 'Launch plan\n\nAn empty page.' },
  });
  assert.equal(created.statusCode, 201, created.body);
  const shortId = created.json().short_id as string;
  for (const [version, content, title] of [
    [0, VERSION_1, 'Launch plan'],
    [1, VERSION_2, 'Launch plan v2'],
  ] as const) {
    const updated = await env.request({
      method: 'PATCH',
      url: env.url(`${shortId}/`),
      key,
      payload: { version, content, title },
    });
    assert.equal(updated.statusCode, 200, updated.body);
  }
  return shortId;
}

/** Version 1 of a notebook given new content twice is restored from its history page. */
async function restoreFirstVersion(get: () => BrowserEnv): Promise<void> {
  const { env, createUser, signedIn } = get();
  const user = await createUser();
  const shortId = await notebookWithTwoUpdates(env, user.key);
  const page = await signedIn(user, `/project/${env.project.id}/notebooks/${shortId}/history`);

  await page.getByRole('button', { name: /Version 2$/ }).click();
  const latest = page.getByRole('region', { name: 'Version 2' });
  await latest.getByText('Second draft: ship on Friday.').waitFor();
  await latest.getByText('This is the current version').waitFor();
  assert.equal(await latest.getByRole('button', { name: 'Restore this version' }).count(), 0);

  await page.getByRole('button', { name: /Version 1$/ }).click();
  const first = page.getByRole('region', { name: 'Version 1' });
  await first.getByText('First draft: ship on Monday.').waitFor();
  assert.equal(await first.getByText('Second draft').count(), 0);
  // Read-only: the preview is not editable.
  assert.equal(await first.locator('[contenteditable="true"]').count(), 0);
  await first.getByRole('button', { name: 'Restore this version' }).click();
  await page.waitForURL((url) => url.pathname === `/project/${env.project.id}/notebooks/${shortId}`);
  // The editor opens on the restored version.
  await page.getByText('First draft: ship on Monday.').waitFor();

  const notebook = (await env.request({ method: 'GET', url: env.url(`${shortId}/`), key: user.key })).json();
  assert.deepEqual(notebook.content, VERSION_1);
  assert.equal(notebook.title, 'Launch plan');
  assert.equal(notebook.text_content, 'Launch plan\nFirst draft: ship on Monday.');
  assert.equal(notebook.version, 3);
  const log = (await env.request({ method: 'GET', url: env.url(`${shortId}/activity/`), key: user.key })).json();
  assert.equal(log.total_count, 4);
  const newest = log.results[0] as Activity;
  assert.equal(newest.activity, 'updated');
  const contentChange = newest.detail.changes?.find((change) => change.field === 'content');
  assert.deepEqual(contentChange?.before, VERSION_2);
  assert.deepEqual(contentChange?.after, VERSION_1);
}

describeBrowser('Notebook history', (get) => {
  afterEach(async () => {
    for (const context of get().browser.contexts()) await context.close();
  });

  browserIt('lists who changed what and when, newest first', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser({ firstName: 'Grace' });
    const shortId = await notebookWithTwoUpdates(env, user.key);
    const colleague = await createUser({ firstName: 'Linus' });
    const renamed = await env.request({
      method: 'PATCH',
      url: env.url(`${shortId}/`),
      key: colleague.key,
      payload: { title: 'Launch plan, final' },
    });
    assert.equal(renamed.statusCode, 200);
    const page = await signedIn(user, `/project/${env.project.id}/notebooks/${shortId}/history`);
    const activity = page.getByRole('region', { name: /Activity/ });
    const items = activity.getByRole('listitem');
    await items.first().waitFor();
    assert.deepEqual(
      (await items.allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim()),
      [
        'L Linus renamed it to “Launch plan, final” just now',
        'G Grace changed the title and content just now Version 2',
        'G Grace changed the content just now Version 1',
        'G Grace created the notebook just now Version 0',
      ],
    );
    // The exact time is there on hover.
    const title = await items.first().locator('time').getAttribute('title');
    assert.match(title ?? '', /\d{4}/);
    // Only versions of the content can be chosen.
    assert.equal(await activity.getByRole('button').count(), 3);
  });

  browserIt('restores a past version as a new one and goes back to the notebook', get, () => restoreFirstVersion(get));

  browserIt('restores the notebook as it was created', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const shortId = await notebookWithTwoUpdates(env, user.key);
    const page = await signedIn(user, `/project/${env.project.id}/notebooks/${shortId}/history`);
    await page.getByRole('button', { name: /created the notebook/ }).click();
    const created = page.getByRole('region', { name: 'Version 0' });
    await created.getByText('An empty page.').waitFor();
    await created.getByRole('button', { name: 'Restore this version' }).click();
    await page.waitForURL((url) => url.pathname === `/project/${env.project.id}/notebooks/${shortId}`);
    const notebook = (await env.request({ method: 'GET', url: env.url(`${shortId}/`), key: user.key })).json();
    assert.deepEqual(notebook.content, VERSION_0);
  });

  browserIt('a version with PostHog nodes shows them as the editor’s cards and is restored whole', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const withNodes = doc(
      heading('Research'),
      { type: 'ph-recording', attrs: { id: '0189e7a1-aaaa', noInspector: false, nodeId: 'n1' } },
      {
        type: 'paragraph',
        content: [
          { type: 'text', text: 'Owner: ' },
          { type: 'ph-mention', attrs: { id: 3 } },
          { type: 'text', text: 'kept', marks: [{ type: 'comment', attrs: { id: 'c1' } }] },
        ],
      },
    );
    const created = await env.request({
      method: 'POST',
      url: env.url(),
      key: user.key,
      payload: { title: 'Research', content: withNodes },
    });
    const shortId = created.json().short_id as string;
    await env.request({
      method: 'PATCH',
      url: env.url(`${shortId}/`),
      key: user.key,
      payload: { version: 0, content: doc(heading('Research'), paragraph('Emptied.')) },
    });
    const page = await signedIn(user, `/project/${env.project.id}/notebooks/${shortId}/history`);
    await page.getByRole('button', { name: /created the notebook/ }).click();
    const version = page.getByRole('region', { name: 'Version 0' });
    // PostHog's nodes show as the editor's cards.
    await version.getByText('Session recording').first().waitFor();
    await version.getByText('kept').waitFor();
    await version.getByRole('button', { name: 'Restore this version' }).click();
    await page.waitForURL((url) => url.pathname === `/project/${env.project.id}/notebooks/${shortId}`);
    const notebook = await env.request({ method: 'GET', url: env.url(`${shortId}/`), key: user.key });
    // Every node, attribute and mark comes back. (The activity log, like PostHog's jsonb column,
    // keeps objects in jsonb's key order, so a restored version is equal in value, not in key order.)
    assert.deepEqual(notebook.json().content, withNodes);
  });

  browserIt('"Create a copy" makes a new notebook from a version and leaves this one as it is', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const shortId = await notebookWithTwoUpdates(env, user.key);
    const page = await signedIn(user, `/project/${env.project.id}/notebooks/${shortId}/history`);
    await page.getByRole('button', { name: /Version 1$/ }).click();
    await page.getByRole('region', { name: 'Version 1' }).getByRole('button', { name: 'Create a copy' }).click();
    await page.waitForURL(
      (url) => /^\/project\/\d+\/notebooks\/[^/]+$/.test(url.pathname) && !url.pathname.endsWith(shortId),
    );
    const copyId = new URL(page.url()).pathname.split('/').pop() as string;
    const copy = (await env.request({ method: 'GET', url: env.url(`${copyId}/`), key: user.key })).json();
    assert.deepEqual(copy.content, VERSION_1);
    assert.equal(copy.title, 'Launch plan');
    const original = (await env.request({ method: 'GET', url: env.url(`${shortId}/`), key: user.key })).json();
    assert.deepEqual(original.content, VERSION_2);
    assert.equal(original.version, 2);
  });

  browserIt('older activity loads a page at a time', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const shortId = await notebookWithTwoUpdates(env, user.key);
    for (let version = 2; version < 26; version += 1) {
      const updated = await env.request({
        method: 'PATCH',
        url: env.url(`${shortId}/`),
        key: user.key,
        payload: { version, content: doc(heading('Launch plan v2'), paragraph(`Edit ${version + 1}`)) },
      });
      assert.equal(updated.statusCode, 200);
    }
    const page = await signedIn(user, `/project/${env.project.id}/notebooks/${shortId}/history`);
    const activity = page.getByRole('region', { name: /Activity/ });
    await activity.getByRole('listitem').first().waitFor();
    assert.equal(await activity.getByRole('listitem').count(), 20);
    await activity.getByRole('button', { name: 'Show older activity' }).click();
    await activity.getByRole('button', { name: /created the notebook/ }).waitFor();
    assert.equal(await activity.getByRole('listitem').count(), 27);
    assert.equal(await activity.getByRole('button', { name: 'Show older activity' }).count(), 0);
    // The notebook as created is still known: the version after it says what it was.
    await activity.getByRole('button', { name: /created the notebook/ }).click();
    await page.getByRole('region', { name: 'Version 0' }).getByText('An empty page.').waitFor();
  });

  browserIt('the notebook page leads to its history', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const shortId = await notebookWithTwoUpdates(env, user.key);
    const page = await signedIn(user, `/project/${env.project.id}/notebooks/${shortId}`);
    await page.getByRole('link', { name: 'History' }).click();
    await page.waitForURL((url) => url.pathname.endsWith(`/notebooks/${shortId}/history`));
    await page.getByRole('heading', { name: 'History' }).waitFor();
  });

  browserIt('a deleted notebook’s history says so and leads to the deleted notebooks', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const shortId = await notebookWithTwoUpdates(env, user.key);
    const deleted = await env.request({
      method: 'PATCH',
      url: env.url(`${shortId}/`),
      key: user.key,
      payload: { deleted: true },
    });
    assert.equal(deleted.statusCode, 200);
    const page = await signedIn(user, `/project/${env.project.id}/notebooks/${shortId}/history`);
    await page.getByRole('alert').filter({ hasText: 'it is deleted' }).waitFor();
    await page.getByRole('link', { name: 'Deleted notebooks' }).click();
    await page.waitForURL((url) => url.pathname === `/project/${env.project.id}/notebooks/deleted`);
  });

  browserIt('"Back to notebook" opens the notebook', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const shortId = await notebookWithTwoUpdates(env, user.key);
    const page = await signedIn(user, `/project/${env.project.id}/notebooks/${shortId}/history`);
    await page.getByRole('link', { name: 'Back to notebook' }).click();
    await page.waitForURL((url) => url.pathname === `/project/${env.project.id}/notebooks/${shortId}`);
  });

  for (const width of [375, 1440]) {
    browserIt(`the history page fits ${width} px and labels every control`, get, async () => {
      const { env, createUser, signedIn } = get();
      const user = await createUser();
      const shortId = await notebookWithTwoUpdates(env, user.key);
      const page = await signedIn(user, `/project/${env.project.id}/notebooks/${shortId}/history`, width);
      await page.getByRole('button', { name: /Version 1$/ }).click();
      await page.getByRole('region', { name: 'Version 1' }).getByText('First draft').waitFor();
      await assertNoHorizontalScroll(page);
      await assertControlsAreLabelled(page);
    });
  }
});

describeBrowser(
  'Notebook history',
  (get) => {
    afterEach(async () => {
      for (const context of get().browser.contexts()) await context.close();
    });

    browserIt('restores a past version as a new one (smoke run)', get, () => restoreFirstVersion(get));
  },
  { engine: 'postgres' },
);
