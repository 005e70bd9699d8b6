import type { Node } from '@tiptap/pm/model';
import MarkdownIt, {
  type MarkdownItOptions,
  type StateBlock,
  type StateCore,
  type StateInline,
  type Token,
} from 'markdown-it';
import { MarkdownParser } from 'prosemirror-markdown';
import { isAllowedUrl } from '../editor/document-schema.ts';
import { assertJsonDepth, MarkdownTooComplex } from './markdown-errors.ts';
import { markdownSchema, PRESERVED_BLOCK, PRESERVED_INLINE } from './markdown-schema.ts';
import { readPreservedBlock, readPreservedInline } from './preserved-form.ts';

/**
 * How deep markdown-it may nest block tokens. Past it markdown-it silently drops the rest of the
 * input, so reaching it is refused instead (and it bounds the recursion of everything after).
 */
export const MAX_MARKDOWN_NESTING = 50;

/** Markdown as a node of `markdownSchema()`. Throws `MarkdownTooComplex`. */
export function readMarkdown(markdown: string): Node {
  parser ??= new MarkdownParser(markdownSchema(), tokenizer(), TOKEN_SPECS);
  return parser.parse(markdown);
}

let parser: MarkdownParser | undefined;

function tokenizer(): MarkdownIt {
  // markdown-it reads `maxNesting` from its options; its type declarations leave it out.
  const options: MarkdownItOptions & { maxNesting: number } = {
    html: true,
    linkify: false,
    typographer: false,
    maxNesting: MAX_MARKDOWN_NESTING,
  };
  const md = new MarkdownIt('commonmark', options);
  md.enable(['table', 'strikethrough']);
  // URLs are kept exactly as written; which ones a document keeps is the schema's rule (below).
  md.normalizeLink = (url) => url;
  md.normalizeLinkText = (text) => text;
  md.validateLink = () => true;
  md.block.ruler.before('html_block', 'notebook_preserved_block', preservedBlockRule, {
    alt: ['paragraph', 'reference', 'blockquote', 'list'],
  });
  md.inline.ruler.before('html_inline', 'notebook_preserved_inline', preservedInlineRule);
  md.core.ruler.after('block', 'notebook_nesting_limit', refuseDeepNesting);
  md.core.ruler.after('inline', 'notebook_tokens', rewriteTokens);
  return md;
}

const TOKEN_SPECS = {
  blockquote: { block: 'blockquote' },
  paragraph: { block: 'paragraph' },
  empty_paragraph: { node: 'paragraph' },
  list_item: { block: 'listItem' },
  bullet_list: { block: 'bulletList' },
  task_list: { block: 'taskList' },
  task_item: { block: 'taskItem', getAttrs: (token: Token) => ({ checked: token.meta === true }) },
  ordered_list: {
    block: 'orderedList',
    getAttrs: (token: Token) => ({ start: token.attrGet('start') === null ? 1 : Number(token.attrGet('start')) }),
  },
  heading: { block: 'heading', getAttrs: (token: Token) => ({ level: Number(token.tag.slice(1)) }) },
  code_block: { block: 'codeBlock', noCloseToken: true },
  fence: {
    block: 'codeBlock',
    getAttrs: (token: Token) => ({ language: token.info.trim() || null }),
    noCloseToken: true,
  },
  hr: { node: 'horizontalRule' },
  block_image: { node: 'image', getAttrs: imageAttrs },
  hardbreak: { node: 'hardBreak' },
  table: { block: 'table' },
  thead: { ignore: true },
  tbody: { ignore: true },
  tr: { block: 'tableRow' },
  th: { block: 'tableHeader', getAttrs: cellAttrs },
  td: { block: 'tableCell', getAttrs: cellAttrs },
  em: { mark: 'italic' },
  strong: { mark: 'bold' },
  s: { mark: 'strike' },
  underline: { mark: 'underline' },
  link: {
    mark: 'link',
    getAttrs: (token: Token) => ({ href: token.attrGet('href'), title: token.attrGet('title') || null }),
  },
  code_inline: { mark: 'code', noCloseToken: true },
  notebook_block: { node: PRESERVED_BLOCK, getAttrs: (token: Token) => ({ value: token.meta }) },
  notebook_inline: { node: PRESERVED_INLINE, getAttrs: (token: Token) => ({ value: token.meta }) },
};

