import { getText, getTextSerializersFromSchema } from '@tiptap/core';
import type { Node } from '@tiptap/pm/model';
import type { JsonObject, JsonValue } from '../notebooks/content.ts';
import { PRESERVED_BLOCK, PRESERVED_INLINE } from './markdown-schema.ts';

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The document's JSON as ProseMirror writes it, each preserved stand-in replaced by its original JSON. */
export function notebookContent(doc: Node): JsonObject {
  return restorePreserved(doc.toJSON() as JsonObject) as JsonObject;
}

function restorePreserved(json: JsonObject): JsonValue {
  if (json.type === PRESERVED_BLOCK || json.type === PRESERVED_INLINE) {
    return isObject(json.attrs) && Object.hasOwn(json.attrs, 'value') ? json.attrs.value : null;
  }
  if (Array.isArray(json.content)) {
    json.content = json.content.map((child) => (isObject(child) ? restorePreserved(child) : child));
  }
  return json;
}

/**
 * The plain text as the editor's `editor.getText()` gives it. A preserved text node (one carrying
 * a mark the schema does not know) counts with its text; other preserved nodes have none.
 */
export function notebookText(doc: Node): string {
  const textSerializers = {
    ...getTextSerializersFromSchema(doc.type.schema),
    [PRESERVED_INLINE]: ({ node }: { node: Node }) => {
      const value = node.attrs.value as JsonValue;
      return isObject(value) && value.type === 'text' && typeof value.text === 'string' ? value.text : '';
    },
  };
  return getText(doc, { blockSeparator: '\n\n', textSerializers });
}

/** The first heading's text, else the first non-empty line of the text; null for an empty document. */
export function notebookTitle(doc: Node, text: string): string | null {
  let title: string | null = null;
  doc.descendants((node) => {
    if (title !== null) return false;
    if (node.type.name !== 'heading') return true;
    const headingText = notebookText(node).replace(/\s+/g, ' ').trim();
    if (headingText !== '') title = headingText;
    return false;
  });
  if (title !== null) return title;
  const line = text.split('\n').find((candidate) => candidate.trim() !== '');
  return line === undefined ? null : line.trim();
}
