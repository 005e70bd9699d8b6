import assert from 'node:assert/strict';
import type { Page, Request } from 'playwright-core';
import type { TestEnv } from '../support/harness.ts';
import { browserIt, describeBrowser } from './browser.ts';
import { editorOf, openNotebook, seedNotebook, storedNotebook, waitSaved, waitStored } from './notebook-seed.ts';

const NOTEBOOK = {
  title: 'Weekly review',
  content: {
    type: 'doc',
    content: [
      { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Weekly review' }] },
      { type: 'paragraph', content: [{ type: 'text', text: 'Notes:' }] },
    ],
  },
};

interface PatchBody {
  version?: number;
  content?: unknown;
  text_content?: string;
  title?: string | null;
  deleted?: boolean;
}

/** Every PATCH the page sends to a notebook, with when it was sent. */
function recordPatches(page: Page): Array<{ at: number; body: PatchBody; request: Request }> {
  const patches: Array<{ at: number; body: PatchBody; request: Request }> = [];
  page.on('request', (request) => {
    if (request.method() === 'PATCH' && request.url().includes('/notebooks/')) {
      patches.push({ at: Date.now(), body: request.postDataJSON() as PatchBody, request });
    }
  });
  return patches;
}

/** Puts the cursor at the end of the "Notes:" paragraph. */
async function atEndOfNotes(page: Page): Promise<void> {
  await editorOf(page)
    .getByText(/^Notes:/)
    .click();
  await page.keyboard.press('End');
}

const NOTEBOOK_PATCH = /\/api\/projects\/\d+\/notebooks\/[^/]+\/$/;

async function twoUsersOn(env: TestEnv, get: Parameters<Parameters<typeof describeBrowser>[1]>[0]) {
  const { createUser, signedIn } = get();
  const notebook = await seedNotebook(env, NOTEBOOK);
  const [alice, bob] = [await createUser({ firstName: 'Alice' }), await createUser({ firstName: 'Bob' })];
  const alicePage = await signedIn(alice, '/');
  const bobPage = await signedIn(bob, '/');
  await openNotebook(alicePage, env, notebook.short_id);
  await openNotebook(bobPage, env, notebook.short_id);
  return { notebook, alicePage, bobPage };
}

describeBrowser('Autosave and conflicts', (get) => {
  browserIt(
    'edits are saved about a second after typing stops, with the held version, text and title',
    get,
    async () => {
      const { env, createUser, signedIn } = get();
      const notebook = await seedNotebook(env, NOTEBOOK);
      const page = await signedIn(await createUser(), '/');
      const patches = recordPatches(page);
      await openNotebook(page, env, notebook.short_id);
      await waitSaved(page);
      await atEndOfNotes(page);
      await page.keyboard.type(' ship it');
      const typedAt = Date.now();
      await page.getByRole('status').filter({ hasText: 'Saving…' }).waitFor();
      await waitSaved(page);
      assert.equal(patches.length, 1);
      const [patch] = patches;
      assert.ok(patch);
      const delay = patch.at - typedAt;
      assert.ok(delay >= 800 && delay < 3000, `saved ${delay} ms after the last key`);
      assert.equal(patch.body.version, 0);
      assert.equal(patch.body.title, 'Weekly review');
      assert.equal(patch.body.text_content, 'Weekly review\nNotes: ship it');
      const stored = await storedNotebook(env, notebook.short_id);
      assert.equal(stored.version, 1);
      assert.equal(stored.text_content, 'Weekly review\nNotes: ship it');

      // Ctrl+S saves at once, without waiting for the quiet second.
      await page.keyboard.type(' now');
      const pressedAt = Date.now();
      await page.keyboard.press('Control+s');
      await waitStored(env, notebook.short_id, (n) => n.version === 2);
      assert.equal(patches.length, 2);
      assert.ok((patches[1]?.at ?? 0) - pressedAt < 700, 'Ctrl+S saved at once');
      assert.equal(patches[1]?.body.version, 1);
      await page.context().close();
    },
  );

  browserIt('typing during a save is saved right after it, with the new version', get, async () => {
    const { env, createUser, signedIn } = get();
    const notebook = await seedNotebook(env, NOTEBOOK);
    const page = await signedIn(await createUser(), '/');
    const patches = recordPatches(page);
    await openNotebook(page, env, notebook.short_id);
    // The server takes a while to answer the first save.
    let held = 0;
    await page.route(NOTEBOOK_PATCH, async (route) => {
      held += 1;
      if (held === 1) await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await atEndOfNotes(page);
    await page.keyboard.type(' one');
    await page.keyboard.press('Control+s');
    await page.getByRole('status').filter({ hasText: 'Saving…' }).waitFor();
    await page.keyboard.type(' two');
    await page.keyboard.press('Control+s');
    const stored = await waitStored(env, notebook.short_id, (n) => n.text_content?.endsWith('one two') === true);
    assert.equal(stored.version, 2);
    assert.deepEqual(
      patches.map((patch) => patch.body.version),
      [0, 1],
    );
    await waitSaved(page);
    await page.context().close();
  });

  browserIt(
    'a save that fails while offline is retried and lands when the network is back; unload warns meanwhile',
    get,
    async () => {
      const { env, createUser, signedIn } = get();
      const notebook = await seedNotebook(env, NOTEBOOK);
      const page = await signedIn(await createUser(), '/');
      await openNotebook(page, env, notebook.short_id);
      await page.context().setOffline(true);
      await atEndOfNotes(page);
      await page.keyboard.type(' written offline');
      await page
        .getByRole('status')
        .filter({ hasText: /Not saved: .*Retrying/ })
        .waitFor();
      // Still there after another attempt or two.
      await page.waitForTimeout(1500);
      assert.equal((await storedNotebook(env, notebook.short_id)).version, 0);

      // Leaving now asks first.
      const dialogs: string[] = [];
      page.once('dialog', async (dialog) => {
        dialogs.push(dialog.type());
        await dialog.dismiss();
      });
      await page.close({ runBeforeUnload: true });
      await page.waitForTimeout(300);
      assert.deepEqual(dialogs, ['beforeunload']);
      assert.equal(page.isClosed(), false);

      // Leaving within the app asks too, and staying keeps the page.
      await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Notebooks' }).click();
      const ask = page.getByRole('alertdialog', { name: 'Unsaved changes' });
      await ask.waitFor();
      await ask.getByRole('button', { name: 'Stay' }).click();
      await ask.waitFor({ state: 'detached' });
      assert.ok(page.url().endsWith(`/notebooks/${notebook.short_id}`));

      await page.context().setOffline(false);
      const stored = await waitStored(env, notebook.short_id, (n) => n.version === 1, 20_000);
      assert.equal(stored.text_content, 'Weekly review\nNotes: written offline');
      await waitSaved(page);
      await page.context().close();
    },
  );

  browserIt('a save the network drops (request aborted) is retried with backoff', get, async () => {
    const { env, createUser, signedIn } = get();
    const notebook = await seedNotebook(env, NOTEBOOK);
    const page = await signedIn(await createUser(), '/');
    await openNotebook(page, env, notebook.short_id);
    let failures = 0;
    await page.route(NOTEBOOK_PATCH, async (route) => {
      if (failures < 2) {
        failures += 1;
        await route.abort('internetdisconnected');
        return;
      }
      await route.continue();
    });
    await atEndOfNotes(page);
    await page.keyboard.type(' despite drops');
    await page.getByRole('status').filter({ hasText: 'Retrying' }).waitFor();
    const stored = await waitStored(env, notebook.short_id, (n) => n.version === 1, 15_000);
    assert.equal(failures, 2);
    assert.equal(stored.text_content, 'Weekly review\nNotes: despite drops');
    await waitSaved(page);
    await page.context().close();
  });

  browserIt('leaving through a link, or closing the page, saves what was typed', get, async () => {
    const { env, createUser, signedIn } = get();
    const notebook = await seedNotebook(env, NOTEBOOK);
    const page = await signedIn(await createUser(), '/');
    await openNotebook(page, env, notebook.short_id);
    await atEndOfNotes(page);
    await page.keyboard.type(' before leaving');
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Notebooks' }).click();
    await page.waitForURL((url) => url.pathname === `/project/${env.project.id}/notebooks`);
    await waitStored(env, notebook.short_id, (n) => n.text_content?.endsWith('before leaving') === true);

    await openNotebook(page, env, notebook.short_id);
    await atEndOfNotes(page);
    await page.keyboard.type(' and closing');
    await page.close();
    await waitStored(env, notebook.short_id, (n) => n.text_content?.endsWith('and closing') === true);
  });

  browserIt(
    'a conflict keeps the person’s text: "Keep mine" saves over theirs, "Load their version" offers the text to copy',
    get,
    async () => {
      const { env } = get();
      const { notebook, alicePage, bobPage } = await twoUsersOn(env, get);

      await atEndOfNotes(alicePage);
      await alicePage.keyboard.type(' from Alice');
      await alicePage.keyboard.press('Control+s');
      await waitStored(env, notebook.short_id, (n) => n.version === 1);

      await atEndOfNotes(bobPage);
      await bobPage.keyboard.type(' from Bob');
      await bobPage.keyboard.press('Control+s');
      const conflict = bobPage.getByRole('alert').filter({ hasText: 'Someone else edited the Notebook' });
      await conflict.waitFor();
      assert.match((await editorOf(bobPage).textContent()) ?? '', /Notes: from Bob/);
      await bobPage.getByRole('button', { name: 'Keep mine' }).click();
      await conflict.waitFor({ state: 'hidden' });
      const kept = await waitStored(env, notebook.short_id, (n) => n.version === 2);
      assert.equal(kept.text_content, 'Weekly review\nNotes: from Bob');
      await waitSaved(bobPage);

      // Alice still holds version 1: her next save conflicts, and she takes Bob's version.
      await alicePage.keyboard.type(' and more');
      await alicePage.keyboard.press('Control+s');
      const aliceConflict = alicePage.getByRole('alert').filter({ hasText: 'Someone else edited the Notebook' });
      await aliceConflict.waitFor();
      await alicePage.getByRole('button', { name: 'Load their version' }).click();
      await aliceConflict.waitFor({ state: 'hidden' });
      assert.match((await editorOf(alicePage).textContent()) ?? '', /Notes: from Bob/);
      const copy = alicePage.getByRole('textbox', { name: 'Your unsaved text' });
      assert.match(await copy.inputValue(), /Notes: from Alice and more/);
      assert.equal(await copy.getAttribute('readonly'), '');
      await waitSaved(alicePage);

      // From their version on, her edits save normally.
      await atEndOfNotes(alicePage);
      await alicePage.keyboard.type('!');
      await alicePage.keyboard.press('Control+s');
      const after = await waitStored(env, notebook.short_id, (n) => n.version === 3);
      assert.equal(after.text_content, 'Weekly review\nNotes: from Bob!');
      await alicePage.context().close();
      await bobPage.context().close();
    },
  );

  browserIt('the header links to the history, and Delete moves the notebook out with an Undo', get, async () => {
    const { env, createUser, signedIn } = get();
    const notebook = await seedNotebook(env, NOTEBOOK);
    const page = await signedIn(await createUser(), '/');
    await openNotebook(page, env, notebook.short_id);
    assert.equal(
      await page.getByRole('link', { name: 'History' }).getAttribute('href'),
      `/project/${env.project.id}/notebooks/${notebook.short_id}/history`,
    );
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL((url) => url.pathname === `/project/${env.project.id}/notebooks`);
    assert.equal((await env.request({ method: 'GET', url: env.url(`${notebook.short_id}/`) })).statusCode, 404);
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.waitForURL((url) => url.pathname.endsWith(`/notebooks/${notebook.short_id}`));
    await editorOf(page).waitFor();
    assert.equal((await storedNotebook(env, notebook.short_id)).deleted, false);
    await page.context().close();
  });
});
