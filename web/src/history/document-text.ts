import type { Schema } from '@tiptap/pm/model';
import type { JsonNode } from '../api/types.ts';

const BLOCK_SEPARATOR = '\n\n';

function inlineText(node: JsonNode): string {
  if (typeof node.text === 'string') return node.text;
  if (node.type === 'hardBreak') return '\n';
  return (node.content ?? []).map(inlineText).join('');
}

/** Whether a node holds inline content (text) rather than other blocks. */
function holdsText(node: JsonNode): boolean {
  return (node.content ?? []).some((child) => typeof child.text === 'string' || child.type === 'hardBreak');
}

/**
 * A document's plain text, as the editor gives it for `text_content`: each text block's text,
 * blocks separated by a blank line.
 */
export function documentText(doc: JsonNode): string {
  const blocks: string[] = [];
  const walk = (node: JsonNode) => {
    if (holdsText(node) || node.type === 'paragraph' || node.type === 'heading') {
      blocks.push(inlineText(node));
      return;
    }
    for (const child of node.content ?? []) walk(child);
  };
  for (const child of doc.content ?? []) walk(child);
  return blocks.join(BLOCK_SEPARATOR);
}

/** The title a document gives its notebook: its first node's text when that is a heading. */
export function documentTitle(doc: JsonNode): string | null {
  const first = doc.content?.[0];
  if (first?.type !== 'heading') return null;
  const text = inlineText(first).trim();
  return text === '' ? null : text;
}

export interface DisplayableDocument {
  doc: JsonNode;
  /** Node types the preview does not know, shown as their name instead (kept whole on restore). */
  placeholders: string[];
}

/**
 * A copy of the document the preview's schema can show: a node type it does not know becomes a
 * labelled placeholder, an unknown mark is left off. Only for display; a restore sends the
 * original document untouched.
 */
export function displayableDocument(doc: JsonNode, schema: Schema): DisplayableDocument {
  const placeholders: string[] = [];
  const known = (type: string) => Object.hasOwn(schema.nodes, type);
  const convert = (node: JsonNode, inline: boolean): JsonNode => {
    if (!known(node.type)) {
      placeholders.push(node.type);
      const label = { type: 'text', text: node.type, marks: [{ type: 'code' }] };
      return inline ? label : { type: 'paragraph', content: [label] };
    }
    const copy: JsonNode = { ...node };
    if (node.marks) copy.marks = node.marks.filter((mark) => Object.hasOwn(schema.marks, mark.type));
    if (node.content) {
      const childrenInline = schema.nodes[node.type].inlineContent;
      copy.content = node.content.map((child) => convert(child, childrenInline));
    }
    return copy;
  };
  const converted = convert(doc, false);
  try {
    schema.nodeFromJSON(converted).check();
    return { doc: converted, placeholders };
  } catch {
    return {
      doc: {
        type: 'doc',
        content: [{ type: 'paragraph', content: [{ type: 'text', text: 'This version cannot be shown here.' }] }],
      },
      placeholders,
    };
  }
}
