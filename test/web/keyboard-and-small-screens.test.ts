import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { browserIt, describeBrowser } from './browser.ts';
import { assertControlsAreLabelled } from './layout-checks.ts';
import { seedNotebook, signInWith } from './notebook-seeds.ts';

/** The page's content is no wider than the window: nothing to scroll sideways. */
async function assertNoSideScroll(page: Page, where: string) {
  const { scrollWidth, innerWidth } = (await page.evaluate(
    '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
  )) as { scrollWidth: number; innerWidth: number };
  assert.ok(scrollWidth <= innerWidth, `${where}: the page is ${scrollWidth} px wide in a ${innerWidth} px window`);
}

/** The element is on screen, inside the window's width. */
async function assertInside(page: Page, locator: ReturnType<Page['getByRole']>, where: string) {
  const box = await locator.boundingBox();
  const width = page.viewportSize()?.width ?? 0;
  assert.ok(box, `${where}: not shown`);
  assert.ok(box.x >= 0 && box.x + box.width <= width, `${where}: ${box.x}+${box.width} outside ${width} px`);
}

const backgroundLightness = async (page: Page) => {
  const color = (await page.evaluate('getComputedStyle(document.body).backgroundColor')) as string;
  const [r, g, b] = (color.match(/\d+(\.\d+)?/g) ?? []).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
};

