import { type Editor, Extension } from '@tiptap/core';
import { Plugin, PluginKey } from '@tiptap/pm/state';

/** A block the `/` menu inserts. */
export interface SlashItem {
  title: string;
  hint: string;
  keywords: string;
  /** Runs with the typed `/query` already removed. `requestUrl` asks the person for an address. */
  run(editor: Editor, requestUrl: (kind: 'image') => void): void;
}

export const SLASH_ITEMS: SlashItem[] = [
  {
    title: 'Heading 1',
    hint: 'Big section heading',
    keywords: 'h1 title',
    run: (e) => e.chain().focus().setHeading({ level: 1 }).run(),
  },
  {
    title: 'Heading 2',
    hint: 'Medium section heading',
    keywords: 'h2 subtitle',
    run: (e) => e.chain().focus().setHeading({ level: 2 }).run(),
  },
  {
    title: 'Heading 3',
    hint: 'Small section heading',
    keywords: 'h3',
    run: (e) => e.chain().focus().setHeading({ level: 3 }).run(),
  },
  {
    title: 'Bullet list',
    hint: 'A simple list',
    keywords: 'ul unordered',
    run: (e) => e.chain().focus().toggleBulletList().run(),
  },
  {
    title: 'Numbered list',
    hint: 'A list with numbers',
    keywords: 'ol ordered',
    run: (e) => e.chain().focus().toggleOrderedList().run(),
  },
  {
    title: 'Task list',
    hint: 'Track tasks with checkboxes',
    keywords: 'todo checkbox',
    run: (e) => e.chain().focus().toggleTaskList().run(),
  },
  {
    title: 'Quote',
    hint: 'Capture a quotation',
    keywords: 'blockquote',
    run: (e) => e.chain().focus().toggleBlockquote().run(),
  },
  {
    title: 'Code block',
    hint: 'Code with monospace text',
    keywords: 'pre snippet',
    run: (e) => e.chain().focus().toggleCodeBlock().run(),
  },
  {
    title: 'Divider',
    hint: 'A horizontal rule',
    keywords: 'hr rule separator line',
    run: (e) => e.chain().focus().setHorizontalRule().run(),
  },
  {
    title: 'Table',
    hint: 'A 3 × 3 table',
    keywords: 'grid',
    run: (e) => e.chain().focus().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run(),
  },
  {
    title: 'Image',
    hint: 'An image from an address',
    keywords: 'picture img url',
    run: (_e, requestUrl) => requestUrl('image'),
  },
];

/** The items matching what was typed after `/`. */
export function matchingItems(query: string): SlashItem[] {
  const wanted = query.trim().toLowerCase();
  if (wanted === '') return SLASH_ITEMS;
  return SLASH_ITEMS.filter((item) => `${item.title} ${item.keywords}`.toLowerCase().includes(wanted));
}

export interface SlashState {
  active: boolean;
  /** Where the `/` is. */
  from: number;
  /** The cursor (the end of the typed query). */
  to: number;
  query: string;
  index: number;
  /** A `/` the person dismissed with Escape: the menu stays closed for it. */
  dismissedAt: number | null;
}

export const slashMenuKey = new PluginKey<SlashState>('slashMenu');

/** The listbox's id, and its options', for aria-controls and aria-activedescendant. */
export const SLASH_MENU_ID = 'slash-menu';
export const slashOptionId = (index: number): string => `slash-item-${index}`;

const CLOSED: SlashState = { active: false, from: 0, to: 0, query: '', index: 0, dismissedAt: null };

type SlashMeta = { type: 'move'; delta: number } | { type: 'dismiss' } | { type: 'choose' };

export interface SlashMenuOptions {
  /** Called with the chosen item (Enter); the React menu runs it. */
  onChoose: (item: SlashItem, state: SlashState) => void;
}

/**
 * The `/` menu's state: open while the text before the cursor is `/query` at the start of a
 * block or after a space. Arrow keys move, Enter chooses, Escape closes; the list itself is
 * drawn by SlashMenu.tsx.
 */
export const SlashMenu = Extension.create<SlashMenuOptions>({
  name: 'slashMenu',
  addOptions: () => ({ onChoose: () => undefined }),
  addProseMirrorPlugins() {
    const options = this.options;
    return [
      new Plugin<SlashState>({
        key: slashMenuKey,
        state: {
          init: () => CLOSED,
          apply(tr, previous, _old, state) {
            const meta = tr.getMeta(slashMenuKey) as SlashMeta | undefined;
            let dismissedAt = previous.dismissedAt === null ? null : tr.mapping.map(previous.dismissedAt);
            if (meta?.type === 'dismiss' && previous.active) dismissedAt = previous.from;
            const { selection } = state;
            if (!selection.empty || !selection.$from.parent.isTextblock || selection.$from.parent.type.spec.code) {
              return { ...CLOSED, dismissedAt };
            }
            const $from = selection.$from;
            const before = $from.parent.textBetween(0, $from.parentOffset, undefined, '\ufffc');
            const match = /(?:^|\s)\/([\p{L}\p{N} ]{0,24})$/u.exec(before);
            if (!match || match[1]?.startsWith(' ')) return { ...CLOSED, dismissedAt };
            const query = match[1] ?? '';
            const from = $from.pos - query.length - 1;
            if (dismissedAt === from) return { ...CLOSED, dismissedAt };
            const count = matchingItems(query).length;
            let index = previous.active && previous.from === from && previous.query === query ? previous.index : 0;
            if (meta?.type === 'move' && count > 0) index = (index + meta.delta + count) % count;
            return { active: count > 0, from, to: $from.pos, query, index, dismissedAt };
          },
        },
        props: {
          // Screen readers follow the highlighted option while the caret stays in the text.
          attributes(state): Record<string, string> {
            const slash = slashMenuKey.getState(state);
            if (!slash?.active) return {};
            return { 'aria-controls': SLASH_MENU_ID, 'aria-activedescendant': slashOptionId(slash.index) };
          },
          handleKeyDown(view, event) {
            const state = slashMenuKey.getState(view.state);
            if (!state?.active) return false;
            if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
              view.dispatch(
                view.state.tr.setMeta(slashMenuKey, { type: 'move', delta: event.key === 'ArrowDown' ? 1 : -1 }),
              );
              return true;
            }
            if (event.key === 'Escape') {
              view.dispatch(view.state.tr.setMeta(slashMenuKey, { type: 'dismiss' }));
              return true;
            }
            if (event.key === 'Enter' || event.key === 'Tab') {
              const item = matchingItems(state.query)[state.index];
              if (!item) return false;
              options.onChoose(item, state);
              return true;
            }
            return false;
          },
        },
      }),
    ];
  },
});

/** Removes the typed `/query` and runs the item. */
export function runSlashItem(
  editor: Editor,
  item: SlashItem,
  state: SlashState,
  requestUrl: (kind: 'image') => void,
): void {
  editor.chain().focus().deleteRange({ from: state.from, to: state.to }).run();
  item.run(editor, requestUrl);
}
