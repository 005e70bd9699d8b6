import assert from 'node:assert/strict';
import { after } from 'node:test';
import { createFileDatabase, type FileDatabase } from '../support/file-database.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { browserIt, describeBrowser } from './browser.ts';

describeBrowser('Signing in and out', (get) => {
  browserIt('a signed-out visit goes to the sign-in page and back to where it was after', get, async () => {
    const { env, newContext, createUser } = get();
    const user = await createUser();
    const context = await newContext();
    const page = await context.newPage();
    const deepLink = `/project/${env.project.id}/notebooks?search=plans`;
    await page.goto(deepLink);
    await page.waitForURL((url) => url.pathname === '/login');
    assert.equal(new URL(page.url()).searchParams.get('next'), deepLink);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === `/project/${env.project.id}/notebooks`);
    assert.equal(new URL(page.url()).searchParams.get('search'), 'plans');
  });

  browserIt('a wrong password shows the error in the form', get, async () => {
    const { newContext, createUser } = get();
    const user = await createUser();
    const page = await (await newContext()).newPage();
    await page.goto('/login');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill('not-the-password-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Invalid email or password.' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');
  });

  browserIt('signing out ends the session: the next visit asks to sign in again', get, async () => {
    const { env, createUser, signedIn } = get();
    const user = await createUser();
    const page = await signedIn(user, '/');
    await page.waitForURL((url) => url.pathname === `/project/${env.project.id}/notebooks`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    await page.goto('/settings');
    await page.waitForURL((url) => url.pathname === '/login');
    const me = await page.request.get('/api/users/@me/');
    assert.equal(me.status(), 401);
  });
});

describeBrowser('The first start', (get) => {
  let database: FileDatabase | undefined;
  let server: ServerProcess | undefined;
  after(async () => {
    await server?.stop();
    await database?.drop();
  });

  browserIt('prints the admin’s email and a one-time password next to the key, and they sign in', get, async () => {
    database = await createFileDatabase('sqlite');
    server = await startServerProcess({ databaseUrl: database.url });
    const printed = server.stdout();
    const key = printed.indexOf(server.key as string);
    const email = printed.indexOf('admin@localhost', key);
    const password = printed.indexOf(`password: ${server.password}`, key);
    assert.ok(key > 0 && email > key && password > email, `key, then email, then password:\n${printed}`);
    assert.ok((server.password as string).length >= 16, 'a generated password, not a guessable one');

    const context = await get().browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    await page.goto('/');
    await page.waitForURL((url) => url.pathname === '/login');
    await page.getByLabel('Email').fill('admin@localhost');
    await page.getByLabel('Password').fill(server.password as string);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/project/1/notebooks');
    await page.getByRole('heading', { name: 'Write your first notebook' }).waitFor();
    assert.equal(await page.getByRole('combobox', { name: 'Project' }).inputValue(), '1');
    await context.close();
  });
});
