import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/** The page does not scroll sideways: nothing is wider than the viewport. */
export async function assertNoHorizontalScroll(page: Page): Promise<void> {
  // A string: the test code is type-checked without the DOM's types.
  const [scrollWidth, clientWidth] = (await page.evaluate(
    '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
  )) as [number, number];
  assert.ok(scrollWidth <= clientWidth, `the page is ${scrollWidth}px wide in a ${clientWidth}px viewport`);
}

const INTERACTIVE_ROLES = new Set([
  'button',
  'link',
  'textbox',
  'combobox',
  'checkbox',
  'radio',
  'searchbox',
  'switch',
  'menuitem',
  'tab',
  'slider',
  'spinbutton',
  'listbox',
]);

interface AxNode {
  ignored?: boolean;
  role?: { value?: string };
  name?: { value?: string };
}

/** Every control in Chromium's accessibility tree has a name a screen reader (or a test) can use. */
export async function assertControlsAreLabelled(page: Page): Promise<void> {
  const session = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await session.send('Accessibility.getFullAXTree')) as { nodes: AxNode[] };
    const unnamed = nodes
      .filter((node) => !node.ignored && INTERACTIVE_ROLES.has(node.role?.value ?? ''))
      .filter((node) => (node.name?.value ?? '').trim() === '')
      .map((node) => node.role?.value);
    assert.deepEqual(unnamed, [], 'controls without an accessible name');
  } finally {
    await session.detach();
  }
}
