import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { WEB_DIST } from '../../src/http/plugins/web-app.ts';
import { browserIt, describeBrowser, screenshotPath } from './browser.ts';
import { assertControlsAreLabelled, assertNoHorizontalScroll } from './layout-checks.ts';
import { editorOf, type Json, openNotebook, seedNotebook, waitSaved, waitStored } from './notebook-seed.ts';

/** Console errors that report a Content-Security-Policy violation, and uncaught page errors. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      problems.push(message.text());
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return problems;
}

const text = (value: string): Json => ({ type: 'text', text: value });
const paragraph = (value: string): Json => ({ type: 'paragraph', content: [text(value)] });
const heading = (level: number, value: string): Json => ({ type: 'heading', attrs: { level }, content: [text(value)] });

/** The notebook the README's screenshot shows. */
const REALISTIC: Json = {
  type: 'doc',
  content: [
    heading(1, 'Checkout conversion — Q3 review'),
    {
      type: 'paragraph',
      content: [
        text('Conversion from cart to paid dropped '),
        { type: 'text', marks: [{ type: 'bold' }], text: '4.2 points' },
        text(' after the new payment form shipped on '),
        { type: 'text', marks: [{ type: 'code' }], text: '2024-08-12' },
        text('. This notebook collects what we found and what we will change. See the '),
        {
          type: 'text',
          marks: [{ type: 'link', attrs: { href: 'https://posthog.com/docs/product-analytics/funnels' } }],
          text: 'funnel docs',
        },
        text('.'),
      ],
    },
    {
      type: 'ph-query',
      attrs: {
        query: {
          kind: 'InsightVizNode',
          source: { kind: 'FunnelsQuery', series: [{ kind: 'EventsNode', event: '$pageview' }] },
        },
        title: 'Cart → payment → paid, last 30 days',
        height: 420,
      },
    },
    heading(2, 'What we saw in recordings'),
    { type: 'ph-recording', attrs: { id: '0190a8e4-6d6b-7c0f-9c53-7f2b1b6e0a11', noInspector: false } },
    {
      type: 'paragraph',
      content: [
        {
          type: 'ph-replay-timestamp',
          attrs: { playbackTime: 83000, sessionRecordingId: '0190a8e4-6d6b-7c0f-9c53-7f2b1b6e0a11' },
        },
        text(' the card field loses focus when the address autocompletes.'),
      ],
    },
    heading(2, 'Next steps'),
    {
      type: 'taskList',
      content: [
        { type: 'taskItem', attrs: { checked: true }, content: [paragraph('Reproduce on Safari 17')] },
        {
          type: 'taskItem',
          attrs: { checked: false },
          content: [paragraph('Keep focus in the card field after autocomplete')],
        },
        { type: 'taskItem', attrs: { checked: false }, content: [paragraph('Roll out behind the flag below')] },
      ],
    },
    { type: 'ph-feature-flag', attrs: { id: '40' } },
    { type: 'blockquote', content: [paragraph('“I typed my card number twice and gave up.” — support ticket #4312')] },
  ],
};

/** About 20 KB of ordinary notebook JSON: headings, paragraphs, lists, code, a few cards. */
function twentyKilobytes(): Json {
  const content: Json[] = [heading(1, 'A long notebook')];
  let index = 0;
  while (JSON.stringify({ type: 'doc', content }).length < 20_000) {
    index += 1;
    content.push(heading(2, `Section ${index}`));
    content.push(
      paragraph(
        `Paragraph ${index}: the funnel moved after the release, and the recordings show people hesitating at the card field before they leave the page.`,
      ),
    );
    content.push({
      type: 'bulletList',
      content: [1, 2, 3].map((item) => ({
        type: 'listItem',
        content: [paragraph(`Point ${index}.${item} worth keeping`)],
      })),
    });
    if (index % 4 === 0)
      content.push({
        type: 'ph-query',
        attrs: { query: { kind: 'DataTableNode', source: { kind: 'HogQLQuery', query: `select ${index}` } } },
      });
    if (index % 5 === 0)
      content.push({
        type: 'codeBlock',
        attrs: { language: 'sql' },
        content: [text(`select count() from events where n = ${index}`)],
      });
  }
  content.push(paragraph('The end.'));
  return { type: 'doc', content };
}

/**
 * The JavaScript an opened notebook loads beyond the first page: the NotebookPage chunk and the
 * chunks it imports (TipTap is shared with the history page), gzip -9; and their stylesheets.
 */
