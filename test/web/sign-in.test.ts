import assert from 'node:assert/strict';
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
