import type { Mark, Node } from '@tiptap/pm/model';
import type { JsonValue } from '../json/json-value.ts';
import { PRESERVED_BLOCK, PRESERVED_INLINE } from './markdown-schema.ts';
import { preservedBlockMarkdown, preservedInlineMarkdown } from './preserved-form.ts';

/** A node of `markdownSchema()` as CommonMark + GFM (see `notebookToMarkdown`). */
export function writeMarkdown(doc: Node): string {
  return blockChildren(doc.content.content);
}

// ---------------------------------------------------------------------------------------------
// Blocks
// ---------------------------------------------------------------------------------------------

type ListFamily = 'bullet' | 'ordered';

function listFamily(node: Node): ListFamily | null {
  if (node.type.name === 'orderedList') return 'ordered';
  if (node.type.name === 'bulletList' || node.type.name === 'taskList') return 'bullet';
  return null;
}

/**
 * For each sibling, whether its list marker switches (`*` for `-`, `)` for `.`): two lists of one
 * family in a row would read as one list, and a different marker starts a new one.
 */
function alternateMarkers(children: readonly Node[]): boolean[] {
  let previousFamily: ListFamily | null = null;
  let alternate = false;
  return children.map((child) => {
    const family = listFamily(child);
    alternate = family !== null && family === previousFamily ? !alternate : false;
    previousFamily = family;
    return alternate;
  });
}

/** Blocks separated by blank lines. */
function blockChildren(children: readonly Node[]): string {
  const alternate = alternateMarkers(children);
  return children.map((child, index) => block(child, alternate[index])).join('\n\n');
}

function block(node: Node, alternateMarker: boolean): string {
  switch (node.type.name) {
    case 'paragraph':
      // An empty paragraph has no Markdown of its own; a line holding only `<br>` stands for it.
      return node.childCount === 0 ? '<br>' : inline(node, 'block');
    case 'heading':
      return heading(node);
    case 'codeBlock':
      return codeBlock(node);
    case 'blockquote':
      return prefixLines(blockChildren(node.content.content), '> ', '> ');
    case 'bulletList':
    case 'taskList':
    case 'orderedList':
      return list(node, alternateMarker);
    case 'horizontalRule':
      return '---';
    case 'image':
      return image(node);
    case 'table':
      return table(node);
    case PRESERVED_BLOCK:
      return preservedBlockMarkdown(node.attrs.value as JsonValue);
    default:
      throw new Error(`No Markdown for block node ${node.type.name}`);
  }
}

function prefixLines(text: string, first: string, rest: string): string {
  return text
    .split('\n')
    .map((line, index) => {
      const prefix = index === 0 ? first : rest;
      return line === '' ? prefix.trimEnd() : prefix + line;
    })
    .join('\n');
}

