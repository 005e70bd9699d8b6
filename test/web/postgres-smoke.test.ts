import assert from 'node:assert/strict';
import { browserIt, describeBrowser } from './browser.ts';
import { rowTitles, seedNotebook } from './notebook-seeds.ts';

describeBrowser(
  'The web app on PostgreSQL',
  (get) => {
    browserIt('sign in, create a notebook, find it in the list, delete it and restore it', get, async () => {
      const { env, createUser, signedIn } = get();
      const user = await createUser();
      await seedNotebook(env, { title: 'Postgres launch plan', key: user.key });
      const page = await signedIn(user, '/');
      await page.waitForURL((url) => url.pathname === `/project/${env.project.id}/notebooks`);
      await page.getByRole('row', { name: /Postgres launch plan/ }).waitFor();

      await page.getByRole('button', { name: 'New notebook' }).click();
      await page.waitForURL((url) => /\/notebooks\/[A-Za-z0-9]+$/.test(url.pathname));
      const shortId = new URL(page.url()).pathname.split('/').pop() as string;
      await page.goto(`/project/${env.project.id}/notebooks`);
      await page.getByRole('row', { name: /Untitled/ }).waitFor();
      assert.deepEqual(await rowTitles(page), ['Untitled', 'Postgres launch plan']);
      await page.getByRole('searchbox', { name: 'Search for notebooks' }).fill('launch');
      await page.getByRole('row', { name: /Untitled/ }).waitFor({ state: 'detached' });
      assert.deepEqual(await rowTitles(page), ['Postgres launch plan']);

      await page.getByRole('button', { name: 'Actions for Postgres launch plan' }).click();
      await page.getByRole('menuitem', { name: 'Delete' }).click();
      await page.getByRole('heading', { name: 'No notebooks matching your filters!' }).waitFor();
      await page.getByRole('link', { name: 'Deleted notebooks' }).click();
      await page.getByRole('row', { name: /Postgres launch plan/ }).waitFor();
      await page.getByRole('button', { name: 'Restore Postgres launch plan' }).click();
      await page.getByRole('heading', { name: 'No deleted notebooks' }).waitFor();
      await page.getByRole('link', { name: /All notebooks/ }).click();
      await page.getByRole('row', { name: /Postgres launch plan/ }).waitFor();
      assert.deepEqual((await rowTitles(page)).sort(), ['Postgres launch plan', 'Untitled']);
      const created = await env.request({ method: 'GET', url: env.url(`${shortId}/`) });
      assert.equal(created.statusCode, 200);
    });
  },
  { engine: 'postgres' },
);
