import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { WEB_DIST } from '../../src/http/plugins/web-app.ts';
import { browserIt, describeBrowser, screenshotPath } from './browser.ts';
import { backdate, rowTitles, seedNotebook, waitForTitles } from './notebook-seeds.ts';

const recordingNode = { type: 'ph-recording', attrs: { id: '0190-recording', noInspector: false } };
const flagNode = { type: 'ph-feature-flag', attrs: { id: 7 } };

describeBrowser('The notebooks list', (get) => {
  browserIt(
    'shows title, creator, created and last modified (relative, exact on hover), newest first',
    get,
    async () => {
      const { env, createUser, signedIn } = get();
      const ada = await createUser({ firstName: 'Ada' });
      const grace = await createUser({ firstName: 'Grace' });
      await seedNotebook(env, { title: 'Oldest retro', key: ada.key });
      await seedNotebook(env, { title: 'Middle roadmap', key: grace.key });
      await seedNotebook(env, { title: 'Newest launch plan', key: ada.key });
      const page = await signedIn(ada, `/project/${env.project.id}/notebooks`);

      const table = page.getByRole('table', { name: 'Notebooks' });
      await table.getByRole('row', { name: /Newest launch plan/ }).waitFor();
      const headers = await table.getByRole('columnheader').allTextContents();
      assert.deepEqual(
        headers.map((text) => text.replace(/[↑↓↕]/g, '').trim()),
        ['Title', 'Created by', 'Created', 'Last modified', 'Actions'],
      );
      assert.deepEqual(await rowTitles(page), ['Newest launch plan', 'Middle roadmap', 'Oldest retro']);
      assert.equal(
        await table.getByRole('columnheader', { name: /Last modified/ }).getAttribute('aria-sort'),
        'descending',
      );

      const row = table.getByRole('row', { name: /Middle roadmap/ });
      await row.getByText('Grace').waitFor();
      const modified = row.getByRole('cell').nth(2).locator('time');
      assert.equal(await modified.textContent(), 'just now');
      const exact = await modified.getAttribute('title');
      const iso = await modified.getAttribute('datetime');
      assert.ok(iso && exact, 'the time carries its ISO value and a hover text');
      assert.match(exact, new RegExp(String(new Date(iso).getFullYear())), 'the hover text is the exact date');

      await row.getByRole('link', { name: 'Middle roadmap' }).click();
      await page.waitForURL((url) => /\/notebooks\/[A-Za-z0-9]+$/.test(url.pathname));
    },
  );

  browserIt('searches through the API ~300 ms after typing stops, and the search is in the URL', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const project = await env.accounts.createProject({ name: 'Search project', organizationId: env.org.id });
    await seedNotebook(env, { title: 'Ponies and hobbies', projectId: project.id });
    await seedNotebook(env, { title: 'Quarterly revenue', text: 'numbers', projectId: project.id });
    const page = await signedIn(user, `/project/${project.id}/notebooks`);
    await page.getByRole('row', { name: /Quarterly revenue/ }).waitFor();

    const requests: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/notebooks/?'))
        requests.push(new URL(request.url()).searchParams.get('search') ?? '');
    });
    await page.getByRole('searchbox', { name: 'Search for notebooks' }).pressSequentially('pony', { delay: 40 });
    await page.waitForURL((url) => url.searchParams.get('search') === 'pony');
    await page.getByRole('row', { name: /Quarterly revenue/ }).waitFor({ state: 'detached' });
    assert.deepEqual(await rowTitles(page), ['Ponies and hobbies'], 'stemmed: pony finds ponies');
    assert.deepEqual(
      requests.filter((search) => search !== ''),
      ['pony'],
      'one request after typing stopped, none per keystroke',
    );

    await page.reload();
    await page.getByRole('row', { name: /Ponies and hobbies/ }).waitFor();
    assert.equal(await page.getByRole('searchbox', { name: 'Search for notebooks' }).inputValue(), 'pony');
    assert.deepEqual(await rowTitles(page), ['Ponies and hobbies']);
  });

  browserIt('filters by creator and by what a notebook contains; a filtered list is a link', get, async () => {
    const { env, createUser, signedIn, newContext } = get();
    const project = await env.accounts.createProject({ name: 'Filter project', organizationId: env.org.id });
    const ada = await createUser({ firstName: 'Adaline' });
    const grace = await createUser({ firstName: 'Gracie' });
    await seedNotebook(env, {
      title: 'Ada with a recording',
      key: ada.key,
      projectId: project.id,
      extraNodes: [recordingNode],
    });
    await seedNotebook(env, { title: 'Ada plain', key: ada.key, projectId: project.id });
    await seedNotebook(env, {
      title: 'Grace with a flag',
      key: grace.key,
      projectId: project.id,
      extraNodes: [flagNode],
    });
    const page = await signedIn(ada, `/project/${project.id}/notebooks`);
    await page.getByRole('row', { name: /Grace with a flag/ }).waitFor();

    await page.getByLabel('Created by').selectOption({ label: 'Adaline' });
    await page.waitForURL((url) => url.searchParams.get('created_by') === ada.uuid);
    await page.getByRole('row', { name: /Grace with a flag/ }).waitFor({ state: 'detached' });
    assert.deepEqual(await rowTitles(page), ['Ada plain', 'Ada with a recording']);

    await page.getByLabel('Contains').selectOption({ label: 'Recordings' });
    await page.waitForURL((url) => url.searchParams.get('contains') === 'recording');
    await page.getByRole('row', { name: /Ada plain/ }).waitFor({ state: 'detached' });
    assert.deepEqual(await rowTitles(page), ['Ada with a recording']);

    // The same link in another browser shows the same filtered list.
    const shared = await (await newContext()).newPage();
    const link = new URL(page.url());
    await shared.goto(`/login?next=${encodeURIComponent(link.pathname + link.search)}`);
    await shared.getByLabel('Email').fill(grace.email);
    await shared.getByLabel('Password').fill(grace.password);
    await shared.getByRole('button', { name: 'Sign in' }).click();
    await shared.getByRole('row', { name: /Ada with a recording/ }).waitFor();
    assert.deepEqual(await rowTitles(shared), ['Ada with a recording']);
    assert.equal(await shared.getByLabel('Contains').inputValue(), 'recording');
    await shared.context().close();

    await page.getByLabel('Contains').selectOption({ label: 'Feature flags' });
    await page.getByRole('heading', { name: 'No notebooks matching your filters!' }).waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('row', { name: /Grace with a flag/ }).waitFor();
    assert.equal(new URL(page.url()).search, '');
    assert.equal((await rowTitles(page)).length, 3);
  });

  browserIt('sorts by title, created and last modified through the API’s order', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const project = await env.accounts.createProject({ name: 'Sort project', organizationId: env.org.id });
    const banana = await seedNotebook(env, { title: 'Banana', projectId: project.id });
    await seedNotebook(env, { title: 'cherry', projectId: project.id });
    await seedNotebook(env, { title: 'Apple', projectId: project.id });
    // Banana changes last, so it leads the default order.
    const patched = await env.request({
      method: 'PATCH',
      url: env.url(`${banana.short_id}/`, project.id),
      payload: { text_content: 'changed' },
    });
    assert.equal(patched.statusCode, 200);
    const page = await signedIn(user, `/project/${project.id}/notebooks`);
    await page.getByRole('row', { name: /Apple/ }).waitFor();
    assert.deepEqual(await rowTitles(page), ['Banana', 'Apple', 'cherry']);

    await page.getByRole('button', { name: /^Title/ }).click();
    await page.waitForURL((url) => url.searchParams.get('order') === 'title');
    await waitForTitles(page, (titles) => titles[0] === 'Apple');
    assert.equal(await page.getByRole('columnheader', { name: /Title/ }).getAttribute('aria-sort'), 'ascending');

    await page.getByRole('button', { name: /^Title/ }).click();
    await page.waitForURL((url) => url.searchParams.get('order') === '-title');
    await waitForTitles(page, (titles) => titles[2] === 'Apple');

    await page.getByLabel('Sort by').selectOption({ label: 'Created, oldest first' });
    await page.waitForURL((url) => url.searchParams.get('order') === 'created_at');
    await waitForTitles(page, (titles) => titles[0] === 'Banana');
    assert.deepEqual(await rowTitles(page), ['Banana', 'cherry', 'Apple']);
  });

  browserIt('pages through the API’s next and previous links', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const project = await env.accounts.createProject({ name: 'Paged project', organizationId: env.org.id });
    for (const title of ['One', 'Two', 'Three', 'Four', 'Five'])
      await seedNotebook(env, { title, projectId: project.id });
    const page = await signedIn(user, `/project/${project.id}/notebooks?limit=2`);
    await page.getByRole('row', { name: /Five/ }).waitFor();
    assert.deepEqual(await rowTitles(page), ['Five', 'Four']);
    const pages = page.getByRole('navigation', { name: 'Pages' });
    assert.equal(await pages.getByRole('button', { name: /Previous/ }).isDisabled(), true);
    await pages.getByText('1–2 of 5').waitFor();

    await pages.getByRole('button', { name: /Next/ }).click();
    await page.waitForURL((url) => url.searchParams.get('offset') === '2');
    await page.getByRole('row', { name: /Three/ }).waitFor();
    assert.deepEqual(await rowTitles(page), ['Three', 'Two']);
    await pages.getByRole('button', { name: /Next/ }).click();
    await page.getByRole('row', { name: /One/ }).waitFor();
    assert.equal(await pages.getByRole('button', { name: /Next/ }).isDisabled(), true);
    await pages.getByText('5–5 of 5').waitFor();

    await pages.getByRole('button', { name: /Previous/ }).click();
    await page.waitForURL((url) => url.searchParams.get('offset') === '2');
    await page.getByRole('row', { name: /Three/ }).waitFor();
    await page.goBack();
    await page.waitForURL((url) => url.searchParams.get('offset') === '4');

    // A page past the end (its notebooks deleted since the link was made) leads back to the start.
    await page.goto(`/project/${project.id}/notebooks?limit=2&offset=10`);
    await page.getByRole('heading', { name: 'Nothing on this page' }).waitFor();
    await page.getByRole('button', { name: 'Back to the first page' }).click();
    await page.getByRole('row', { name: /Five/ }).waitFor();
    assert.equal(new URL(page.url()).search, '?limit=2');
  });

  browserIt(
    'an empty project invites a first notebook; "New notebook" opens it with an empty title heading',
    get,
    async () => {
      const { env, createUser, signedIn } = get();
      const user = await createUser();
      const project = await env.accounts.createProject({ name: 'Empty project', organizationId: env.org.id });
      const page = await signedIn(user, `/project/${project.id}/notebooks`);
      await page.getByRole('heading', { name: 'Write your first notebook' }).waitFor();
      assert.equal(await page.getByRole('heading', { name: 'No notebooks matching your filters!' }).count(), 0);

      await page.getByRole('button', { name: 'New notebook' }).first().click();
      await page.waitForURL((url) => new RegExp(`^/project/${project.id}/notebooks/[A-Za-z0-9]+$`).test(url.pathname));
      const shortId = new URL(page.url()).pathname.split('/').pop() as string;
      const stored = await env.request({ method: 'GET', url: env.url(`${shortId}/`, project.id) });
      assert.equal(stored.statusCode, 200);
      const notebook = stored.json() as { content: unknown; created_by: { uuid: string } };
      assert.deepEqual(notebook.content, { type: 'doc', content: [{ type: 'heading', attrs: { level: 1 } }] });
      assert.equal(notebook.created_by.uuid, user.uuid);
    },
  );

  browserIt(
    'follows the API’s change stream: a colleague’s new and deleted notebooks show without a reload',
    get,
    async () => {
      const { env, createUser, signedIn } = get();
      const me = await createUser();
      const colleague = await createUser({ firstName: 'Colleague' });
      const project = await env.accounts.createProject({ name: 'Live project', organizationId: env.org.id });
      const first = await seedNotebook(env, { title: 'Already here', key: colleague.key, projectId: project.id });
      const page = await signedIn(me, `/project/${project.id}/notebooks`);
      await page.getByRole('row', { name: /Already here/ }).waitFor();

      await seedNotebook(env, { title: 'Written just now', key: colleague.key, projectId: project.id });
      await page.getByRole('row', { name: /Written just now/ }).waitFor();
      const deleted = await env.request({
        method: 'PATCH',
        url: env.url(`${first.short_id}/`, project.id),
        key: colleague.key,
        payload: { deleted: true },
      });
      assert.equal(deleted.statusCode, 200);
      await page.getByRole('row', { name: /Already here/ }).waitFor({ state: 'detached' });
      assert.deepEqual(await rowTitles(page), ['Written just now']);
    },
  );

  browserIt(
    'shows a colleague’s write made after the rows were read and before the change stream opened',
    get,
    async () => {
      const { env, createUser, signedIn } = get();
      const me = await createUser();
      const colleague = await createUser({ firstName: 'Colleague' });
      const project = await env.accounts.createProject({ name: 'Gap project', organizationId: env.org.id });
      await seedNotebook(env, { title: 'Read with the rows', key: colleague.key, projectId: project.id });
      const page = await signedIn(me, '/settings');
      // The stream's request waits until the colleague has written: the rows on screen lack it.
      let written = false;
      await page.route('**/notebooks/events/**', async (route) => {
        if (!written) {
          await seedNotebook(env, { title: 'Written in the gap', key: colleague.key, projectId: project.id });
          written = true;
        }
        await route.continue();
      });
      await page.goto(`/project/${project.id}/notebooks`);
      await page.getByRole('row', { name: /Read with the rows/ }).waitFor();
      await page.getByRole('row', { name: /Written in the gap/ }).waitFor();
      assert.ok(written, 'the write happened while the stream was held');
      assert.deepEqual(await rowTitles(page), ['Written in the gap', 'Read with the rows']);
    },
  );

  browserIt('measures: 100 notebooks on screen after navigation, and the first page’s JavaScript', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const project = await env.accounts.createProject({ name: 'Hundred project', organizationId: env.org.id });
    for (let index = 0; index < 100; index += 1) {
      await seedNotebook(env, { title: `Notebook number ${index + 1}`, projectId: project.id });
    }
    const page = await signedIn(user, `/project/${project.id}/notebooks`);
    await page.getByRole('row', { name: /Notebook number 1\b/ }).waitFor();
    const samples: number[] = [];
    for (let run = 0; run < 5; run += 1) {
      await page.goto(`/project/${project.id}/notebooks`);
      await page.waitForFunction(() => performance.getEntriesByName('notebooks-list-shown').length > 0);
      assert.equal(await page.getByRole('table').getByRole('rowheader').count(), 100);
      samples.push(await page.evaluate(() => performance.getEntriesByName('notebooks-list-shown')[0].startTime));
    }
    samples.sort((a, b) => a - b);
    // The first page's JavaScript: the scripts index.html loads (the entry and what it preloads).
    const html = readFileSync(join(WEB_DIST, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((match) => match[1]);
    assert.ok(scripts.length > 0, 'index.html loads a script');
    const gzipped = scripts.reduce(
      (total, file) => total + gzipSync(readFileSync(join(WEB_DIST, file)), { level: 9 }).length,
      0,
    );
    console.log(`first page JavaScript: ${scripts.join(', ')}: ${(gzipped / 1024).toFixed(1)} KB gzipped`);
    console.log(
      `list of 100 shown after navigation: median ${samples[2].toFixed(0)} ms (runs: ${samples.map((s) => s.toFixed(0)).join(', ')})`,
    );
  });

  browserIt('takes the README’s screenshot of the list: ten notebooks by two people', get, async () => {
    const { env, createUser, signedIn } = get();
    const project = await env.accounts.createProject({ name: 'Product analytics', organizationId: env.org.id });
    const maya = await createUser({ firstName: 'Maya' });
    const jonas = await createUser({ firstName: 'Jonas' });
    const hour = 3600_000;
    const day = 24 * hour;
    const seeds: Array<[string, typeof maya, number, number]> = [
      ['Onboarding funnel: where trials drop off', maya, 41 * day, 25 * 60_000],
      ['Weekly product review — March', jonas, 12 * day, 3 * hour],
      ['Checkout redesign experiment results', maya, 9 * day, 20 * hour],
      ['Session recordings: mobile navigation issues', jonas, 22 * day, 2 * day],
      ['Feature flag rollout plan: new editor', maya, 6 * day, 3 * day],
      ['Churned accounts interview notes', jonas, 35 * day, 6 * day],
      ['Pricing page heatmap findings', maya, 18 * day, 9 * day],
      ['Q2 retention deep dive', jonas, 64 * day, 15 * day],
      ['Activation metrics definitions', maya, 90 * day, 34 * day],
      ['Incident review: event ingestion lag', jonas, 50 * day, 47 * day],
    ];
    for (const [title, author, createdAgoMs, modifiedAgoMs] of seeds) {
      const notebook = await seedNotebook(env, { title, key: author.key, projectId: project.id });
      await backdate(env, notebook.id, { createdAgoMs, modifiedAgoMs });
    }
    const page = await signedIn(maya, `/project/${project.id}/notebooks`, 1200);
    await page.getByRole('row', { name: /Incident review/ }).waitFor();
    await page.mouse.move(0, 0);
    await page.screenshot({ path: screenshotPath('list.png'), fullPage: true });
  });
});
