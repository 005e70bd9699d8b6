import type { AnyExtension } from '@tiptap/core';
import { documentExtensions } from '../../../src/editor/document-schema.ts';

/**
 * The extensions a past version is shown with, read-only: the document's own. The one place to
 * add node views (PostHog's ph-* nodes) so that history shows them as the editor does.
 */
export function previewExtensions(): AnyExtension[] {
  return documentExtensions();
}
