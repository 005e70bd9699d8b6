import type { JsonObject, JsonValue } from '../json/json-value.ts';

// Content Markdown has no form for travels as an HTML element whose data attribute holds the
// node's JSON: `<div …>` on a line of its own for a block, `<span …>` inside text for an inline
// node. A Markdown viewer hides the attribute and shows the element's text, a short label.

const ATTRIBUTE = 'data-notebook-node';
const BLOCK_START = `<div ${ATTRIBUTE}='`;
const INLINE_START = `<span ${ATTRIBUTE}='`;
const LABEL_LENGTH = 120;

/**
 * The JSON inside single quotes. `'`, `<`, `>` and `&` can only occur inside JSON strings, where
 * a \u escape reads back as the same character, so the attribute never ends early and never
 * holds markup; JSON.stringify already escapes line breaks and lone surrogates.
 */
function attributeJson(value: JsonValue): string {
  return JSON.stringify(value).replace(/['<>&]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function htmlEscaped(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The line that stands for a block node. */
export function preservedBlockMarkdown(value: JsonValue): string {
  return `${BLOCK_START}${attributeJson(value)}'>${htmlEscaped(preservedLabel(value))}</div>`;
}

/** The span that stands for an inline node; its label is read as Markdown text elsewhere. */
export function preservedInlineMarkdown(value: JsonValue): string {
  const label = htmlEscaped(preservedLabel(value)).replace(/[\\`*_[\]~|]/g, '\\$&');
  return `${INLINE_START}${attributeJson(value)}'>${label}</span>`;
}

const BLOCK_PATTERN = /^<div data-notebook-node='([^'\n]*)'>/;
// The label holds no `<`: it is escaped as `&lt;`, so the first `</span>` closes the element.
const INLINE_PATTERN = /<span data-notebook-node='([^'\n]*)'>[^<]*<\/span>/y;

function parsedJson(text: string): { value: JsonValue } | null {
  try {
    return { value: JSON.parse(text) as JsonValue };
  } catch {
    return null;
  }
}

/** The preserved value of a block line, or null when the line is not one (or its JSON is broken). */
export function readPreservedBlock(line: string): { value: JsonValue } | null {
  if (!line.startsWith(BLOCK_START)) return null;
  const match = BLOCK_PATTERN.exec(line);
  return match === null ? null : parsedJson(match[1]);
}

/** The preserved inline element at `position` of `source`: its value and where it ends. */
export function readPreservedInline(source: string, position: number): { value: JsonValue; end: number } | null {
  if (!source.startsWith(INLINE_START, position)) return null;
  INLINE_PATTERN.lastIndex = position;
  const match = INLINE_PATTERN.exec(source);
  if (match === null) return null;
  const parsed = parsedJson(match[1]);
  return parsed === null ? null : { value: parsed.value, end: position + match[0].length };
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ownString(object: JsonObject, key: string): string | null {
  const value = Object.hasOwn(object, key) ? object[key] : undefined;
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** The text of text nodes anywhere below `value`, for a node whose content Markdown cannot show. */
function innerText(value: JsonValue, budget: { left: number }): string {
  if (budget.left <= 0) return '';
  if (Array.isArray(value)) {
    return value
      .map((child) => innerText(child, budget))
      .filter((text) => text !== '')
      .join(' ');
  }
  if (!isObject(value)) return '';
  const text = ownString(value, 'text');
  if (value.type === 'text' && text !== null) {
    budget.left -= text.length;
    return text;
  }
  return Object.hasOwn(value, 'content') ? innerText(value.content, budget) : '';
}

function playbackLabel(milliseconds: number): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  const hours = Math.floor(seconds / 3600);
  const twoDigits = (value: number): string => String(value).padStart(2, '0');
  const clock = `${twoDigits(Math.floor((seconds % 3600) / 60))}:${twoDigits(seconds % 60)}`;
  return hours > 0 ? `${hours}:${clock}` : clock;
}

/** "ph-feature-flag" → "Feature flag". */
function typeLabel(type: string): string {
  const words = type.replace(/^ph-/, '').replace(/[-_]+/g, ' ').trim();
  return words === '' ? 'Node' : words[0].toUpperCase() + words.slice(1);
}

function describe(value: JsonValue): string {
  if (!isObject(value) || typeof value.type !== 'string') return 'Notebook content';
  const attrs = isObject(value.attrs) ? value.attrs : {};
  const text = innerText(value, { left: LABEL_LENGTH });
  if (value.type === 'text') return text;
  if (value.type === 'ph-mention') return `@${ownString(attrs, 'label') ?? `member ${ownString(attrs, 'id') ?? ''}`}`;
  if (value.type === 'ph-replay-timestamp' && typeof attrs.playbackTime === 'number') {
    return `[${playbackLabel(attrs.playbackTime)}]`;
  }
  const query = isObject(attrs.query) ? attrs.query : {};
  const detail =
    ownString(attrs, 'title') ??
    ownString(query, 'shortId') ??
    ownString(attrs, 'id') ??
    ownString(attrs, 'href') ??
    ownString(attrs, 'content') ??
    text;
  const name = typeLabel(value.type);
  return detail === '' ? name : `${name}: ${detail}`;
}

/** A one-line label a person can read in place of the node. */
export function preservedLabel(value: JsonValue): string {
  const label = describe(value).replace(/\s+/g, ' ').trim();
  const characters = Array.from(label);
  return characters.length > LABEL_LENGTH ? `${characters.slice(0, LABEL_LENGTH - 1).join('')}…` : label;
}