function editorChunks(): { files: string[]; jsGzip: number; cssGzip: number } {
  const assets = join(WEB_DIST, 'assets');
  const all = readdirSync(assets);
  const entry = all.find((file) => /^NotebookPage-.*\.js$/.test(file));
  assert.ok(entry, 'the editor chunk is built');
  const files: string[] = [];
  const visit = (file: string) => {
    if (files.includes(file) || file.startsWith('index-')) return;
    files.push(file);
    const source = readFileSync(join(assets, file), 'utf8');
    for (const match of source.matchAll(/(?:from|import)\s*"\.\/([\w.-]+\.js)"/g)) if (match[1]) visit(match[1]);
  };
  visit(entry);
  const gzip = (file: string) => gzipSync(readFileSync(join(assets, file)), { level: 9 }).length;
  const stylesheets = all.filter((file) =>
    files.some((js) => file.endsWith('.css') && file.startsWith(`${js.split('-')[0]}-`)),
  );
  return {
    files,
    jsGzip: files.reduce((total, file) => total + gzip(file), 0),
    cssGzip: stylesheets.reduce((total, file) => total + gzip(file), 0),
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))] ?? Number.NaN;

// Latency of each key: from the keydown event's timestamp to the first animation frame after the
// editor has handled it (what the person sees). Long tasks are counted while typing.
const INSTALL_KEY_TIMING = new Function(`
  window.__keyLatencies = [];
  window.__longTasks = 0;
  new PerformanceObserver((list) => { window.__longTasks += list.getEntries().length; }).observe({ type: 'longtask' });
  document.addEventListener('keydown', (event) => {
    const start = event.timeStamp;
    requestAnimationFrame(() => setTimeout(() => window.__keyLatencies.push(performance.now() - start), 0));
  }, true);
`) as () => void;
const READ_KEY_TIMING = new Function(
  'return { latencies: window.__keyLatencies, longTasks: window.__longTasks };',
) as () => {
  latencies: number[];
  longTasks: number;
};

