import { Fragment, type Mark, type MarkType, type Node, type NodeType, type Schema } from '@tiptap/pm/model';
import { isAllowedUrl } from '../editor/document-schema.ts';
import type { JsonObject, JsonValue } from '../json/json-value.ts';
import { assertJsonDepth } from './markdown-errors.ts';
import { markdownSchema, PRESERVED_BLOCK, PRESERVED_INLINE } from './markdown-schema.ts';

/**
 * How deep blocks may nest before a subtree is kept whole in the preserved form: below the
 * reader's limit (`MAX_MARKDOWN_NESTING`), so that whatever is written can be read back.
 */
const MAX_WRITTEN_DEPTH = 40;

const LINK_DEFAULTS = { target: '_blank', rel: 'noopener noreferrer nofollow', class: null } as const;
const TABLE_ALIGNMENTS = new Set([null, 'left', 'center', 'right']);
// Characters Markdown cannot carry as themselves: NUL becomes U+FFFD and CR a line break.
const UNWRITABLE_TEXT = /[\0\r]/;
const CONTROL = /[\0-\x1f\x7f]/;

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOnlyKeys(object: JsonObject, keys: readonly string[]): boolean {
  return Object.keys(object).every((key) => keys.includes(key));
}

function isPlainLine(value: JsonValue | undefined): boolean {
  return typeof value === 'string' && value !== '' && !CONTROL.test(value);
}

function isUrl(value: JsonValue | undefined): boolean {
  return typeof value === 'string' && value !== '' && !CONTROL.test(value) && isAllowedUrl(value);
}

/** Whether Markdown can carry this attribute value of a known node, so that it reads back the same. */
function nodeAttrWritable(type: string, key: string, value: JsonValue): boolean {
  switch (`${type}.${key}`) {
    case 'heading.level':
      return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 6;
    case 'codeBlock.language':
      return value === null || (isPlainLine(value) && value === (value as string).trim());
    case 'orderedList.start':
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 999_999_999;
    case 'taskItem.checked':
      return typeof value === 'boolean';
    case 'image.src':
      return isUrl(value);
    case 'image.alt':
    case 'image.title':
      return value === null || isPlainLine(value);
    case 'tableCell.align':
    case 'tableHeader.align':
      return TABLE_ALIGNMENTS.has(value as string | null);
    default:
      return false;
  }
}

function markAttrWritable(type: string, key: string, value: JsonValue): boolean {
  if (type !== 'link') return false;
  if (key === 'href') return isUrl(value);
  if (key === 'title') return value === null || isPlainLine(value);
  return Object.hasOwn(LINK_DEFAULTS, key) && LINK_DEFAULTS[key as keyof typeof LINK_DEFAULTS] === value;
}

// Attributes Markdown has to write out: their default (null) has no Markdown form.
const REQUIRED_ATTRS: Record<string, string> = { image: 'src', link: 'href' };

/**
 * The attributes to build a known node or mark with, or null when one of them is unknown to the
 * schema or has a value Markdown cannot carry. An attribute may be left out (the schema's default
 * fills it, as the editor would) or hold its default, except an image's `src` and a link's `href`.
 */
function writableAttrs(
  type: NodeType | MarkType,
  json: JsonObject,
  writable: (type: string, key: string, value: JsonValue) => boolean,
): JsonObject | null {
  const attrs = Object.hasOwn(json, 'attrs') ? json.attrs : {};
  if (!isObject(attrs)) return null;
  const required = Object.hasOwn(REQUIRED_ATTRS, type.name) ? REQUIRED_ATTRS[type.name] : null;
  if (required !== null && !(Object.hasOwn(attrs, required) && writable(type.name, required, attrs[required]))) {
    return null;
  }
  for (const [key, value] of Object.entries(attrs)) {
    const specs = type.spec.attrs ?? {};
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
    if (spec === undefined) return null;
    const isDefault = Object.hasOwn(spec, 'default') && spec.default === value;
    if (!isDefault && !writable(type.name, key, value)) return null;
  }
  return attrs;
}

class Unwritable extends Error {}

/**
 * The notebook document as a node of `markdownSchema()`, where every part that Markdown cannot
 * write so that it reads back the same is a preserved stand-in holding its original JSON.
 */
export function documentFromNotebook(content: JsonObject): Node {
  const schema = markdownSchema();
  const children = Array.isArray(content.content) ? content.content : [];
  const blocks = children.map((child) => blockNode(schema, child, 1, schema.topNodeType));
  return schema.topNodeType.create(null, blocks);
}

// Known nodes are walked at most MAX_WRITTEN_DEPTH deep; a preserved value is checked on its
// own before anything (JSON.stringify, the label) walks it.
function preservedBlock(schema: Schema, json: JsonValue): Node {
  assertJsonDepth(json);
  return schema.nodes[PRESERVED_BLOCK].create({ value: json });
}

function preservedInline(schema: Schema, json: JsonValue): Node {
  assertJsonDepth(json);
  return schema.nodes[PRESERVED_INLINE].create({ value: json });
}

function blockNode(schema: Schema, json: JsonValue, depth: number, parent: NodeType): Node {
  try {
    return knownBlock(schema, json, depth, parent);
  } catch (error) {
    if (error instanceof Unwritable) return preservedBlock(schema, json);
    throw error;
  }
}

function knownType(schema: Schema, json: JsonValue): { type: NodeType; json: JsonObject } {
  if (!isObject(json) || typeof json.type !== 'string') throw new Unwritable();
  const type = Object.hasOwn(schema.nodes, json.type) ? schema.nodes[json.type] : undefined;
  if (type === undefined || type.name === PRESERVED_BLOCK || type.name === PRESERVED_INLINE) throw new Unwritable();
  return { type, json };
}

