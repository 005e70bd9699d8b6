import { Schema } from '@tiptap/pm/model';
import { documentSchema } from '../editor/document-schema.ts';

/**
 * Stand-ins for content Markdown has no form for. Between the notebook JSON and Markdown the
 * document lives as a ProseMirror node of `markdownSchema()`; a stand-in holds the original JSON
 * of one node (or text node) in its `value` attribute and is swapped back for it at the end.
 */
export const PRESERVED_BLOCK = 'notebookPreservedBlock';
export const PRESERVED_INLINE = 'notebookPreservedInline';

let schema: Schema | undefined;

/** The document schema plus the two stand-in node types. */
export function markdownSchema(): Schema {
  if (schema !== undefined) return schema;
  const base = documentSchema();
  schema = new Schema({
    topNode: base.spec.topNode,
    nodes: base.spec.nodes.append({
      [PRESERVED_BLOCK]: { group: 'block', atom: true, attrs: { value: {} } },
      [PRESERVED_INLINE]: { group: 'inline', inline: true, atom: true, attrs: { value: {} } },
    }),
    marks: base.spec.marks,
  });
  return schema;
}