function heading(node: Node): string {
  const hashes = '#'.repeat(node.attrs.level as number);
  if (node.childCount === 0) return hashes;
  // A run of `#` after a space at the end of the line would be read as the closing sequence.
  return `${hashes} ${inline(node, 'heading').replace(/(^|[ \t])(#+)$/, '$1\\$2')}`;
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

function codeBlock(node: Node): string {
  const language = (node.attrs.language as string | null) ?? '';
  const text = node.textContent;
  // A backtick fence's info string may not contain a backtick; a tilde fence's may.
  const char = language.includes('`') ? '~' : '`';
  const fence = char.repeat(Math.max(3, longestRun(text, char) + 1));
  return text === '' ? `${fence}${language}\n${fence}` : `${fence}${language}\n${text}\n${fence}`;
}

function list(node: Node, alternateMarker: boolean): string {
  const ordered = node.type.name === 'orderedList';
  const start = ordered ? (node.attrs.start as number) : 0;
  const items: string[] = [];
  node.forEach((item, _offset, index) => {
    const marker = ordered ? `${start + index}${alternateMarker ? ')' : '.'} ` : alternateMarker ? '* ' : '- ';
    const task = item.type.name === 'taskItem' ? (item.attrs.checked === true ? '[x] ' : '[ ] ') : '';
    items.push(prefixLines(listItemBody(item), marker + task, ' '.repeat(marker.length)).trimEnd());
  });
  return items.join('\n');
}

/**
 * An item's blocks. Its first paragraph sits on the marker line. In a task item the `[ ]` line
 * holds it even when empty. In a plain item an empty one is left out when the next block is not
 * a paragraph (reading fills it in again), and that block must then follow at once, as an item
 * may begin with at most one blank line. A list right after a paragraph with text stays tight.
 */
function listItemBody(item: Node): string {
  const children = item.content.content;
  const [first, ...rest] = children;
  const empty = first.type.name === 'paragraph' && first.childCount === 0;
  const task = item.type.name === 'taskItem';
  const implied = empty && !task && rest[0]?.type.name !== 'paragraph';
  const alternate = alternateMarkers(children);
  let body = (empty && task) || implied ? '' : block(first, false);
  let previous = first;
  rest.forEach((child, index) => {
    const afterText = previous.type.name === 'paragraph' && previous.childCount > 0;
    const tight = (implied && index === 0) || (afterText && canInterruptParagraph(child));
    body += (tight ? '\n' : '\n\n') + block(child, alternate[index + 1]);
    previous = child;
  });
  return body;
}

/** CommonMark lets a list start right under a paragraph only from "1" and with a non-empty first line. */
function canInterruptParagraph(node: Node): boolean {
  if (node.type.name === 'taskList') return true;
  if (node.type.name !== 'bulletList' && !(node.type.name === 'orderedList' && node.attrs.start === 1)) return false;
  const firstParagraph = node.child(0).child(0);
  return firstParagraph.type.name === 'paragraph' && firstParagraph.childCount > 0;
}

function image(node: Node): string {
  const alt = (node.attrs.alt as string | null) ?? '';
  const altText = alt === '' ? '' : escapeText(alt, { lineStart: true, lineEnd: true, singleLine: true });
  return `![${altText}](${destination(node.attrs.src as string, node.attrs.title as string | null)})`;
}

function table(node: Node): string {
  const rows: string[] = [];
  node.forEach((row, _offset, index) => {
    const cells = row.content.content;
    rows.push(`| ${cells.map((cell) => inline(cell.child(0), 'cell')).join(' | ')} |`);
    if (index === 0) {
      const delimiters = cells.map((cell) => ALIGNMENT_DELIMITERS[(cell.attrs.align as string | null) ?? 'none']);
      rows.push(`| ${delimiters.join(' | ')} |`);
    }
  });
  return rows.join('\n');
}

const ALIGNMENT_DELIMITERS: Record<string, string> = { none: '---', left: ':--', center: ':-:', right: '--:' };

// ---------------------------------------------------------------------------------------------
// Inline content
// ---------------------------------------------------------------------------------------------

type Delimited = { markdown: [string, string]; html: [string, string]; underscore: boolean };

const DELIMITED: Record<string, Delimited> = {
  bold: { markdown: ['**', '**'], html: ['<strong>', '</strong>'], underscore: false },
  italic: { markdown: ['_', '_'], html: ['<em>', '</em>'], underscore: true },
  strike: { markdown: ['~~', '~~'], html: ['<s>', '</s>'], underscore: false },
};

// Outermost first: a link wraps emphasis; code never shares a text node with another mark.
const MARK_ORDER = ['link', 'bold', 'italic', 'strike', 'underline'];

type Pair = { mark: Mark; html: boolean };
type Piece =
  | { kind: 'text'; text: string; escaped: string }
  | { kind: 'markup'; text: string }
  | { kind: 'open' | 'close'; pair: Pair };

/** Whether a line break follows the piece output (a hard break, or text ending in one). */
function endsLine(piece: Piece | undefined): boolean {
  if (piece === undefined) return true;
  return piece.kind === 'markup' ? piece.text.endsWith('\n') : piece.kind === 'text' && piece.text.endsWith('\n');
}

/**
 * The inline content of a textblock. Headings and table cells are single lines; in a cell every
 * `|`, even inside a code span, is escaped, since the table splits cells before reading code.
 */
function inline(parent: Node, context: 'block' | 'heading' | 'cell'): string {
  const singleLine = context !== 'block';
  const pieces: Piece[] = [];
  const active: Pair[] = [];
  const items = mergedInlineChildren(parent);
  items.forEach((node, index) => {
    const marks = node.type.name === PRESERVED_INLINE ? [] : orderedMarks(node.marks, active);
    let keep = 0;
    while (keep < active.length && keep < marks.length && active[keep].mark.eq(marks[keep])) keep += 1;
    while (active.length > keep) pieces.push({ kind: 'close', pair: active.pop() as Pair });
    for (const mark of marks.slice(keep)) {
      if (mark.type.name === 'code') continue;
      const pair: Pair = { mark, html: false };
      active.push(pair);
      pieces.push({ kind: 'open', pair });
    }
    if (node.isText) {
      const text = node.text ?? '';
      if (node.marks.some((mark) => mark.type.name === 'code')) {
        pieces.push({ kind: 'markup', text: codeSpan(context === 'cell' ? text.replace(/\|/g, '\\|') : text) });
      } else {
        pieces.push({ kind: 'text', text, escaped: '' });
      }
    } else if (node.type.name === 'hardBreak') {
      // `\` + newline cannot end a block, and a heading or table cell is a single line.
      pieces.push({ kind: 'markup', text: singleLine || index === items.length - 1 ? '<br>' : '\\\n' });
    } else if (node.type.name === PRESERVED_INLINE) {
      pieces.push({ kind: 'markup', text: preservedInlineMarkdown(node.attrs.value as JsonValue) });
    } else {
      throw new Error(`No Markdown for inline node ${node.type.name}`);
    }
  });
  while (active.length > 0) pieces.push({ kind: 'close', pair: active.pop() as Pair });

  // Until text or markup is written, the first line holds only tags, and a line holding only a
  // tag such as `<u>` would be read as an HTML block: it must not end there.
  let contentBefore = false;
  pieces.forEach((piece, index) => {
    if (piece.kind === 'markup') contentBefore = true;
    if (piece.kind !== 'text') return;
    const lineStart = index === 0 || endsLine(pieces[index - 1]) || (!singleLine && !contentBefore);
    const next = pieces[index + 1];
    const lineEnd = next === undefined || (next.kind === 'markup' && next.text.startsWith('\\\n'));
    piece.escaped = escapeText(piece.text, { lineStart, lineEnd, singleLine });
    contentBefore = true;
    // "!" right before a link's "[" would make it an image.
    if (next?.kind === 'open' && next.pair.mark.type.name === 'link' && piece.escaped.endsWith('!')) {
      piece.escaped = `${piece.escaped.slice(0, -1)}\\!`;
    }
  });
  chooseDelimiters(pieces);
  return pieces.map((piece) => pieceText(piece)).join('');
}

/** Adjacent text nodes with the same marks, as one (ProseMirror keeps them apart when built from JSON). */
function mergedInlineChildren(parent: Node): Node[] {
  const merged: Node[] = [];
  parent.forEach((child) => {
    const last = merged[merged.length - 1];
    if (last?.isText && child.isText && last.sameMarkup(child)) {
      merged[merged.length - 1] = last.type.schema.text((last.text ?? '') + (child.text ?? ''), last.marks);
    } else {
      merged.push(child);
    }
  });
  return merged;
}

/** Marks already open keep their place; the others open in `MARK_ORDER`. */
function orderedMarks(marks: readonly Mark[], active: readonly Pair[]): Mark[] {
  const kept = active.filter((pair) => pair.mark.isInSet(marks)).map((pair) => pair.mark);
  const rest = marks
    .filter((mark) => !mark.isInSet(kept))
    .sort((a, b) => MARK_ORDER.indexOf(a.type.name) - MARK_ORDER.indexOf(b.type.name));
  return [...kept, ...rest];
}

function codeSpan(text: string): string {
  const ticks = '`'.repeat(longestRun(text, '`') + 1);
  // markdown-it strips one space from each side of a span of three or more characters that
  // starts and ends with one (even an all-space span), so such text gets one more of each.
  const pad = text.startsWith('`') || text.endsWith('`') || /^ .+ $/s.test(text) ? ' ' : '';
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

function pieceText(piece: Piece): string {
  if (piece.kind === 'text') return piece.escaped;
  if (piece.kind === 'markup') return piece.text;
  const { mark, html } = piece.pair;
  const open = piece.kind === 'open';
  const delimited = Object.hasOwn(DELIMITED, mark.type.name) ? DELIMITED[mark.type.name] : undefined;
  if (delimited !== undefined) return (html ? delimited.html : delimited.markdown)[open ? 0 : 1];
  if (mark.type.name === 'underline') return open ? '<u>' : '</u>';
  if (mark.type.name === 'link') {
    return open ? '[' : `](${destination(mark.attrs.href as string, mark.attrs.title as string | null)})`;
  }
  throw new Error(`No Markdown for mark ${mark.type.name}`);
}

/**
 * `**`, `_` and `~~` only count where CommonMark's flanking rules let them open and close (for
 * instance not `**` between a letter and "("); a pair that would not is written as HTML tags,
 * which the reader takes back as the same mark. Every piece around a delimiter starts and ends
 * with punctuation in either form, so the choice for one pair does not change another's.
 */
function chooseDelimiters(pieces: Piece[]): void {
  const text = pieces.map((piece) => pieceText(piece));
  const before = (index: number): string => {
    for (let i = index - 1; i >= 0; i -= 1) if (text[i] !== '') return lastCodePoint(text[i]);
    return '';
  };
  const after = (index: number): string => {
    for (let i = index + 1; i < text.length; i += 1) {
      if (text[i] !== '') return String.fromCodePoint(text[i].codePointAt(0) ?? 0);
    }
    return '';
  };
  const openIndex = new Map<Pair, number>();
  pieces.forEach((piece, index) => {
    if (piece.kind === 'open') openIndex.set(piece.pair, index);
    if (piece.kind !== 'close') return;
    const name = piece.pair.mark.type.name;
    const delimited = Object.hasOwn(DELIMITED, name) ? DELIMITED[name] : undefined;
    if (delimited === undefined) return;
    const start = openIndex.get(piece.pair) ?? 0;
    const opens = flanking(before(start), after(start), delimited.underscore).canOpen;
    const closes = flanking(before(index), after(index), delimited.underscore).canClose;
    piece.pair.html = !(opens && closes);
  });
}

function lastCodePoint(text: string): string {
  const last = text.codePointAt(text.length - 1) ?? 0;
  const isLowSurrogate = last >= 0xdc00 && last <= 0xdfff;
  if (isLowSurrogate && text.length > 1) return String.fromCodePoint(text.codePointAt(text.length - 2) ?? 0);
  return String.fromCodePoint(last);
}

const PUNCTUATION = /^[\p{P}\p{S}]$/u;

function isWhitespace(char: string): boolean {
  if (char === '') return true;
  const code = char.codePointAt(0) ?? 0;
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/** CommonMark's delimiter-run rules for a run between `previous` and `next` ('' at either end). */
function flanking(previous: string, next: string, underscore: boolean): { canOpen: boolean; canClose: boolean } {
  const previousSpace = isWhitespace(previous);
  const nextSpace = isWhitespace(next);
  const previousPunctuation = !previousSpace && PUNCTUATION.test(previous);
  const nextPunctuation = !nextSpace && PUNCTUATION.test(next);
  const left = !nextSpace && (!nextPunctuation || previousSpace || previousPunctuation);
  const right = !previousSpace && (!previousPunctuation || nextSpace || nextPunctuation);
  if (!underscore) return { canOpen: left, canClose: right };
  return { canOpen: left && (!right || previousPunctuation), canClose: right && (!left || nextPunctuation) };
}

// ---------------------------------------------------------------------------------------------
// Text escaping
// ---------------------------------------------------------------------------------------------

function entity(char: string): string {
  return `&#${char.codePointAt(0)};`;
}

const CHARACTER_REFERENCE = /&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)/g;
const INLINE_SYNTAX = new RegExp(`[\\\\\`*_[\\]~|]|<(?=[A-Za-z/!?])|${CHARACTER_REFERENCE.source}`, 'g');

/**
 * Characters that could start Markdown syntax anywhere in a line, backslash-escaped: `<` only
 * where it could open a tag or autolink, `&` only where it would be read as a character reference.
 */
function escapeInline(text: string): string {
  return text.replace(INLINE_SYNTAX, '\\$&');
}

// Line starts that would begin a block: headings, quotes, list items, thematic breaks and
// setext underlines. Escaping a leading "-", "+" or "=" always is simpler than telling when.
const BLOCK_START = /^(?:#{1,6}(?=[ \t]|$)|[>+=-])/;
const ORDERED_START = /^(\d{1,9})([.)])(?=[ \t]|$)/;
const LEADING_SPACE = /^\s+/;
const TRAILING_SPACE = /\s+$/;

/**
 * Text as Markdown that reads back as the same characters. Whitespace at the edges of a line
 * would be stripped, so it is written as numeric character references there; so is a line feed
 * that would leave an empty line (which ends the paragraph), and every line feed in a
 * single-line context.
 */
function escapeText(text: string, edges: { lineStart: boolean; lineEnd: boolean; singleLine: boolean }): string {
  const lines = edges.singleLine ? [text] : text.split('\n');
  let out = '';
  let lineHasContent = !edges.lineStart;
  lines.forEach((line, index) => {
    const last = index === lines.length - 1;
    const escaped = escapeLine(line, index > 0 || edges.lineStart, !last || edges.lineEnd);
    if (index > 0) {
      const keepsLine = lineHasContent && !(last && escaped === '' && edges.lineEnd);
      out += keepsLine ? '\n' : '&#10;';
      lineHasContent = !keepsLine;
    }
    out += escaped;
    lineHasContent ||= escaped !== '';
  });
  return out;
}

function escapeLine(line: string, atStart: boolean, atEnd: boolean): string {
  let leading = '';
  let trailing = '';
  let body = line;
  if (atStart) {
    leading = (LEADING_SPACE.exec(body)?.[0] ?? '').replace(/./gsu, entity);
    body = body.replace(LEADING_SPACE, '');
  }
  if (atEnd) {
    trailing = (TRAILING_SPACE.exec(body)?.[0] ?? '').replace(/./gsu, entity);
    body = body.replace(TRAILING_SPACE, '');
  }
  body = escapeInline(body).replace(/\n/g, '&#10;');
  if (atStart && leading === '') body = body.replace(BLOCK_START, '\\$&').replace(ORDERED_START, '$1\\$2');
  return leading + body + trailing;
}

/** A link or image destination, with its title. */
function destination(href: string, title: string | null): string {
  const escapeEntities = (text: string): string => text.replace(CHARACTER_REFERENCE, '\\&');
  const target =
    /\s/.test(href) || href === ''
      ? `<${escapeEntities(href.replace(/[\\<>]/g, '\\$&'))}>`
      : escapeEntities(href.replace(/[\\()<>]/g, '\\$&'));
  if (title === null) return target;
  return `${target} "${escapeEntities(title.replace(/[\\"]/g, '\\$&'))}"`;
}
