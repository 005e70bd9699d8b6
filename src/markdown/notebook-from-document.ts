import { getText, getTextSerializersFromSchema } from '@tiptap/core';
import type { Node } from '@tiptap/pm/model';
import type { JsonObject, JsonValue } from '../json/json-value.ts';
import { PRESERVED_BLOCK, PRESERVED_INLINE } from './markdown-schema.ts';

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The document's JSON as ProseMirror writes it, each preserved stand-in replaced by its original JSON. */
export function notebookContent(doc: Node): JsonObject {
  return nodeJson(doc) as JsonObject;
}

/**
 * `Node.toJSON()`, key for key (`type`, `attrs`, `content`, `marks`, then a text node's `text`),
 * in one pass that also swaps the stand-ins back. ProseMirror's attribute objects have no
 * prototype; they are copied into plain objects so that callers get ordinary JSON values.
 */
function nodeJson(node: Node): JsonValue {
  if (node.type.name === PRESERVED_BLOCK || node.type.name === PRESERVED_INLINE) return node.attrs.value as JsonValue;
  const json: JsonObject = { type: node.type.name };
  for (const _key in node.attrs) {
    json.attrs = { ...node.attrs } as JsonObject;
    break;
  }
  if (node.content.size > 0) {
    json.content = node.content.content.map(nodeJson);
  }
  if (node.marks.length > 0) {
    json.marks = node.marks.map((mark) => {
      const markJson: JsonObject = { type: mark.type.name };
      for (const _key in mark.attrs) {
        markJson.attrs = { ...mark.attrs } as JsonObject;
        break;
      }
      return markJson;
    });
  }
  if (node.isText) json.text = node.text ?? '';
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
