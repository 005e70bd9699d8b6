import { type AnyExtension, Extension, type Node as TiptapNode } from '@tiptap/core';
import { Placeholder } from '@tiptap/extensions';
import { Fragment, type Node as PmNode, Slice } from '@tiptap/pm/model';
import { Plugin } from '@tiptap/pm/state';
import { documentExtensions, isAllowedUrl } from '../../../src/editor/document-schema.ts';
import { PreservedBlock, PreservedInline, PreservedMark } from './preserved-nodes.ts';
import { SlashMenu, type SlashMenuOptions } from './slash-menu.ts';

function allowedImageAttrs(attrs: Record<string, unknown>): Record<string, unknown> {
  const rendered = { ...attrs };
  if (typeof rendered.src !== 'string' || !isAllowedUrl(rendered.src)) delete rendered.src;
  return rendered;
}

/** Drops links and images whose address is not http(s), mailto or relative from pasted content. */
function cleanFragment(fragment: Fragment): Fragment {
  const nodes: PmNode[] = [];
  fragment.forEach((node) => {
    if (node.type.name === 'image' && !isAllowedUrl(String(node.attrs.src ?? ''))) return;
    const marks = node.marks.filter((mark) => mark.type.name !== 'link' || isAllowedUrl(String(mark.attrs.href ?? '')));
    const cleaned = node.isText ? node.mark(marks) : node.copy(cleanFragment(node.content)).mark(marks);
    nodes.push(cleaned);
  });
  return Fragment.fromArray(nodes);
}

/**
 * The notebook's first node is its title, a heading (as in PostHog): a paragraph that becomes the
 * first node (the person emptied the document, or replaced everything) turns into a level-1
 * heading, and anything else that reaches the top gets an empty title heading above it.
 */
const TitleHeading = Extension.create({
  name: 'titleHeading',
  addProseMirrorPlugins() {
    return [
      new Plugin({
        appendTransaction(transactions, _old, state) {
          if (!transactions.some((tr) => tr.docChanged)) return null;
          const first = state.doc.firstChild;
          const heading = state.schema.nodes.heading;
          if (!first || !heading || first.type === heading) return null;
          if (first.type.name === 'paragraph') return state.tr.setNodeMarkup(0, heading, { level: 1 });
          return state.tr.insert(0, heading.create({ level: 1 }));
        },
      }),
    ];
  },
});

const EVENT_HANDLER_ATTRIBUTE = /(<[^>]*?[\s/"'])on[a-z-]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*)/gi;

function withoutEventHandlerAttributes(html: string): string {
  let previous: string;
  let current = html;
  do {
    previous = current;
    current = current.replace(EVENT_HANDLER_ATTRIBUTE, '$1');
  } while (current !== previous);
  return current;
}

/**
 * Pasted HTML, cleaned before ProseMirror reads it: ProseMirror parses it into live elements,
 * where an `onerror` would at least be tried (and blocked by the CSP). Parsed here into a
 * template, whose content loads nothing and runs nothing.
 */
function cleanPastedHtml(html: string): string {
  const template = document.createElement('template');
  // Chromium reports (and blocks) an inline handler as soon as it parses one: none reach the parser.
  template.innerHTML = withoutEventHandlerAttributes(html);
  const parsed = template.content;
  for (const element of parsed.querySelectorAll(
    'script, style, iframe, object, embed, frame, frameset, link, meta, base, form',
  )) {
    element.remove();
  }
  for (const element of parsed.querySelectorAll('*')) {
    for (const attribute of [...element.attributes]) {
      const name = attribute.name.toLowerCase();
      const isUrl =
        name === 'href' || name === 'src' || name === 'xlink:href' || name === 'action' || name === 'srcset';
      if (name.startsWith('on') || (isUrl && !isAllowedUrl(attribute.value))) element.removeAttribute(attribute.name);
    }
  }
  return template.innerHTML;
}

/** Everything pasted goes through the same URL rule as what is loaded. */
const SafePaste = Extension.create({
  name: 'safePaste',
  addProseMirrorPlugins() {
    return [
      new Plugin({
        props: {
          transformPastedHTML: cleanPastedHtml,
          transformPasted: (slice) => new Slice(cleanFragment(slice.content), slice.openStart, slice.openEnd),
        },
      }),
    ];
  },
});

/**
 * The web editor's extensions: the shared document extensions (the server's Markdown uses the
 * same names), with images rendered only from allowed addresses, plus what only a browser needs —
 * the title placeholder, stand-ins for unknown nodes and marks, the `/` menu and paste cleaning.
 */
export function editorExtensions(options: {
  projectId: string | undefined;
  onSlashChoose: SlashMenuOptions['onChoose'];
}): AnyExtension[] {
  const shared = documentExtensions().map((extension) => {
    // No paragraph appended after a last card: a document changes only where the person edits it.
    if (extension.name === 'starterKit') return extension.configure({ trailingNode: false });
    if (extension.name !== 'image') return extension;
    return (extension as TiptapNode).extend({
      parseHTML() {
        return [
          {
            tag: 'img[src]',
            getAttrs: (element: HTMLElement) => (isAllowedUrl(element.getAttribute('src') ?? '') ? null : false),
          },
        ];
      },
      renderHTML({ HTMLAttributes }) {
        return ['img', allowedImageAttrs(HTMLAttributes)];
      },
    });
  });
  return [
    ...shared,
    PreservedBlock.configure({ projectId: options.projectId }),
    PreservedInline.configure({ projectId: options.projectId }),
    PreservedMark,
    Placeholder.configure({
      placeholder: ({ node, pos, hasAnchor }) => {
        if (pos === 0 && node.type.name === 'heading') return 'Untitled';
        if (!hasAnchor) return '';
        return node.type.name === 'heading' ? 'Heading' : 'Type / for blocks';
      },
      showOnlyCurrent: false,
      includeChildren: true,
    }),
    TitleHeading,
    SafePaste,
    SlashMenu.configure({ onChoose: options.onSlashChoose }),
  ];
}
