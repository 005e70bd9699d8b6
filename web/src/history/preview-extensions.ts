import { type AnyExtension, getSchema } from '@tiptap/core';
import type { Schema } from '@tiptap/pm/model';
import { documentExtensions, documentSchema } from '../../../src/editor/document-schema.ts';
import type { JsonNode } from '../api/types.ts';
import { toEditorDocument } from '../editor/preserved-content.ts';
import { PreservedBlock, PreservedInline, PreservedMark } from '../editor/preserved-nodes.ts';

/**
 * The extensions a past version is shown with, read-only: the document's own, and the editor's
 * stand-ins for PostHog's nodes and anything else it does not know (shown as the editor's cards).
 */
export function previewExtensions(projectId?: string): AnyExtension[] {
  return [
    ...documentExtensions(),
    PreservedBlock.configure({ projectId }),
    PreservedInline.configure({ projectId }),
    PreservedMark,
  ];
}

let schema: Schema | undefined;

/** The preview's ProseMirror schema (built once). */
export function previewSchema(): Schema {
  schema ??= getSchema(previewExtensions());
  return schema;
}

/**
 * A stored document as the preview loads it (unknown nodes and marks as stand-ins, as the editor
 * loads them), or null when even so the schema cannot read it.
 */
export function previewDocument(content: JsonNode): JsonNode | null {
  const doc = toEditorDocument(content, documentSchema());
  try {
    previewSchema().nodeFromJSON(doc).check();
    return doc;
  } catch {
    return null;
  }
}
