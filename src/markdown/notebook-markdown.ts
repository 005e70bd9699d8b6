/**
 * Notebook content ⇄ Markdown (CommonMark with GFM tables, strikethrough and task lists).
 *
 * Markdown is read with markdown-it into the node and mark names of `documentSchema()` (through
 * prosemirror-markdown's token mapping) and written by `markdown-writer.ts`, which escapes text
 * so that it reads back as the same characters. Underline is `<u>…</u>`; an empty paragraph is
 * a line holding only `<br>`; a hard break ending a block, heading or table cell is `<br>`.
 *
 * Whatever Markdown has no form for — PostHog's `ph-*` nodes, node and mark types the schema does
 * not know, known ones with attributes or values it cannot carry, tables GFM cannot draw — is
 * written in the preserved form: an HTML element whose `data-notebook-node` attribute holds the
 * node's JSON, `<div …>label</div>` alone on a line for a block and `<span …>label</span>` inside
 * text for an inline node (a text node with an unknown mark is kept as such a span). A Markdown
 * viewer shows only the label; reading the Markdown back restores the JSON exactly.
 */
import type { JsonObject, JsonValue } from '../json/json-value.ts';
import { documentFromNotebook } from './document-from-notebook.ts';
import { assertJsonDepth } from './markdown-errors.ts';
import { readMarkdown } from './markdown-reader.ts';
import { writeMarkdown } from './markdown-writer.ts';
import { notebookContent, notebookText, notebookTitle } from './notebook-from-document.ts';
import { preservedBlockMarkdown } from './preserved-form.ts';

export { MarkdownTooComplex } from './markdown-errors.ts';

export type MarkdownNotebook = {
  /** The TipTap document, `{"type":"doc","content":[…]}`. */
  content: JsonObject;
  /** The first heading's text, else the first non-empty line; null for an empty document. */
  title: string | null;
  /** The plain text, as the editor's `getText()` computes it. */
  textContent: string;
};

function isDocument(content: JsonValue): content is JsonObject {
  return typeof content === 'object' && content !== null && !Array.isArray(content) && content.type === 'doc';
}

/**
 * The notebook's content as Markdown, ending in a line feed; "" for no content. Content that is
 * not a document at all is written whole in the preserved form. Throws `MarkdownTooComplex` for
 * content nested deeper than `MAX_JSON_DEPTH`.
 */
export function notebookToMarkdown(content: JsonValue | null): string {
  if (content === null) return '';
  if (!isDocument(content)) {
    assertJsonDepth(content);
    return `${preservedBlockMarkdown(content)}\n`;
  }
  const markdown = writeMarkdown(documentFromNotebook(content));
  return markdown === '' ? '' : `${markdown}\n`;
}

/** A notebook from Markdown. Throws `MarkdownTooComplex` when the Markdown nests too deeply. */
export function markdownToNotebook(markdown: string): MarkdownNotebook {
  const doc = readMarkdown(markdown);
  const textContent = notebookText(doc);
  return { content: notebookContent(doc), title: notebookTitle(doc, textContent), textContent };
}
