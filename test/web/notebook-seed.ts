import type { Page } from 'playwright-core';
import type { TestEnv } from '../support/harness.ts';

/** JSON as the API stores it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface StoredNotebook {
  short_id: string;
  title: string | null;
  content: Json;
  text_content: string | null;
  version: number;
  deleted: boolean;
}

/** Creates a notebook through the API as the organization's owner. */
export async function seedNotebook(env: TestEnv, body: Record<string, unknown>): Promise<StoredNotebook> {
  const response = await env.request({ method: 'POST', url: env.url(), payload: body });
  if (response.statusCode !== 201) throw new Error(`seeding a notebook: ${response.statusCode} ${response.body}`);
  return response.json() as StoredNotebook;
}

/** The notebook as stored now (the API's answer, key order as sent). */
export async function storedNotebook(env: TestEnv, shortId: string): Promise<StoredNotebook> {
  const response = await env.request({ method: 'GET', url: env.url(`${shortId}/`) });
  if (response.statusCode !== 200) throw new Error(`reading a notebook: ${response.statusCode} ${response.body}`);
  return JSON.parse(response.body) as StoredNotebook;
}

/** The notebook's page, once the editor shows its content. */
export async function openNotebook(page: Page, env: TestEnv, shortId: string): Promise<void> {
  await page.goto(`/project/${env.project.id}/notebooks/${shortId}`);
  await editorOf(page).waitFor();
}

export function editorOf(page: Page) {
  return page.getByRole('textbox', { name: 'Notebook content' });
}

/** Waits until the header says every edit is stored. */
export async function waitSaved(page: Page): Promise<void> {
  await page
    .getByRole('status')
    .filter({ hasText: /^✓?\s*Saved$/ })
    .waitFor();
}

/** Polls the API until the stored notebook satisfies `done` (autosave is asynchronous). */
export async function waitStored(
  env: TestEnv,
  shortId: string,
  done: (notebook: StoredNotebook) => boolean,
  timeoutMs = 10_000,
): Promise<StoredNotebook> {
  const deadline = Date.now() + timeoutMs;
  let last = await storedNotebook(env, shortId);
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`the notebook was not stored as expected: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await storedNotebook(env, shortId);
  }
  return last;
}