describeBrowser(
  'The editor: safety, speed, looks',
  (get) => {
    browserIt(
      'stored content with javascript: links, <script> text and onerror images runs no script',
      get,
      async () => {
        const { env, createUser, signedIn } = get();
        const notebook = await seedNotebook(env, {
          content: {
            type: 'doc',
            content: [
              heading(1, 'Hostile <img src=x onerror="window.__xss=1">'),
              {
                type: 'paragraph',
                content: [
                  {
                    type: 'text',
                    text: 'click me',
                    marks: [{ type: 'link', attrs: { href: 'javascript:window.__xss=2;alert(2)' } }],
                  },
                  { type: 'text', text: ' and ' },
                  { type: 'text', text: 'me too', marks: [{ type: 'link', attrs: { href: ' JaVaScRiPt:alert(3)' } }] },
                  { type: 'text', text: ' <script>window.__xss=4;alert(4)</script>' },
                  {
                    type: 'text',
                    text: ' and a disguised one',
                    marks: [{ type: 'link', attrs: { href: 'java\nscr\tipt:window.__xss=17' } }],
                  },
                  {
                    type: 'text',
                    text: ' and another',
                    marks: [{ type: 'link', attrs: { href: '\u0001 javascript:window.__xss=18' } }],
                  },
                ],
              },
              { type: 'image', attrs: { src: 'javascript:window.__xss=5', alt: 'bad' } },
              { type: 'image', attrs: { src: 'java\tscript:window.__xss=19', alt: 'disguised' } },
              {
                type: 'image',
                attrs: { src: 'x', alt: '"><img src=x onerror="window.__xss=6">', onerror: 'window.__xss=7' },
              },
              { type: 'image', attrs: { src: 'data:image/svg+xml,<svg onload="window.__xss=8"/>' } },
              {
                type: 'ph-query',
                attrs: {
                  title: '<img src=x onerror="window.__xss=9">',
                  query: { kind: '<script>window.__xss=10</script>' },
                },
              },
              { type: 'x-widget', attrs: { html: '<iframe src="javascript:alert(11)"></iframe>' } },
              {
                type: 'paragraph',
                content: [
                  {
                    type: 'text',
                    text: 'marked',
                    marks: [{ type: 'comment', attrs: { id: '"><script>alert(12)</script>' } }],
                  },
                  { type: 'ph-mention', attrs: { id: '<img src=x onerror=alert(13)>' } },
                ],
              },
            ],
          },
        });
        const page = await signedIn(await createUser(), '/');
        const problems = watchProblems(page);
        const dialogs: string[] = [];
        page.on('dialog', async (dialog) => {
          dialogs.push(dialog.message());
          await dialog.dismiss();
        });
        await openNotebook(page, env, notebook.short_id);
        await editorOf(page).getByText('click me').waitFor();
        await page.waitForTimeout(500);

        // Pasted HTML goes through the same rule.
        await editorOf(page).locator('h1').click();
        await page.keyboard.press('End');
        await page.evaluate(
          new Function(`
          const data = new DataTransfer();
          data.setData('text/html', '<p><a href="javascript:window.__xss=14">pasted link</a><img src="javascript:window.__xss=15" onerror="window.__xss=16"></p>');
          data.setData('text/plain', 'pasted link');
          document.querySelector('.ProseMirror').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
        `) as () => void,
        );
        await editorOf(page).getByText('pasted link').waitFor();
        await page.waitForTimeout(500);
        await page.keyboard.press('Control+s');
        const stored = await waitStored(env, notebook.short_id, (n) =>
          JSON.stringify(n.content).includes('pasted link'),
        );

        await page.waitForTimeout(300);
        const flag = await page.evaluate(new Function('return window.__xss ?? null;') as () => unknown);
        assert.equal(flag, null, 'no payload ran');
        assert.deepEqual(dialogs, []);
        const hrefs = await editorOf(page)
          .getByRole('link')
          .evaluateAll(
            new Function('links', 'return links.map((a) => a.getAttribute("href"));') as (
              links: unknown[],
            ) => Array<string | null>,
          );
        for (const href of hrefs) assert.doesNotMatch(href ?? '', /^\s*javascript:/i);
        // As the browser reads them (a disguised scheme included): only http(s), mailto or relative.
        const protocols = await editorOf(page)
          .locator('a[href]')
          .evaluateAll(new Function('links', 'return links.map((a) => a.protocol);') as (links: unknown[]) => string[]);
        for (const protocol of protocols) assert.ok(['http:', 'https:', 'mailto:'].includes(protocol), protocol);
        const sources = await editorOf(page)
          .locator('img')
          .evaluateAll(
            new Function('images', 'return images.map((img) => img.getAttribute("src"));') as (
              images: unknown[],
            ) => Array<string | null>,
          );
        for (const src of sources) assert.doesNotMatch(src ?? '', /^\s*(javascript|data):/i);
        const handlers = await page.evaluate(
          new Function(
            `return [...document.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => el.tagName + ' ' + a.name));`,
          ) as () => string[],
        );
        assert.deepEqual(handlers, []);
        assert.equal(await page.locator('iframe, script:not([src])').count(), 0);
        // The pasted link and image were dropped; the stored hostile nodes are kept as data, never run.
        assert.doesNotMatch(JSON.stringify(stored.content), /__xss=1[456]/);
        assert.deepEqual(problems, []);
        await page.context().close();
      },
    );

    browserIt(
      'measures: a 20 KB notebook is editable after navigation, and typing keeps up while saves run',
      get,
      async () => {
        const { env, createUser, signedIn } = get();
        const content = twentyKilobytes();
        const notebook = await seedNotebook(env, { title: 'A long notebook', content });
        const bytes = JSON.stringify(content).length;
        const page = await signedIn(await createUser(), '/');
        const problems = watchProblems(page);
        const path = `/project/${env.project.id}/notebooks/${notebook.short_id}`;

        const direct: number[] = [];
        for (let run = 0; run < 5; run += 1) {
          await page.goto(path);
          await page.waitForFunction(() => performance.getEntriesByName('notebook-editable').length > 0);
          direct.push(
            await page.evaluate(() => performance.getEntriesByName('notebook-editable')[0]?.startTime ?? Number.NaN),
          );
        }
        const inApp: number[] = [];
        for (let run = 0; run < 3; run += 1) {
          await page.goto(`/project/${env.project.id}/notebooks`);
          const link = page.getByRole('link', { name: 'A long notebook' }).first();
          await link.waitFor();
          await page.evaluate(() => {
            performance.clearMarks();
            performance.mark('open-notebook');
          });
          await link.click();
          await page.waitForFunction(() => performance.getEntriesByName('notebook-editable').length > 0);
          inApp.push(
            await page.evaluate(
              () =>
                (performance.getEntriesByName('notebook-editable')[0]?.startTime ?? Number.NaN) -
                (performance.getEntriesByName('open-notebook')[0]?.startTime ?? Number.NaN),
            ),
          );
        }
        assert.equal(await editorOf(page).getAttribute('contenteditable'), 'true');

        await page.evaluate(INSTALL_KEY_TIMING);
        await editorOf(page).getByText('The end.').click();
        await page.keyboard.press('End');
        let saves = 0;
        page.on('request', (request) => {
          if (request.method() === 'PATCH') saves += 1;
        });
        for (let burst = 0; burst < 5; burst += 1) {
          await page.keyboard.type(' typing while the notebook saves itself', { delay: 20 });
          await page.keyboard.press('Control+s');
          await page.keyboard.type(' and more', { delay: 20 });
          await page.waitForTimeout(1100);
        }
        await waitSaved(page);
        const { latencies, longTasks } = await page.evaluate(READ_KEY_TIMING);
        const stored = await waitStored(env, notebook.short_id, (n) => n.text_content?.endsWith('and more') === true);
        assert.ok(stored.version >= 5, `saved ${stored.version} times`);

        const { files: chunks, jsGzip: chunkGzip, cssGzip } = editorChunks();
        console.log(
          `editor: ${(bytes / 1024).toFixed(1)} KB notebook editable after a full navigation: median ${median(direct).toFixed(0)} ms (${direct.map((v) => v.toFixed(0)).join(', ')})`,
        );
        console.log(
          `editor: from the list (in-app navigation): median ${median(inApp).toFixed(0)} ms (${inApp.map((v) => v.toFixed(0)).join(', ')})`,
        );
        console.log(
          `editor: ${latencies.length} keystrokes with ${saves} saves: latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms; long tasks while typing: ${longTasks}`,
        );
        console.log(
          `editor: chunks ${chunks.join(' + ')}: ${(chunkGzip / 1024).toFixed(1)} KB gzipped (+ ${(cssGzip / 1024).toFixed(1)} KB CSS) beyond the first page's`,
        );
        assert.deepEqual(problems, []);
        await page.context().close();
      },
    );

    browserIt(
      'looks deliberate: a realistic notebook in light and dark, and at 375 px (screenshot for the README)',
      get,
      async () => {
        const { env, createUser, newContext } = get();
        const user = await createUser({ firstName: 'Dana' });
        const notebook = await seedNotebook(env, { content: REALISTIC });
        const signIn = async (width: number, colorScheme: 'light' | 'dark') => {
          const context = await newContext({ width, height: 1000, colorScheme });
          const page = await context.newPage();
          const problems = watchProblems(page);
          await page.goto(
            `/login?next=${encodeURIComponent(`/project/${env.project.id}/notebooks/${notebook.short_id}`)}`,
          );
          await page.getByLabel('Email').fill(user.email);
          await page.getByLabel('Password').fill(user.password);
          await page.getByRole('button', { name: 'Sign in' }).click();
          await editorOf(page).waitFor();
          return { page, problems };
        };

        const light = await signIn(1280, 'light');
        const card = editorOf(light.page).getByRole('group', { name: 'Query (ph-query)' });
        await card.waitFor();
        // A query saved inline has no page in PostHog; a recording has.
        assert.equal(await card.getByRole('link').count(), 0);
        const recording = editorOf(light.page).getByRole('group', { name: 'Session recording (ph-recording)' });
        assert.equal(
          await recording.getByRole('link', { name: 'Open in PostHog' }).getAttribute('href'),
          `https://us.posthog.com/project/${env.project.id}/replay/0190a8e4-6d6b-7c0f-9c53-7f2b1b6e0a11`,
        );
        await light.page.mouse.move(0, 0);
        await light.page.screenshot({ path: screenshotPath('editor.png') });
        assert.deepEqual(light.problems, []);
        await light.page.context().close();

        const dark = await signIn(1280, 'dark');
        const background = await dark.page.evaluate(
          new Function('return getComputedStyle(document.body).backgroundColor;') as () => string,
        );
        assert.notEqual(background, 'rgb(247, 247, 245)');
        assert.deepEqual(dark.problems, []);
        await dark.page.context().close();

        const phone = await signIn(375, 'light');
        const overflow = await phone.page.evaluate(
          new Function('return document.documentElement.scrollWidth;') as () => number,
        );
        assert.ok(overflow <= 375, `no sideways scrolling at 375 px (${overflow})`);
        await phone.page.getByRole('toolbar', { name: 'Formatting' }).getByRole('button', { name: 'Bold' }).waitFor();
        await phone.page.getByRole('button', { name: 'Delete' }).waitFor();
        await editorOf(phone.page)
          .getByText(/the card field loses focus/)
          .click();
        await phone.page.keyboard.press('End');
        await phone.page.keyboard.type(' Seen on a phone too.');
        await waitStored(env, notebook.short_id, (n) => n.text_content?.includes('Seen on a phone too.') === true);
        await assertControlsAreLabelled(phone.page);
        assert.deepEqual(phone.problems, []);
        await phone.page.context().close();

        const wide = await signIn(1440, 'dark');
        await editorOf(wide.page).getByRole('group', { name: 'Query (ph-query)' }).waitFor();
        await assertNoHorizontalScroll(wide.page);
        await assertControlsAreLabelled(wide.page);
        const editorBox = await editorOf(wide.page).boundingBox();
        assert.ok(editorBox && editorBox.x > 0 && editorBox.x + editorBox.width < 1440, 'the page sits inside 1440 px');
        assert.deepEqual(wide.problems, []);
        await wide.page.context().close();
      },
    );
  },
  { config: { posthogUrl: 'https://us.posthog.com' } },
);
