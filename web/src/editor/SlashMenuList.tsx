import type { Editor } from '@tiptap/core';
import { useEditorState } from '@tiptap/react';
import { matchingItems, runSlashItem, SLASH_MENU_ID, slashMenuKey, slashOptionId } from './slash-menu.ts';

interface SlashMenuListProps {
  editor: Editor;
  requestUrl: (kind: 'image') => void;
}

/** The `/` menu: a listbox under the typed slash, driven by the keyboard from the editor. */
export function SlashMenuList({ editor, requestUrl }: SlashMenuListProps) {
  const state = useEditorState({
    editor,
    selector: ({ editor: e }) => {
      const slash = slashMenuKey.getState(e.state);
      return slash?.active ? slash : null;
    },
  });
  if (!state) return null;
  const items = matchingItems(state.query);
  let coords: { left: number; bottom: number };
  try {
    coords = editor.view.coordsAtPos(state.from);
  } catch {
    return null;
  }
  const left = Math.max(8, Math.min(coords.left, window.innerWidth - 268));
  const activeId = slashOptionId(state.index);
  return (
    <div
      id={SLASH_MENU_ID}
      className="slash-menu"
      role="listbox"
      aria-label="Insert block"
      aria-activedescendant={activeId}
      tabIndex={-1}
      style={{ top: coords.bottom + 6, left }}
    >
      {items.map((item, index) => (
        <div
          key={item.title}
          id={slashOptionId(index)}
          role="option"
          aria-selected={index === state.index}
          tabIndex={-1}
          className="slash-item"
          onMouseDown={(event) => {
            event.preventDefault();
            runSlashItem(editor, item, state, requestUrl);
          }}
        >
          <span className="slash-item-title">{item.title}</span>
          <span className="slash-item-hint">{item.hint}</span>
        </div>
      ))}
    </div>
  );
}