function imageAttrs(token: Token): Record<string, string | null> {
  const alt = (token.children ?? []).map((child) => child.content).join('');
  return { src: token.attrGet('src'), alt: alt === '' ? null : alt, title: token.attrGet('title') || null };
}

function cellAttrs(token: Token): Record<string, string | null> {
  return { align: /text-align:(left|center|right)/.exec(token.attrGet('style') ?? '')?.[1] ?? null };
}

// ---------------------------------------------------------------------------------------------
// The preserved form
// ---------------------------------------------------------------------------------------------

function preservedBlockRule(state: StateBlock, startLine: number, _endLine: number, silent: boolean): boolean {
  if (state.sCount[startLine] - state.blkIndent >= 4) return false;
  const start = state.bMarks[startLine] + state.tShift[startLine];
  if (state.src.charCodeAt(start) !== 0x3c) return false;
  const preserved = readPreservedBlock(state.src.slice(start, state.eMarks[startLine]));
  if (preserved === null) return false;
  if (silent) return true;
  assertJsonDepth(preserved.value);
  const token = state.push('notebook_block', '', 0);
  token.meta = preserved.value;
  token.map = [startLine, startLine + 1];
  state.line = startLine + 1;
  return true;
}

function preservedInlineRule(state: StateInline, silent: boolean): boolean {
  if (state.src.charCodeAt(state.pos) !== 0x3c) return false;
  const preserved = readPreservedInline(state.src, state.pos);
  if (preserved === null || preserved.end > state.posMax) return false;
  if (!silent) {
    assertJsonDepth(preserved.value);
    state.push('notebook_inline', '', 0).meta = preserved.value;
  }
  state.pos = preserved.end;
  return true;
}

