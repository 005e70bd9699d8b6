import assert from 'node:assert/strict';
import { browserIt, describeBrowser } from './browser.ts';
import { rowTitles, seedNotebook } from './notebook-seeds.ts';

describeBrowser('Deleting and restoring notebooks', (get) => {
  browserIt('the row menu deletes a notebook, and the toast’s Undo brings it back', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const project = await env.accounts.createProject({ name: 'Undo project', organizationId: env.org.id });
    const kept = await seedNotebook(env, { title: 'Keep me', projectId: project.id });
    const doomed = await seedNotebook(env, { title: 'Delete me', projectId: project.id });
    const page = await signedIn(user, `/project/${project.id}/notebooks`);
    await page.getByRole('row', { name: /Delete me/ }).waitFor();

    const menuButton = page.getByRole('button', { name: 'Actions for Delete me' });
    await menuButton.click();
    assert.equal(await menuButton.getAttribute('aria-expanded'), 'true');
    await page.getByRole('menu', { name: 'Actions for Delete me' }).getByRole('menuitem', { name: 'Delete' }).click();
    await page.getByRole('row', { name: /Delete me/ }).waitFor({ state: 'detached' });
    assert.deepEqual(await rowTitles(page), ['Keep me']);
    assert.equal(
      await page.getByRole('link', { name: 'Keep me' }).evaluate((link) => link === link.ownerDocument.activeElement),
      true,
      'focus moves to the next row, not to the page',
    );
    const toast = page.getByRole('status').filter({ hasText: '“Delete me” moved to deleted notebooks.' });
    await toast.waitFor();
    const stored = await env.request({ method: 'GET', url: env.url(`?deleted=true`, project.id) });
    assert.deepEqual(
      (stored.json() as { results: Array<{ short_id: string }> }).results.map((item) => item.short_id),
      [doomed.short_id],
    );

    await toast.getByRole('button', { name: 'Undo' }).click();
    await page.getByRole('row', { name: /Delete me/ }).waitFor();
    assert.deepEqual(await rowTitles(page), ['Delete me', 'Keep me']);
    const restored = await env.request({ method: 'GET', url: env.url(`${doomed.short_id}/`, project.id) });
    assert.equal(restored.statusCode, 200);
    const activity = await env.request({ method: 'GET', url: env.url(`${doomed.short_id}/activity/`, project.id) });
    assert.deepEqual(
      (activity.json() as { results: Array<{ activity: string }> }).results.map((entry) => entry.activity),
      ['restored', 'deleted', 'created'],
    );
    assert.ok(kept.short_id);
  });

  browserIt(
    'the row menu works from the keyboard: Escape gives focus back, ArrowDown and Enter delete',
    get,
    async () => {
      const { env, createUser, signedIn } = get();
      const user = await createUser();
      const project = await env.accounts.createProject({ name: 'Menu project', organizationId: env.org.id });
      await seedNotebook(env, { title: 'Menu notebook', projectId: project.id });
      const page = await signedIn(user, `/project/${project.id}/notebooks`);
      const menuButton = page.getByRole('button', { name: 'Actions for Menu notebook' });
      await menuButton.click();
      await page.getByRole('menuitem', { name: 'Delete' }).waitFor();
      assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Delete');
      await page.keyboard.press('Escape');
      await page.getByRole('menu').waitFor({ state: 'detached' });
      assert.equal(await menuButton.evaluate((button) => button === button.ownerDocument.activeElement), true);
      // From the keyboard: ArrowDown opens it on its first item, Enter chooses.
      await page.keyboard.press('ArrowDown');
      await page.getByRole('menuitem', { name: 'Delete' }).waitFor();
      assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Delete');
      await page.keyboard.press('Enter');
      await page.getByRole('row', { name: /Menu notebook/ }).waitFor({ state: 'detached' });
    },
  );

  browserIt('"Deleted notebooks" lists the deleted ones and restores one to the list', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const project = await env.accounts.createProject({ name: 'Trash project', organizationId: env.org.id });
    await seedNotebook(env, { title: 'Still here', projectId: project.id });
    for (const title of ['Old draft', 'Abandoned idea']) {
      const notebook = await seedNotebook(env, { title, projectId: project.id });
      const deleted = await env.request({
        method: 'PATCH',
        url: env.url(`${notebook.short_id}/`, project.id),
        payload: { deleted: true },
      });
      assert.equal(deleted.statusCode, 200);
    }
    const page = await signedIn(user, `/project/${project.id}/notebooks`);
    await page.getByRole('row', { name: /Still here/ }).waitFor();
    await page.getByRole('link', { name: 'Deleted notebooks' }).click();
    await page.waitForURL((url) => url.pathname === `/project/${project.id}/notebooks/deleted`);
    await page.getByRole('heading', { name: 'Deleted notebooks' }).waitFor();
    await page.getByRole('row', { name: /Old draft/ }).waitFor();
    assert.deepEqual(await rowTitles(page), ['Abandoned idea', 'Old draft'], 'most recently deleted first');
    assert.equal(await page.getByRole('columnheader', { name: 'Deleted' }).count(), 1);

    await page.getByRole('button', { name: 'Restore Old draft' }).click();
    await page.getByRole('status').filter({ hasText: '“Old draft” restored.' }).waitFor();
    await page.getByRole('row', { name: /Old draft/ }).waitFor({ state: 'detached' });
    assert.deepEqual(await rowTitles(page), ['Abandoned idea']);

    await page.getByRole('link', { name: /All notebooks/ }).click();
    await page.getByRole('row', { name: /Old draft/ }).waitFor();
    assert.deepEqual(await rowTitles(page), ['Old draft', 'Still here']);
  });

  browserIt('with nothing deleted, the view says so', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const project = await env.accounts.createProject({ name: 'Clean project', organizationId: env.org.id });
    const page = await signedIn(user, `/project/${project.id}/notebooks/deleted`);
    await page.getByRole('heading', { name: 'No deleted notebooks' }).waitFor();
  });
});