describeBrowser('Keyboard, small screens and dark mode', (get) => {
  let projectId = 0;
  const setUp = async () => {
    const { env } = get();
    if (projectId !== 0) return projectId;
    const project = await env.accounts.createProject({
      name: 'A project with a rather long name',
      organizationId: env.org.id,
    });
    projectId = project.id;
    await seedNotebook(env, {
      title: 'A notebook with a long title that has to wrap on a phone screen somewhere',
      projectId,
    });
    await seedNotebook(env, { title: 'Short one', projectId });
    const gone = await seedNotebook(env, { title: 'Deleted one', projectId });
    await env.request({ method: 'PATCH', url: env.url(`${gone.short_id}/`, projectId), payload: { deleted: true } });
    return projectId;
  };

  browserIt('Ctrl+K (and Cmd+K) focuses the search box', get, async () => {
    const { createUser, signedIn } = get();
    const id = await setUp();
    const user = await createUser();
    const page = await signedIn(user, `/project/${id}/notebooks`);
    const search = page.getByRole('searchbox', { name: 'Search for notebooks' });
    await page.getByRole('row', { name: /Short one/ }).waitFor();
    assert.equal(await search.getAttribute('aria-keyshortcuts'), 'Control+K');
    const focused = () => search.evaluate((input) => input === input.ownerDocument.activeElement);

    await page.getByRole('heading', { name: 'Notebooks' }).click();
    assert.equal(await focused(), false);
    await page.keyboard.press('Control+k');
    assert.equal(await focused(), true);
    await page.keyboard.type('short');
    await page.waitForURL((url) => url.searchParams.get('search') === 'short');

    await page.getByRole('heading', { name: 'Notebooks' }).click();
    await page.keyboard.press('Meta+k');
    assert.equal(await focused(), true);
  });

  for (const width of [375, 1440]) {
    browserIt(`at ${width} px the list, the deleted view and sign-in fit the window`, get, async () => {
      const { createUser, newContext } = get();
      const id = await setUp();
      const user = await createUser();
      const signIn = await (await newContext({ width })).newPage();
      await signIn.goto('/login');
      await signIn.getByRole('button', { name: 'Sign in' }).waitFor();
      await assertNoSideScroll(signIn, 'sign-in');
      await assertControlsAreLabelled(signIn);
      await assertInside(signIn, signIn.getByRole('button', { name: 'Sign in' }), 'the sign-in button');
      await signIn.context().close();

      const page = await signInWith(get, user, `/project/${id}/notebooks`, { width });
      const row = page.getByRole('row', { name: /A notebook with a long title/ });
      await row.waitFor();
      await assertNoSideScroll(page, 'the list');
      await assertControlsAreLabelled(page);
      for (const [name, locator] of [
        ['New notebook', page.getByRole('button', { name: 'New notebook' })],
        ['search', page.getByRole('searchbox', { name: 'Search for notebooks' })],
        ['Contains', page.getByLabel('Contains')],
        ['project switcher', page.getByRole('combobox', { name: 'Project' })],
        ['Sign out', page.getByRole('button', { name: 'Sign out' })],
        ['row menu', page.getByRole('button', { name: /Actions for A notebook with a long title/ })],
      ] as const) {
        await assertInside(page, locator, `${name} on the list`);
      }
      const switcherBox = await page.getByRole('combobox', { name: 'Project' }).boundingBox();
      assert.ok(switcherBox && switcherBox.width >= 120, `the project switcher is ${switcherBox?.width} px wide`);
      // Narrow: each row is a card, its facts stacked under the title; wide: one line per row.
      const title = await row.getByRole('rowheader').boundingBox();
      const creator = await row.getByRole('cell').first().boundingBox();
      assert.ok(title && creator);
      if (width === 375) {
        assert.ok(creator.y >= title.y + title.height - 1, 'the creator sits under the title');
        assert.ok(Math.abs(creator.x - title.x) < 2, 'title and creator are aligned on the card');
      } else {
        assert.ok(Math.abs(creator.y + creator.height / 2 - (title.y + title.height / 2)) < 4, 'one line per row');
      }
      await page.getByRole('button', { name: /Actions for Short one/ }).click();
      await assertInside(page, page.getByRole('menuitem', { name: 'Delete' }), 'the row menu');
      await page.keyboard.press('Escape');

      await page.getByRole('link', { name: 'Deleted notebooks' }).click();
      await page.getByRole('row', { name: /Deleted one/ }).waitFor();
      await assertNoSideScroll(page, 'the deleted view');
      await assertControlsAreLabelled(page);
      await assertInside(page, page.getByRole('button', { name: 'Restore Deleted one' }), 'Restore');
    });
  }

  browserIt('dark mode follows the system on the list, the deleted view and sign-in', get, async () => {
    const { createUser, newContext } = get();
    const id = await setUp();
    const user = await createUser();
    for (const scheme of ['dark', 'light'] as const) {
      const signIn = await (await newContext({ colorScheme: scheme })).newPage();
      await signIn.goto('/login');
      await signIn.getByRole('button', { name: 'Sign in' }).waitFor();
      const loginLightness = await backgroundLightness(signIn);
      await signIn.context().close();

      const page = await signInWith(get, user, `/project/${id}/notebooks`, { colorScheme: scheme });
      await page.getByRole('row', { name: /Short one/ }).waitFor();
      const listLightness = await backgroundLightness(page);
      const text = (await page
        .getByRole('heading', { name: 'Notebooks' })
        .evaluate((heading) => heading.ownerDocument.defaultView?.getComputedStyle(heading).color)) as string;
      await page.getByRole('link', { name: 'Deleted notebooks' }).click();
      await page.getByRole('row', { name: /Deleted one/ }).waitFor();
      const deletedLightness = await backgroundLightness(page);
      await page.context().close();

      for (const [where, lightness] of [
        ['sign-in', loginLightness],
        ['list', listLightness],
        ['deleted view', deletedLightness],
      ] as const) {
        if (scheme === 'dark') assert.ok(lightness < 0.2, `${where}: background lightness ${lightness} in dark mode`);
        else assert.ok(lightness > 0.85, `${where}: background lightness ${lightness} in light mode`);
      }
      const [r] = (text.match(/\d+/g) ?? []).map(Number);
      if (scheme === 'dark') assert.ok(r > 180, `light text on the dark page (${text})`);
      else assert.ok(r < 80, `dark text on the light page (${text})`);
    }
  });
});
