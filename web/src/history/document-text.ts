import { getText, getTextSerializersFromSchema } from '@tiptap/core';
import type { JsonNode } from '../api/types.ts';
import { previewDocument, previewSchema } from './preview-extensions.ts';

/** What a restore sends beside the content, computed as the editor computes it on save. */
export interface RestoredFields {
  text_content: string;
  title: string | null;
}

/**
 * The plain text and title of a document as the editor saves them: ProseMirror's text with one
 * line per block, and the first node's text when it is a heading. A document the schema cannot
 * read gets the same from its JSON.
 */
export function restoredFields(content: JsonNode): RestoredFields {
  const loadable = previewDocument(content);
  if (!loadable) return { text_content: jsonText(content), title: jsonTitle(content) };
  const schema = previewSchema();
  const doc = schema.nodeFromJSON(loadable);
  const first = doc.firstChild;
  return {
    text_content: getText(doc, { blockSeparator: '\n', textSerializers: getTextSerializersFromSchema(schema) }),
    title: first?.type.name === 'heading' && first.textContent !== '' ? first.textContent : null,
  };
}

function inlineText(node: JsonNode): string {
  if (typeof node.text === 'string') return node.text;
  if (node.type === 'hardBreak') return '\n';
  return (node.content ?? []).map(inlineText).join('');
}

function jsonText(doc: JsonNode): string {
  const blocks: string[] = [];
  const walk = (node: JsonNode) => {
    const children = node.content ?? [];
    if (children.some((child) => typeof child.text === 'string') || children.length === 0) {
      blocks.push(inlineText(node));
      return;
    }
    for (const child of children) walk(child);
  };
  for (const child of doc.content ?? []) walk(child);
  return blocks.join('\n');
}

function jsonTitle(doc: JsonNode): string | null {
  const first = doc.content?.[0];
  if (first?.type !== 'heading') return null;
  const text = inlineText(first);
  return text === '' ? null : text;
}
