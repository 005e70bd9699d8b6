import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import type { TestEnv, TestUser } from '../support/harness.ts';
import { type BrowserEnv, signInPage } from './browser.ts';

export interface SeededNotebook {
  id: string;
  short_id: string;
  title: string | null;
}

const heading = (text: string) => ({ type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text }] });
const paragraph = (text: string) => ({ type: 'paragraph', content: [{ type: 'text', text }] });

/** A notebook made through the API with the user's key (so the user is its creator). */
export async function seedNotebook(
  env: TestEnv,
  options: { title: string; text?: string; extraNodes?: unknown[]; key?: string; projectId?: number },
): Promise<SeededNotebook> {
  const text = options.text ?? `Notes for ${options.title}`;
  const response = await env.request({
    method: 'POST',
    url: env.url('', options.projectId),
    key: options.key,
    payload: {
      title: options.title,
      text_content: `${options.title}\n${text}`,
      content: { type: 'doc', content: [heading(options.title), paragraph(text), ...(options.extraNodes ?? [])] },
    },
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json() as SeededNotebook;
}

/**
 * Moves a notebook's creation and last change into the past (the API always stamps "now"), so a
 * screenshot shows a list as weeks of use leave it.
 */
export async function backdate(env: TestEnv, id: string, times: { createdAgoMs: number; modifiedAgoMs: number }) {
  const now = Date.now();
  await sql`update notebooks set created_at = ${new Date(now - times.createdAgoMs).toISOString()},
    last_modified_at = ${new Date(now - times.modifiedAgoMs).toISOString()} where id = ${id}`.execute(env.db.kysely);
}

/** A new context with these options (dark, a width), signed in as the user through the sign-in page. */
export async function signInWith(
  get: () => BrowserEnv,
  user: TestUser & { password: string },
  path: string,
  options: Parameters<BrowserEnv['newContext']>[0] = {},
): Promise<Page> {
  return signInPage(await get().newContext(options), user, path);
}

/** The titles of the list's rows, top to bottom. */
export async function rowTitles(page: Page): Promise<string[]> {
  return page.getByRole('table').getByRole('rowheader').allInnerTexts();
}

/** Waits until the rows' titles satisfy the check (a new order or filter has arrived). */
export async function waitForTitles(page: Page, check: (titles: string[]) => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let titles = await rowTitles(page);
  while (!check(titles)) {
    if (Date.now() > deadline) throw new Error(`the list never showed the expected titles; last: ${titles.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    titles = await rowTitles(page);
  }
}
