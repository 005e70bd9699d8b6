import { EditorContent, useEditor } from '@tiptap/react';
import { useMemo } from 'react';
import type { JsonNode } from '../api/types.ts';
import { previewDocument, previewExtensions } from './preview-extensions.ts';
import '../editor/editor.css';

/** A past version of a notebook, rendered by TipTap with the document's extensions, read-only. */
export function VersionPreview({ content, label, projectId }: { content: JsonNode; label: string; projectId: string }) {
  const extensions = useMemo(() => previewExtensions(projectId), [projectId]);
  const doc = useMemo(() => previewDocument(content), [content]);
  const editor = useEditor(
    {
      extensions,
      content: doc ?? undefined,
      editable: false,
      // The CSP allows no <style> elements: the editor's own stylesheet styles the preview.
      injectCSS: false,
      immediatelyRender: true,
      editorProps: {
        attributes: { class: 'notebook-prose version-document', 'aria-label': label, 'aria-readonly': 'true' },
      },
    },
    [doc, extensions],
  );
  if (!doc) {
    return <p className="version-note">This version cannot be shown here. Restoring it still brings it back whole.</p>;
  }
  return <EditorContent editor={editor} />;
}
