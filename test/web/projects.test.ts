import assert from 'node:assert/strict';
import { browserIt, describeBrowser } from './browser.ts';
import { rowTitles, seedNotebook, signInWith } from './notebook-seeds.ts';

describeBrowser('Projects', (get) => {
  browserIt('the switcher lists every project the user reaches, in each of their organizations', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser({ firstName: 'Multi' });
    const second = await env.accounts.createProject({ name: 'Mobile app', organizationId: env.org.id });
    const otherOrg = await env.accounts.createOrganization('Side project inc.');
    const elsewhere = await env.accounts.createProject({ name: 'Marketing site', organizationId: otherOrg.id });
    await env.accounts.addMembership(user.id, otherOrg.id, 'member');
    // A project of an organization the user is not in never shows.
    const foreignOrg = await env.accounts.createOrganization('Someone else’s');
    await env.accounts.createProject({ name: 'Not yours', organizationId: foreignOrg.id });
    await seedNotebook(env, { title: 'Web launch notes', projectId: env.project.id });
    await seedNotebook(env, { title: 'Campaign notes', key: user.key, projectId: elsewhere.id });

    const page = await signedIn(user, `/project/${env.project.id}/notebooks`);
    await page.getByRole('row', { name: /Web launch notes/ }).waitFor();
    const switcher = page.getByRole('combobox', { name: 'Project' });
    assert.equal(await switcher.inputValue(), String(env.project.id));
    const options = await switcher.locator('option').allTextContents();
    assert.deepEqual(options.sort(), ['Marketing site', 'Mobile app', 'Test project']);
    const groups = await switcher
      .locator('optgroup')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('label')));
    assert.deepEqual(groups.sort(), ['Side project inc.', 'Test organization']);

    await switcher.selectOption({ label: 'Marketing site' });
    await page.waitForURL((url) => url.pathname === `/project/${elsewhere.id}/notebooks`);
    await page.getByRole('row', { name: /Campaign notes/ }).waitFor();
    assert.deepEqual(await rowTitles(page), ['Campaign notes']);
    // The "Created by" choices are the members of the project's own organization.
    const creators = await page.getByLabel('Created by').locator('option').allTextContents();
    assert.deepEqual(creators, ['Anyone', 'Multi']);

    await switcher.selectOption({ label: 'Mobile app' });
    await page.waitForURL((url) => url.pathname === `/project/${second.id}/notebooks`);
    await page.getByRole('heading', { name: 'Write your first notebook' }).waitFor();
  });

  browserIt('the project is in the URL: a shared link opens that project’s list for a colleague', get, async () => {
    const { env, createUser } = get();
    const author = await createUser();
    const colleague = await createUser();
    const project = await env.accounts.createProject({ name: 'Shared project', organizationId: env.org.id });
    await seedNotebook(env, { title: 'Shared findings', key: author.key, projectId: project.id });
    const page = await signInWith(get, colleague, `/project/${project.id}/notebooks?search=findings`);
    await page.getByRole('row', { name: /Shared findings/ }).waitFor();
    assert.equal(await page.getByRole('combobox', { name: 'Project' }).inputValue(), String(project.id));
    assert.equal(await page.getByRole('searchbox', { name: 'Search for notebooks' }).inputValue(), 'findings');
  });

  browserIt('a project the user cannot reach says so instead of an empty list', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const foreignOrg = await env.accounts.createOrganization('Closed organization');
    const closed = await env.accounts.createProject({ name: 'Closed', organizationId: foreignOrg.id });
    const page = await signedIn(user, `/project/${closed.id}/notebooks`);
    await page
      .getByRole('alert')
      .filter({ hasText: 'This project does not exist, or you are not a member of it.' })
      .waitFor();
  });
});
