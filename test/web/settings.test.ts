import assert from 'node:assert/strict';
import { afterEach } from 'node:test';
import type { Page } from 'playwright-core';
import { browserIt, describeBrowser } from './browser.ts';
import { assertControlsAreLabelled, assertNoHorizontalScroll } from './layout-checks.ts';

/** A new key through the page: label and scopes in the dialog, then its one-time value. */
async function createKeyInPage(page: Page, label: string, choose?: () => Promise<void>): Promise<string> {
  await page.getByRole('button', { name: 'Create personal API key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a personal API key' });
  await dialog.getByLabel('Label').fill(label);
  await choose?.();
  await dialog.getByRole('button', { name: 'Create key' }).click();
  const created = page.getByRole('dialog', { name: `Key “${label}” created` });
  const value = await created.getByLabel('Key value').inputValue();
  assert.match(value, /^phx_[A-Za-z0-9]+$/);
  return value;
}

describeBrowser('Settings', (get) => {
  afterEach(async () => {
    for (const context of get().browser.contexts()) await context.close();
  });

  browserIt('changing the name shows it in the header and through the API', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser({ firstName: 'Before' });
    const page = await signedIn(user, '/settings');
    const profile = page.getByRole('region', { name: 'Profile' });
    await profile.getByLabel('First name').fill('Ada');
    await profile.getByLabel('Last name').fill('Lovelace');
    await profile.getByRole('button', { name: 'Save name' }).click();
    await profile.getByRole('status').filter({ hasText: 'Name saved.' }).waitFor();
    await page.getByRole('banner').getByText('Ada', { exact: true }).waitFor();
    const me = await env.request({ method: 'GET', url: '/api/users/@me/', key: user.key });
    assert.equal(me.json().first_name, 'Ada');
    assert.equal(me.json().last_name, 'Lovelace');
  });

  browserIt('a weak password shows the API error; a strong one works for the next sign-in', get, async () => {
    const { newContext, createUser, signedIn } = get();
    const user = await createUser();
    const page = await signedIn(user, '/settings');
    const section = page.getByRole('region', { name: 'Password' });
    await section.getByLabel('Current password').fill(user.password);
    await section.getByLabel('New password', { exact: true }).fill('password1');
    await section.getByLabel('Confirm new password').fill('password1');
    await section.getByRole('button', { name: 'Change password' }).click();
    await section.getByRole('alert').filter({ hasText: 'This password is too weak.' }).waitFor();

    await section.getByLabel('Current password').fill('not-my-password');
    await section.getByLabel('New password', { exact: true }).fill('Velvet-Orchard-Compass-77');
    await section.getByLabel('Confirm new password').fill('Velvet-Orchard-Compass-77');
    await section.getByRole('button', { name: 'Change password' }).click();
    await section.getByRole('alert').filter({ hasText: 'Your current password is incorrect.' }).waitFor();

    await section.getByLabel('Current password').fill(user.password);
    await section.getByRole('button', { name: 'Change password' }).click();
    await section.getByRole('status').filter({ hasText: 'Password changed.' }).waitFor();

    const fresh = await (await newContext()).newPage();
    await fresh.goto('/login');
    await fresh.getByLabel('Email').fill(user.email);
    await fresh.getByLabel('Password').fill(user.password);
    await fresh.getByRole('button', { name: 'Sign in' }).click();
    await fresh.getByRole('alert').filter({ hasText: 'Invalid email or password.' }).waitFor();
    await fresh.getByLabel('Password').fill('Velvet-Orchard-Compass-77');
    await fresh.getByRole('button', { name: 'Sign in' }).click();
    await fresh.waitForURL((url) => !url.pathname.startsWith('/login'));
    // This browser stays signed in.
    await page.reload();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
  });

  browserIt('a password change after an old sign-in signs in afresh with the current password', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const page = await signedIn(user, '/settings');
    env.clock.advance(3 * 3600 * 1000);
    try {
      const section = page.getByRole('region', { name: 'Password' });
      await section.getByLabel('Current password').fill(user.password);
      await section.getByLabel('New password', { exact: true }).fill('Amber-Signal-Meadow-31');
      await section.getByLabel('Confirm new password').fill('Amber-Signal-Meadow-31');
      await section.getByRole('button', { name: 'Change password' }).click();
      await section.getByRole('status').filter({ hasText: 'Password changed.' }).waitFor();
      const signIn = await env.request({
        method: 'POST',
        url: '/api/login',
        key: null,
        payload: { email: user.email, password: 'Amber-Signal-Meadow-31' },
      });
      assert.equal(signIn.statusCode, 200);
    } finally {
      env.clock.advance(-3 * 3600 * 1000);
    }
  });

  browserIt('mismatched new passwords are caught before anything is sent', get, async () => {
    const { createUser, signedIn } = get();
    const user = await createUser();
    const page = await signedIn(user, '/settings');
    const section = page.getByRole('region', { name: 'Password' });
    await section.getByLabel('Current password').fill(user.password);
    await section.getByLabel('New password', { exact: true }).fill('Amber-Signal-Meadow-31');
    await section.getByLabel('Confirm new password').fill('Amber-Signal-Meadow-32');
    await section.getByRole('button', { name: 'Change password' }).click();
    await section.getByRole('alert').filter({ hasText: 'The new passwords do not match.' }).waitFor();
  });

  browserIt('the sign-out button ends the session', get, async () => {
    const { createUser, signedIn } = get();
    const user = await createUser();
    const page = await signedIn(user, '/settings');
    await page.getByRole('region', { name: 'Sign out' }).getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    assert.equal((await page.request.get('/api/users/@me/')).status(), 401);
  });

  browserIt('a key is created with chosen scopes, shown once, copied, and works as a Bearer key', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const page = await signedIn(user, '/settings#api-keys');
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    const value = await createKeyInPage(page, 'Nightly export', async () => {
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Notebooks', { exact: true }).selectOption('read');
      await dialog.getByLabel('Activity log', { exact: true }).selectOption('none');
    });
    const created = page.getByRole('dialog', { name: 'Key “Nightly export” created' });
    await created.getByRole('button', { name: 'Copy' }).click();
    await created.getByRole('status').filter({ hasText: 'Copied to the clipboard.' }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), value);
    await created.getByRole('button', { name: 'Done' }).click();

    const keys = page.getByRole('list', { name: 'Personal API keys' });
    const item = keys.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Nightly export' }) });
    await item.getByText('Notebooks: read').waitFor();
    await item.getByText(`${value.slice(0, 4)}...${value.slice(-4)}`).waitFor();
    await item.getByText('Never').waitFor();
    assert.equal(await page.getByText(value).count(), 0, 'the value is not shown again');

    const list = await env.request({ method: 'GET', url: env.url(), key: value });
    assert.equal(list.statusCode, 200);
    const write = await env.request({ method: 'POST', url: env.url(), key: value, payload: { title: 'x' } });
    assert.equal(write.statusCode, 403);
    assert.match(write.json().detail, /notebook:write/);
  });

  browserIt('a key limited to one project reaches only that project', get, async () => {
    const { env, createUser, signedIn } = get();
    const other = await env.accounts.createProject({ name: 'Other project', organizationId: env.org.id });
    const user = await createUser();
    const page = await signedIn(user, '/settings');
    const value = await createKeyInPage(page, 'One project', async () => {
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('radio', { name: /Only these projects/ }).check();
      await dialog.getByRole('checkbox', { name: 'Test project' }).check();
    });
    await page.getByRole('button', { name: 'Done' }).click();
    const item = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'One project' }) });
    await item.getByText('Only Test project').waitFor();
    assert.equal((await env.request({ method: 'GET', url: env.url(), key: value })).statusCode, 200);
    assert.equal((await env.request({ method: 'GET', url: env.url('', other.id), key: value })).statusCode, 403);
  });

  browserIt(
    'editing a key changes its label and scopes, keeps scopes the picker does not list, and keeps its value',
    get,
    async () => {
      const { env, createUser, signedIn } = get();
      const user = await createUser({ scopes: ['notebook:read', 'insight:read'] });
      const page = await signedIn(user, '/settings');
      assert.equal(
        (await env.request({ method: 'POST', url: env.url(), key: user.key, payload: { title: 'x' } })).statusCode,
        403,
      );
      await page.getByRole('button', { name: 'Edit key Personal API key' }).click();
      const dialog = page.getByRole('dialog', { name: 'Edit “Personal API key”' });
      await dialog.getByText('Also kept: insight:read.').waitFor();
      await dialog.getByLabel('Label').fill('Reader and writer');
      await dialog.getByLabel('Notebooks', { exact: true }).selectOption('write');
      await dialog.getByRole('button', { name: 'Save changes' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByRole('heading', { name: 'Reader and writer' }).waitFor();
      const keys = (await (await page.request.get('/api/personal_api_keys/')).json()) as Array<{
        label: string;
        scopes: string[];
      }>;
      assert.deepEqual(
        keys.map((key) => [key.label, key.scopes]),
        [['Reader and writer', ['notebook:write', 'insight:read']]],
      );
      assert.equal(
        (await env.request({ method: 'POST', url: env.url(), key: user.key, payload: { title: 'x' } })).statusCode,
        201,
      );
    },
  );

  browserIt('the eleventh key cannot be created: the page says 10 of 10', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    for (let count = 1; count < 10; count += 1) await env.createKey(user.email, ['notebook:read']);
    const page = await signedIn(user, '/settings');
    await page.getByText('10 of 10 keys').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Create personal API key' }).isDisabled(), true);
    assert.equal(await page.getByRole('list', { name: 'Personal API keys' }).getByRole('heading').count(), 10);
  });

  browserIt('rolling a key shows a new value once and the old one stops working', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const page = await signedIn(user, '/settings');
    const oldValue = await createKeyInPage(page, 'CI');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Roll key CI' }).click();
    await page.getByRole('dialog', { name: 'Roll “CI”?' }).getByRole('button', { name: 'Roll key' }).click();
    const rolled = page.getByRole('dialog', { name: 'New value for “CI”' });
    const newValue = await rolled.getByLabel('Key value').inputValue();
    assert.notEqual(newValue, oldValue);
    await rolled.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('listitem').filter({ hasText: 'Rolled' }).waitFor();
    assert.equal((await env.request({ method: 'GET', url: env.url(), key: oldValue })).statusCode, 401);
    assert.equal((await env.request({ method: 'GET', url: env.url(), key: newValue })).statusCode, 200);
  });

  browserIt('deleting a key asks first, then the key is gone and stops working', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const page = await signedIn(user, '/settings');
    const value = await createKeyInPage(page, 'Old script');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Delete key Old script' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete “Old script”?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await env.request({ method: 'GET', url: env.url(), key: value })).statusCode, 200);
    await page.getByRole('button', { name: 'Delete key Old script' }).click();
    await confirm.getByRole('button', { name: 'Delete key' }).click();
    await page.getByRole('heading', { name: 'Old script', exact: true }).waitFor({ state: 'detached' });
    assert.equal((await env.request({ method: 'GET', url: env.url(), key: value })).statusCode, 401);
    const keys = await page.request.get('/api/personal_api_keys/');
    assert.ok(!(await keys.json()).some((key: { label: string }) => key.label === 'Old script'));
  });

  browserIt('an old sign-in is confirmed with the password before a key is created', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const page = await signedIn(user, '/settings');
    env.clock.advance(3 * 3600 * 1000);
    try {
      await page.getByRole('button', { name: 'Create personal API key' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create a personal API key' });
      await dialog.getByLabel('Label').fill('After a while');
      await dialog.getByRole('button', { name: 'Create key' }).click();
      await dialog.getByLabel('Your password', { exact: true }).fill(user.password);
      await dialog.getByRole('button', { name: 'Confirm password' }).click();
      const value = await page
        .getByRole('dialog', { name: 'Key “After a while” created' })
        .getByLabel('Key value')
        .inputValue();
      assert.equal((await env.request({ method: 'GET', url: env.url(), key: value })).statusCode, 200);
    } finally {
      env.clock.advance(-3 * 3600 * 1000);
    }
  });

  for (const width of [375, 1440]) {
    browserIt(`the settings page fits ${width} px and labels every control`, get, async () => {
      const { createUser, signedIn } = get();
      const user = await createUser();
      const page = await signedIn(user, '/settings', width);
      await createKeyInPage(page, 'A key with a rather long label!');
      await assertNoHorizontalScroll(page);
      await assertControlsAreLabelled(page);
      await page.getByRole('button', { name: 'Done' }).click();
      await page.getByRole('button', { name: 'Create personal API key' }).click();
      await page.getByRole('dialog', { name: 'Create a personal API key' }).waitFor();
      await assertNoHorizontalScroll(page);
      await assertControlsAreLabelled(page);
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      await assertNoHorizontalScroll(page);
      await assertControlsAreLabelled(page);
    });
  }
});
