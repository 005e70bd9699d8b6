import { type AnyExtension, getSchema } from '@tiptap/core';
import Image from '@tiptap/extension-image';
import { TaskItem, TaskList } from '@tiptap/extension-list';
import { TableKit } from '@tiptap/extension-table';
import type { Schema } from '@tiptap/pm/model';
import StarterKit from '@tiptap/starter-kit';

/** URL schemes a link or an image may carry; anything else is dropped when read or pasted. */
export const ALLOWED_URL_SCHEMES = ['http', 'https', 'mailto'] as const;

/**
 * Whether a link or image URL is one the document keeps: http(s), mailto, or relative. The
 * scheme is read as a browser reads an href (the URL standard): tabs and newlines anywhere, and
 * control characters and spaces in front, are ignored, so `java\nscript:` is `javascript:`.
 */
export function isAllowedUrl(url: string): boolean {
  const asRead = url.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+/, '');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(asRead)?.[1]?.toLowerCase();
  return scheme === undefined || (ALLOWED_URL_SCHEMES as readonly string[]).includes(scheme);
}

/**
 * The TipTap extensions that define a notebook document's node and mark names: the web editor
 * is built from them, and Markdown is read into and written from the same names. They hold no
 * DOM code, so the server can build the schema too.
 */
export function documentExtensions(): AnyExtension[] {
  return [
    StarterKit.configure({
      link: {
        openOnClick: false,
        autolink: true,
        protocols: ['mailto'],
        isAllowedUri: (url) => isAllowedUrl(url),
      },
    }),
    Image.configure({ inline: false, allowBase64: false }),
    TaskList,
    TaskItem.configure({ nested: true }),
    TableKit,
  ];
}

let schema: Schema | undefined;

/** The ProseMirror schema of a notebook document (built once). */
export function documentSchema(): Schema {
  schema ??= getSchema(documentExtensions());
  return schema;
}