function refuseDeepNesting(state: StateCore): void {
  for (const token of state.tokens) {
    if (token.level >= MAX_MARKDOWN_NESTING - 2) {
      throw new MarkdownTooComplex(`The Markdown nests blocks more than ${MAX_MARKDOWN_NESTING - 2} levels deep`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens → the document's shapes
// ---------------------------------------------------------------------------------------------

type TokenClass = StateCore['Token'];

function rewriteTokens(state: StateCore): void {
  const Token = state.Token;
  const tokens: Token[] = [];
  let images = false;
  for (const token of state.tokens) {
    if (token.type === 'html_block') {
      tokens.push(...htmlBlock(Token, token));
    } else if (token.type === 'th_open' || token.type === 'td_open') {
      // GFM table cells hold inline content; the schema's cells hold a paragraph.
      tokens.push(token, new Token('paragraph_open', 'p', 1));
    } else if (token.type === 'th_close' || token.type === 'td_close') {
      tokens.push(new Token('paragraph_close', 'p', -1), token);
    } else {
      if (token.type === 'inline' && token.children !== null) {
        token.children = inlineChildren(Token, token.children);
        images ||= token.children.some((child) => child.type === 'image');
      }
      tokens.push(token);
    }
  }
  const withTasks = taskLists(tokens);
  state.tokens = images ? liftImages(Token, withTasks) : withTasks;
}

const BREAK_TAG = /^<br\s*\/?>$/i;

/** `<br>` alone is an empty paragraph; other HTML is kept as the text it is. */
function htmlBlock(Token: TokenClass, token: Token): Token[] {
  const html = token.content.replace(/\s+$/, '');
  if (BREAK_TAG.test(html)) return [new Token('empty_paragraph', 'p', 0)];
  const text = new Token('text', '', 0);
  text.content = html;
  const inline = new Token('inline', '', 0);
  inline.children = [text];
  inline.content = html;
  return [new Token('paragraph_open', 'p', 1), inline, new Token('paragraph_close', 'p', -1)];
}

const MARK_TAGS: Record<string, string> = {
  u: 'underline',
  strong: 'strong',
  b: 'strong',
  em: 'em',
  i: 'em',
  s: 's',
  del: 's',
  strike: 's',
};
const SIMPLE_TAG = /^<(\/?)([A-Za-z]+)\s*>$/;

/**
 * Inline HTML: `<br>` is a hard break, a matched pair of mark tags (`<u>…</u>`, `<strong>`, `<em>`,
 * `<s>`, …) is that mark, and anything else stays literal text. Soft line breaks stay line breaks,
 * as in the editor's own Markdown support; a link the schema would not accept (`isAllowedUrl`)
 * keeps only its text.
 */
function inlineChildren(Token: TokenClass, children: Token[]): Token[] {
  const pairs = new Map<number, string>();
  const open = new Map<string, number[]>();
  const droppedLinks = new Set<number>();
  const links: number[] = [];
  children.forEach((child, index) => {
    if (child.type === 'link_open') {
      links.push(index);
      if (!isAllowedUrl(child.attrGet('href') ?? '')) droppedLinks.add(index);
    } else if (child.type === 'link_close') {
      if (droppedLinks.has(links.pop() ?? -1)) droppedLinks.add(index);
    }
    const tag = child.type === 'html_inline' ? SIMPLE_TAG.exec(child.content) : null;
    if (tag === null) return;
    const name = tag[2].toLowerCase();
    if (!Object.hasOwn(MARK_TAGS, name)) return;
    const stack = open.get(name) ?? [];
    open.set(name, stack);
    if (tag[1] === '') {
      stack.push(index);
      return;
    }
    const start = stack.pop();
    if (start === undefined) return;
    pairs.set(start, `${MARK_TAGS[name]}_open`);
    pairs.set(index, `${MARK_TAGS[name]}_close`);
  });
  return children.flatMap((child, index): Token[] => {
    if (droppedLinks.has(index)) return [];
    const pair = pairs.get(index);
    if (pair !== undefined) return [new Token(pair, '', 0)];
    if (child.type === 'softbreak') return [textToken(Token, '\n')];
    if (child.type !== 'html_inline') return [child];
    return [BREAK_TAG.test(child.content) ? new Token('hardbreak', 'br', 0) : textToken(Token, child.content)];
  });
}

function textToken(Token: TokenClass, content: string): Token {
  const token = new Token('text', '', 0);
  token.content = content;
  return token;
}

const TASK_MARKER = /^\[([ xX])\](?:[ \t]+|(?=\n)|$)/;

/** The `[ ]`/`[x]` of an item's first line, read from the source so that an escaped `\[ ]` is not one. */
function taskMarker(tokens: Token[], itemOpen: number): boolean | null {
  const paragraph = tokens[itemOpen + 1];
  const inline = tokens[itemOpen + 2];
  if (paragraph?.type !== 'paragraph_open' || inline?.type !== 'inline') return null;
  const match = TASK_MARKER.exec(inline.content);
  const first = inline.children?.[0];
  if (match === null || first?.type !== 'text' || !first.content.startsWith(match[0].trimEnd())) return null;
  return match[1] !== ' ';
}

function stripTaskMarker(tokens: Token[], itemOpen: number): void {
  const inline = tokens[itemOpen + 2];
  const first = inline.children?.[0];
  if (first === undefined) return;
  first.content = first.content.replace(TASK_MARKER, '');
  if (first.content === '') inline.children?.shift();
}

/** For each opening token, the index of its closing token. */
function closingIndexes(tokens: Token[]): Map<number, number> {
  const closes = new Map<number, number>();
  const open: number[] = [];
  tokens.forEach((token, index) => {
    if (token.nesting === 1) open.push(index);
    else if (token.nesting === -1) closes.set(open.pop() ?? index, index);
  });
  return closes;
}

function copyToken(token: Token, type: string): Token {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(token) as object) as Token, token);
  copy.type = type;
  return copy;
}

/**
 * Bullet lists whose items start with `[ ]` or `[x]` become task lists; a list mixing both kinds
 * is split into runs, one list each, as the editor's Markdown support does.
 */
function taskLists(tokens: Token[]): Token[] {
  const closes = closingIndexes(tokens);
  // Where a mixed list is split: after the item closing at this index, a list closes and reopens.
  const splits = new Map<number, [Token, Token]>();
  tokens.forEach((token, index) => {
    if (token.type !== 'bullet_list_open') return;
    const close = closes.get(index) ?? index;
    let previous: boolean | null = null;
    let previousClose = -1;
    for (let item = index + 1; item < close; item = (closes.get(item) ?? item) + 1) {
      const itemClose = closes.get(item) ?? item;
      const checked = taskMarker(tokens, item);
      const task = checked !== null;
      if (task) {
        stripTaskMarker(tokens, item);
        tokens[item].type = 'task_item_open';
        tokens[item].meta = checked;
        tokens[itemClose].type = 'task_item_close';
      }
      if (previousClose >= 0 && previous !== task) {
        splits.set(previousClose, [
          copyToken(tokens[close], previous === true ? 'task_list_close' : 'bullet_list_close'),
          copyToken(token, task ? 'task_list_open' : 'bullet_list_open'),
        ]);
      }
      if (previousClose < 0 && task) token.type = 'task_list_open';
      previous = task;
      previousClose = itemClose;
    }
    if (previous === true) tokens[close].type = 'task_list_close';
  });
  if (splits.size === 0) return tokens;
  const out: Token[] = [];
  tokens.forEach((token, index) => {
    out.push(token);
    const split = splits.get(index);
    if (split !== undefined) out.push(...split);
  });
  return out;
}

/** The whitespace between text and an image belongs to neither once the image is a block. */
function trimRunEnd(run: Token[]): void {
  const last = run[run.length - 1];
  if (last?.type === 'text') last.content = last.content.trimEnd();
}

/**
 * Images are blocks in the schema but inline in Markdown: each image in a paragraph or heading
 * becomes a block of its own, the text around it staying in blocks of the same kind. An image
 * whose URL the schema would not accept is dropped, as the editor drops it when pasted.
 */
function liftImages(Token: TokenClass, tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index];
    const inline = tokens[index + 1];
    const children = inline?.children ?? [];
    const isTextblock = token.type === 'paragraph_open' || token.type === 'heading_open';
    if (!isTextblock || inline.type !== 'inline' || !children.some((child) => child.type === 'image')) {
      out.push(token);
      continue;
    }
    const close = tokens[index + 2];
    let run: Token[] = [];
    const flush = (): void => {
      if (run.some((child) => child.type !== 'text' || child.content.trim() !== '')) {
        const part = new Token('inline', '', 0);
        part.children = run;
        out.push(token, part, close);
      }
      run = [];
    };
    let afterImage = false;
    for (const child of children) {
      if (child.type !== 'image') {
        if (afterImage && run.length === 0 && child.type === 'text') child.content = child.content.trimStart();
        if (child.content !== '' || child.type !== 'text') run.push(child);
        continue;
      }
      trimRunEnd(run);
      flush();
      if (!isAllowedUrl(child.attrGet('src') ?? '')) continue;
      const image = new Token('block_image', 'img', 0);
      image.attrs = child.attrs;
      image.children = child.children;
      out.push(image);
      afterImage = true;
    }
    flush();
    index += 2;
  }
  return out;
}
