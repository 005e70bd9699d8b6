import { getText, getTextSerializersFromSchema } from '@tiptap/core';
import type { Node as PmNode, Schema } from '@tiptap/pm/model';
import { documentSchema } from '../../../src/editor/document-schema.ts';
import type { JsonNode } from '../api/types.ts';
import type { SaveSnapshot } from './notebook-saver.ts';
import { DocumentReconciler, toEditorDocument } from './preserved-content.ts';

function titleHeading(title: string | null): JsonNode {
  return title
    ? { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: title }] }
    : { type: 'heading', attrs: { level: 1 } };
}

/**
 * The editor's starting document for a stored notebook: unknown nodes and marks as stand-ins,
 * and a title heading first (an empty one for a new notebook, the stored title when the content
 * does not start with a heading), as PostHog's editor always has.
 */
export function editorDocumentFor(content: JsonNode | null, title: string | null): JsonNode {
  const blocks = content && content.type === 'doc' && Array.isArray(content.content) ? content.content : [];
  if (!content || blocks.length === 0) return { type: 'doc', content: [titleHeading(title)] };
  const converted = toEditorDocument(content, documentSchema());
  const first = converted.content?.[0];
  if (first?.type !== 'heading') converted.content = [titleHeading(title), ...(converted.content ?? [])];
  return converted;
}

/** Why the editor's schema cannot read the document (then the page stays read-only), or null. */
export function loadableDocument(schema: Schema, json: JsonNode): string | null {
  try {
    schema.nodeFromJSON(json);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The title a notebook's content gives it: the first node's text when it is a heading. */
export function titleOf(doc: PmNode): string | null {
  const first = doc.firstChild;
  return first && first.type.name === 'heading' ? first.textContent : null;
}

/** The same, for a document in editor JSON (before the editor exists). */
export function titleOfJson(doc: JsonNode): string | null {
  const first = doc.content?.[0];
  if (first?.type !== 'heading') return null;
  const texts: string[] = [];
  const walk = (node: JsonNode) => {
    if (typeof node.text === 'string') texts.push(node.text);
    for (const child of node.content ?? []) walk(child);
  };
  walk(first);
  return texts.join('');
}

/** Reads what a save sends from the editor's document, reusing stored JSON for what is unchanged. */
export class NotebookDocument {
  readonly #schema: Schema;
  readonly #reconciler: DocumentReconciler;
  #serializers: ReturnType<typeof getTextSerializersFromSchema>;

  constructor(schema: Schema, stored: JsonNode | null) {
    this.#schema = schema;
    this.#serializers = getTextSerializersFromSchema(schema);
    this.#reconciler = this.#reconcilerFor(stored);
  }

  snapshot(doc: PmNode): SaveSnapshot {
    return {
      content: this.#reconciler.toStored(doc.toJSON() as JsonNode),
      text_content: getText(doc, { blockSeparator: '\n', textSerializers: this.#serializers }),
      title: titleOf(doc),
    };
  }

  #reconcilerFor(stored: JsonNode | null): DocumentReconciler {
    const schema = this.#schema;
    return new DocumentReconciler(stored, documentSchema(), (node) => {
      try {
        return schema.nodeFromJSON(node).toJSON() as JsonNode;
      } catch {
        return undefined;
      }
    });
  }
}