function knownBlock(schema: Schema, value: JsonValue, depth: number, parent: NodeType): Node {
  const { type, json } = knownType(schema, value);
  if (!type.isBlock || type === schema.topNodeType || depth > MAX_WRITTEN_DEPTH) throw new Unwritable();
  if (!hasOnlyKeys(json, ['type', 'attrs', 'content'])) throw new Unwritable();
  const attrs = writableAttrs(type, json, nodeAttrWritable);
  if (attrs === null) throw new Unwritable();
  const content = Object.hasOwn(json, 'content') ? json.content : [];
  if (!Array.isArray(content)) throw new Unwritable();
  let children: Node[];
  if (type.name === 'codeBlock') children = codeText(schema, content);
  else if (type.inlineContent) children = inlineNodes(schema, type, content);
  else children = content.map((child) => blockNode(schema, child, depth + 1, type));
  if (!type.validContent(Fragment.from(children))) throw new Unwritable();
  const node = type.create(attrs, children);
  if (type.name === 'table' && !isGfmTable(node)) throw new Unwritable();
  const inCell = parent.name === 'tableCell' || parent.name === 'tableHeader';
  if (type.name === 'paragraph' && !inCell && node.childCount === 1 && node.child(0).type.name === 'hardBreak') {
    // A line holding only `<br>` is how an empty paragraph is written (a cell is inline Markdown).
    throw new Unwritable();
  }
  return node;
}

function codeText(schema: Schema, content: JsonValue[]): Node[] {
  return content.map((child) => {
    if (!isObject(child) || child.type !== 'text' || !hasOnlyKeys(child, ['type', 'text'])) throw new Unwritable();
    if (typeof child.text !== 'string' || child.text === '' || UNWRITABLE_TEXT.test(child.text)) throw new Unwritable();
    return schema.text(child.text);
  });
}

function inlineNodes(schema: Schema, parent: NodeType, content: JsonValue[]): Node[] {
  return content.map((child) => {
    try {
      return knownInline(schema, parent, child);
    } catch (error) {
      if (error instanceof Unwritable) return preservedInline(schema, child);
      throw error;
    }
  });
}

function knownInline(schema: Schema, parent: NodeType, value: JsonValue): Node {
  const { type, json } = knownType(schema, value);
  if (!type.isInline) throw new Unwritable();
  const marks = writableMarks(schema, parent, json);
  if (type.isText) {
    if (!hasOnlyKeys(json, ['type', 'text', 'marks'])) throw new Unwritable();
    const text = json.text;
    if (typeof text !== 'string' || text === '' || UNWRITABLE_TEXT.test(text)) throw new Unwritable();
    // A code span cannot hold a line break: Markdown reads one as a space.
    if (text.includes('\n') && marks.some((mark) => mark.type.name === 'code')) throw new Unwritable();
    return schema.text(text, marks);
  }
  if (!hasOnlyKeys(json, ['type', 'attrs', 'marks'])) throw new Unwritable();
  const attrs = writableAttrs(type, json, nodeAttrWritable);
  if (attrs === null || !type.isLeaf) throw new Unwritable();
  if (marks.some((mark) => mark.type.name === 'code')) throw new Unwritable();
  return type.create(attrs, null, marks);
}

function writableMarks(schema: Schema, parent: NodeType, json: JsonObject): readonly Mark[] {
  if (!Object.hasOwn(json, 'marks')) return [];
  const list = json.marks;
  if (!Array.isArray(list)) throw new Unwritable();
  const marks = list.map((markJson) => {
    if (!isObject(markJson) || typeof markJson.type !== 'string' || !hasOnlyKeys(markJson, ['type', 'attrs'])) {
      throw new Unwritable();
    }
    const type = Object.hasOwn(schema.marks, markJson.type) ? schema.marks[markJson.type] : undefined;
    if (type === undefined || !parent.allowsMarkType(type)) throw new Unwritable();
    const attrs = writableAttrs(type, markJson, markAttrWritable);
    if (attrs === null) throw new Unwritable();
    return type.create(attrs);
  });
  const set = marks.reduce<readonly Mark[]>((acc, mark) => mark.addToSet(acc), []);
  // Marks that exclude one another (code excludes all) or repeat would silently collapse.
  if (set.length !== marks.length) throw new Unwritable();
  return set;
}

/**
 * GFM tables: one header row of header cells, then rows of plain cells, all rows as wide, each
 * cell one paragraph, no spans or widths, and one alignment per column.
 */
function isGfmTable(table: Node): boolean {
  const width = table.child(0).childCount;
  if (width === 0) return false;
  const alignments: unknown[] = [];
  let gfm = true;
  table.forEach((row, _offset, rowIndex) => {
    if (row.childCount !== width) gfm = false;
    row.forEach((cell, _cellOffset, column) => {
      const expected = rowIndex === 0 ? 'tableHeader' : 'tableCell';
      if (cell.type.name !== expected || cell.childCount !== 1 || cell.child(0).type.name !== 'paragraph') gfm = false;
      if (cell.attrs.colspan !== 1 || cell.attrs.rowspan !== 1 || cell.attrs.colwidth !== null) gfm = false;
      if (rowIndex === 0) alignments[column] = cell.attrs.align;
      else if (alignments[column] !== cell.attrs.align) gfm = false;
    });
  });
  return gfm;
}
