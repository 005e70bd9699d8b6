import { Mark, Node } from '@tiptap/core';
import type { Node as PmNode } from '@tiptap/pm/model';
import type { EditorView, NodeView } from '@tiptap/pm/view';
import type { JsonNode } from '../api/types.ts';
import { posthogUrl } from '../app/config.ts';
import { inlineText, summarizeNode } from './posthog-nodes.ts';
import { PRESERVED_BLOCK, PRESERVED_INLINE, PRESERVED_MARK } from './preserved-content.ts';

function parseStored(json: unknown): JsonNode {
  try {
    const parsed = JSON.parse(String(json)) as JsonNode;
    if (parsed && typeof parsed === 'object' && typeof parsed.type === 'string') return parsed;
  } catch {
    // shown as an unknown node below
  }
  return { type: 'unknown' };
}

function validJsonAttribute(element: HTMLElement, name: string): { json: string } | false {
  const json = element.getAttribute(name);
  if (json === null) return false;
  try {
    const parsed = JSON.parse(json) as unknown;
    return parsed && typeof parsed === 'object' && typeof (parsed as JsonNode).type === 'string' ? { json } : false;
  } catch {
    return false;
  }
}

/** An address in PostHog for a path below the project, when the server names a PostHog. */
function posthogHref(path: string | null, projectId: string | undefined): string | null {
  const base = posthogUrl();
  if (!base || !path || !/^https?:\/\//i.test(base)) return null;
  const project = projectId ? `/project/${encodeURIComponent(projectId)}` : '';
  return `${base.replace(/\/+$/, '')}${project}${path}`;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

/** Moves the node at `pos` one place up or down among its siblings. */
function moveNode(view: EditorView, pos: number, direction: -1 | 1): void {
  const { state } = view;
  const node = state.doc.nodeAt(pos);
  if (!node) return;
  const $pos = state.doc.resolve(pos);
  const index = $pos.index();
  const parent = $pos.parent;
  const neighbour = parent.maybeChild(index + direction);
  if (!neighbour) return;
  // The title heading stays first.
  if ($pos.depth === 0 && index + direction === 0 && neighbour.type.name === 'heading') return;
  const tr = state.tr.delete(pos, pos + node.nodeSize);
  const target = direction === -1 ? pos - neighbour.nodeSize : pos + neighbour.nodeSize;
  tr.insert(target, node);
  view.dispatch(tr.scrollIntoView());
  view.focus();
}

/**
 * A read-only card for a block this editor keeps but does not edit: its type, main attributes,
 * a link into PostHog, and buttons to move or remove it as a whole. Built with textContent
 * only: nothing from the document is parsed as HTML.
 */
class PreservedBlockView implements NodeView {
  dom: HTMLElement;
  #node: PmNode;

  constructor(node: PmNode, view: EditorView, getPos: () => number | undefined, projectId: string | undefined) {
    this.#node = node;
    const stored = parseStored(node.attrs.json);
    const summary = summarizeNode(stored);
    const card = element('div', 'ph-card');
    card.contentEditable = 'false';
    card.draggable = true;
    card.dataset.dragHandle = '';
    card.dataset.nodeType = summary.type;
    card.setAttribute('role', 'group');
    card.setAttribute('aria-label', `${summary.label} (${summary.type})`);

    const head = element('div', 'ph-card-head');
    const title = element('span', 'ph-card-title');
    title.append(element('span', 'ph-card-label', summary.label), element('code', 'ph-card-type', summary.type));
    head.append(title);
    const actions = element('span', 'ph-card-actions');
    const href = posthogHref(summary.posthogPath, projectId);
    if (href) {
      const link = element('a', 'ph-card-link', 'Open in PostHog');
      link.href = href;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      actions.append(link);
    }
    const button = (label: string, text: string, run: () => void) => {
      const made = element('button', 'ph-card-button', text);
      made.type = 'button';
      made.title = label;
      made.setAttribute('aria-label', `${label}: ${summary.label}`);
      made.addEventListener('mousedown', (event) => event.preventDefault());
      made.addEventListener('click', (event) => {
        event.preventDefault();
        run();
      });
      return made;
    };
    const at = () => getPos();
    actions.append(
      button('Move up', '↑', () => {
        const pos = at();
        if (pos !== undefined) moveNode(view, pos, -1);
      }),
      button('Move down', '↓', () => {
        const pos = at();
        if (pos !== undefined) moveNode(view, pos, 1);
      }),
      button('Remove', '✕', () => {
        const pos = at();
        if (pos === undefined) return;
        view.dispatch(view.state.tr.delete(pos, pos + this.#node.nodeSize));
        view.focus();
      }),
    );
    head.append(actions);
    card.append(head);
    if (summary.details.length > 0) {
      const list = element('ul', 'ph-card-details');
      for (const detail of summary.details) list.append(element('li', '', detail));
      card.append(list);
    }
    this.dom = card;
  }

  update(node: PmNode): boolean {
    return node.type === this.#node.type && node.attrs.json === this.#node.attrs.json;
  }

  stopEvent(event: Event): boolean {
    const target = event.target as HTMLElement | null;
    return target?.closest('button, a') != null;
  }

  ignoreMutation(): boolean {
    return true;
  }

  selectNode(): void {
    this.dom.classList.add('is-selected');
  }

  deselectNode(): void {
    this.dom.classList.remove('is-selected');
  }
}

/** An inline chip for a kept inline node (a mention, a replay timestamp, a backlink). */
function inlineView(node: PmNode, projectId: string | undefined): NodeView {
  const stored = parseStored(node.attrs.json);
  const summary = summarizeNode(stored);
  const chip = element('span', 'ph-chip');
  chip.contentEditable = 'false';
  chip.dataset.nodeType = summary.type;
  chip.title = [summary.type, ...summary.details].join('\n');
  const href = posthogHref(summary.posthogPath, projectId);
  if (href) {
    const link = element('a', '', inlineText(stored));
    link.href = href;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    chip.append(link);
  } else {
    chip.textContent = inlineText(stored);
  }
  return {
    dom: chip,
    ignoreMutation: () => true,
    stopEvent: (event) => (event.target as HTMLElement | null)?.closest('a') != null,
  };
}

export interface PreservedOptions {
  /** The project of the open notebook, for links into PostHog. */
  projectId: string | undefined;
}

/** A block node of a type this editor does not know, kept as its original JSON. */
export const PreservedBlock = Node.create<PreservedOptions>({
  name: PRESERVED_BLOCK,
  group: 'block',
  atom: true,
  selectable: true,
  draggable: true,
  addOptions: () => ({ projectId: undefined }),
  addAttributes: () => ({ json: { default: '{"type":"unknown"}' } }),
  parseHTML: () => [
    { tag: 'div[data-preserved-node]', getAttrs: (node) => validJsonAttribute(node, 'data-preserved-node') },
  ],
  renderHTML: ({ node }) => ['div', { 'data-preserved-node': node.attrs.json }],
  renderText: () => '',
  addNodeView() {
    const projectId = this.options.projectId;
    return ({ node, view, getPos }) => new PreservedBlockView(node, view, getPos, projectId);
  },
});

/** An inline node of a type this editor does not know, kept as its original JSON. */
export const PreservedInline = Node.create<PreservedOptions>({
  name: PRESERVED_INLINE,
  group: 'inline',
  inline: true,
  atom: true,
  selectable: true,
  draggable: true,
  addOptions: () => ({ projectId: undefined }),
  addAttributes: () => ({ json: { default: '{"type":"unknown"}' } }),
  parseHTML: () => [
    { tag: 'span[data-preserved-node]', getAttrs: (node) => validJsonAttribute(node, 'data-preserved-node') },
  ],
  renderHTML: ({ node }) => ['span', { 'data-preserved-node': node.attrs.json }],
  renderText: ({ node }) => inlineText(parseStored(node.attrs.json)),
  addNodeView() {
    const projectId = this.options.projectId;
    return ({ node }) => inlineView(node, projectId);
  },
});

/** A mark of a type this editor does not know (PostHog's comment mark, …), kept as its JSON. */
export const PreservedMark = Mark.create({
  name: PRESERVED_MARK,
  excludes: '',
  inclusive: false,
  addAttributes: () => ({ json: { default: '{"type":"unknown"}' } }),
  parseHTML: () => [
    { tag: 'span[data-preserved-mark]', getAttrs: (node) => validJsonAttribute(node, 'data-preserved-mark') },
  ],
  renderHTML: ({ mark }) => [
    'span',
    { 'data-preserved-mark': mark.attrs.json, class: 'preserved-mark', title: parseStored(mark.attrs.json).type },
    0,
  ],
});
