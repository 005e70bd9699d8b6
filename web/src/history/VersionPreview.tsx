import { getSchema } from '@tiptap/core';
import { EditorContent, useEditor } from '@tiptap/react';
import { useMemo } from 'react';
import type { JsonNode } from '../api/types.ts';
import { displayableDocument } from './document-text.ts';
import { previewExtensions } from './preview-extensions.ts';

/** A past version of a notebook, rendered by TipTap with the document's extensions, read-only. */
export function VersionPreview({ content, label }: { content: JsonNode; label: string }) {
  const extensions = useMemo(() => previewExtensions(), []);
  const shown = useMemo(() => displayableDocument(content, getSchema(extensions)), [content, extensions]);
  const editor = useEditor(
    {
      extensions,
      content: shown.doc,
      editable: false,
      // The CSP allows no <style> elements; the preview's styles are in history.css.
      injectCSS: false,
      immediatelyRender: true,
      editorProps: { attributes: { class: 'version-document', 'aria-label': label, 'aria-readonly': 'true' } },
    },
    [shown],
  );
  return (
    <>
      {shown.placeholders.length > 0 && (
        <p className="version-note">
          {shown.placeholders.length === 1
            ? `One block (${shown.placeholders[0]}) is shown by its name only; restoring keeps it whole.`
            : `${shown.placeholders.length} blocks (${[...new Set(shown.placeholders)].join(', ')}) are shown by their names only; restoring keeps them whole.`}
        </p>
      )}
      <EditorContent editor={editor} />
    </>
  );
}
