import type { Schema } from '@tiptap/pm/model';
import type { JsonNode } from '../api/types.ts';
import { keepNumberText, plainNumber } from './number-text.ts';

/** The node and mark names that stand in for content this editor does not edit. */
export const PRESERVED_BLOCK = 'preservedBlock';
export const PRESERVED_INLINE = 'preservedInline';
export const PRESERVED_MARK = 'preservedMark';

type JsonMark = NonNullable<JsonNode['marks']>[number];

/**
 * What the editor loads for a stored document: every node or mark type the schema does not
 * know is replaced by a preserved stand-in whose one attribute is the original JSON text, so it
 * comes back byte for byte (attributes, child content, key order).
 */
export function toEditorDocument(json: JsonNode, schema: Schema): JsonNode {
  return convertNode(json, schema, false);
}

function convertNode(node: JsonNode, schema: Schema, inInlineContext: boolean): JsonNode {
  if (node.type !== 'text' && (typeof node.type !== 'string' || !schema.nodes[node.type])) {
    return {
      type: inInlineContext ? PRESERVED_INLINE : PRESERVED_BLOCK,
      attrs: { json: JSON.stringify(node) },
    };
  }
  const converted: JsonNode = { ...node };
  if (node.attrs && typeof node.attrs === 'object') converted.attrs = plainAttrs(node.attrs);
  if (Array.isArray(node.marks)) converted.marks = node.marks.map((mark) => convertMark(mark, schema));
  if (Array.isArray(node.content)) {
    const type = schema.nodes[node.type];
    const inline = type?.inlineContent === true;
    // ProseMirror refuses empty text nodes; they carry nothing, so the editor leaves them out.
    converted.content = node.content
      .filter((child) => !(child?.type === 'text' && child.text === ''))
      .map((child) => convertNode(child, schema, inline));
  }
  return converted;
}

/** The editor's own nodes and marks take plain numbers (a stored 1.0 heading level is 1). */
function plainAttrs(attrs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attrs).map(([name, value]) => [name, plainNumber(value)]));
}

function convertMark(mark: JsonMark, schema: Schema): JsonMark {
  if (schema.marks[mark.type]) return mark.attrs ? { ...mark, attrs: plainAttrs(mark.attrs) } : mark;
  return { type: PRESERVED_MARK, attrs: { json: JSON.stringify(mark) } };
}

/** The stored form of a node the editor produced: stand-ins turned back into their originals. */
export function fromEditorNode(node: JsonNode): JsonNode {
  if (node.type === PRESERVED_BLOCK || node.type === PRESERVED_INLINE) {
    return JSON.parse(String(node.attrs?.json), keepNumberText) as JsonNode;
  }
  const restored: JsonNode = { ...node };
  if (Array.isArray(node.content)) restored.content = node.content.map(fromEditorNode);
  if (Array.isArray(node.marks)) {
    restored.marks = node.marks.map((mark) =>
      mark.type === PRESERVED_MARK ? (JSON.parse(String(mark.attrs?.json), keepNumberText) as JsonMark) : mark,
    );
  }
  return restored;
}

/**
 * Turns the editor's JSON back into the stored document, reusing the stored JSON of every
 * subtree the person did not change. The editor writes nodes in ProseMirror's canonical form
 * (every attribute, its own key order, adjacent text joined); a subtree whose canonical form is
 * unchanged is written exactly as it was read, so an edit touches only what was edited.
 */
export class DocumentReconciler {
  readonly #originals = new Map<string, JsonNode>();

  /**
   * @param original the stored document
   * @param schema the schema whose types are known (anything else is kept as a stand-in)
   * @param canonical the editor's canonical form of a node in editor form, or undefined when the
   *   schema cannot build it on its own
   */
  constructor(original: JsonNode | null, schema: Schema, canonical: (editorNode: JsonNode) => JsonNode | undefined) {
    if (original) this.#index(original, schema, canonical, false);
  }

  #index(
    node: JsonNode,
    schema: Schema,
    canonical: (editorNode: JsonNode) => JsonNode | undefined,
    inInlineContext: boolean,
  ): void {
    const editorForm = convertNode(node, schema, inInlineContext);
    const form = canonical(editorForm);
    if (form) {
      const key = JSON.stringify(form);
      if (!this.#originals.has(key)) this.#originals.set(key, node);
    }
    if (!schema.nodes[node.type] || !Array.isArray(node.content)) return;
    const inline = schema.nodes[node.type]?.inlineContent === true;
    for (const child of node.content) this.#index(child, schema, canonical, inline);
  }

  /** The stored document for the editor's current JSON. */
  toStored(editorJson: JsonNode): JsonNode {
    const original = this.#originals.get(JSON.stringify(editorJson));
    if (original) return original;
    if (editorJson.type === PRESERVED_BLOCK || editorJson.type === PRESERVED_INLINE) return fromEditorNode(editorJson);
    const restored: JsonNode = { ...editorJson };
    if (Array.isArray(editorJson.content)) restored.content = editorJson.content.map((child) => this.toStored(child));
    if (Array.isArray(editorJson.marks))
      restored.marks = fromEditorNode({ type: 'text', marks: editorJson.marks }).marks;
    return restored;
  }
}
