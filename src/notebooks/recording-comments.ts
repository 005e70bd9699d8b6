import { createHash } from 'node:crypto';
import { pythonStr, pythonStrOf } from '../compat/python-repr.ts';
import { isJsonObject, type JsonObject, type JsonValue, ownValue } from '../json/json-value.ts';
import { type NumberSourceTexts, parseJsonKeepingNumberText } from '../json/number-texts.ts';

export type RecordingComment = {
  timeInRecording: JsonValue;
  comment: JsonValue;
  notebookShortId: string;
  notebookTitle: string | null;
  id: string;
};

export type RecordingCommentsNotebook = {
  shortId: string;
  title: string | null;
  /** The content; `null`/`undefined` (SQL NULL) is malformed here. */
  content: JsonValue | undefined;
  /**
   * The content's JSON text, when the caller has it (PostgreSQL `content::text`, or text stored
   * by `toJsonbText`). Used instead of `content`, it lets a `playbackTime` or `text` written as
   * `42.0` hash as PostHog's `42.0`; without it such a number hashes as `42`.
   */
  contentText?: string | null;
};

/**
 * The comments of one notebook for a recording, in node order. The notebook must already have
 * passed `contains=recording:<recordingId>`; that filter is the caller's.
 * Throws an Error where PostHog raises (answering 500): content that is not an object,
 * `content.content` that cannot be iterated as nodes, a node that is not an object, and in a
 * candidate paragraph a non-list `content`, a non-object child, or a non-object `attrs`.
 */
export function recordingComments(notebook: RecordingCommentsNotebook, recordingId: string): RecordingComment[] {
  let content = notebook.content;
  let numberTexts: NumberSourceTexts | undefined;
  if (typeof notebook.contentText === 'string') {
    ({ value: content, numberTexts } = parseJsonKeepingNumberText(notebook.contentText));
  }
  const malformed = (detail: string): Error =>
    new Error(`Notebook ${notebook.shortId}: malformed content for recording comments: ${detail}`);
  if (!isJsonObject(content)) throw malformed('content is not an object');

  const comments: RecordingComment[] = [];
  for (const node of topLevelNodes(content, malformed)) {
    if (!isJsonObject(node)) throw malformed('a top-level node is not an object');
    if (ownValue(node, 'type') !== 'paragraph') continue;
    const children = Object.hasOwn(node, 'content') ? node.content : [];
    if (pythonLen(children, malformed) !== 2) continue;
    if (!Array.isArray(children)) throw malformed('a paragraph\'s "content" is not a list');
    const [first, second] = children;
    if (!isJsonObject(first)) throw malformed('a paragraph child is not an object');
    const attrs = Object.hasOwn(first, 'attrs') ? first.attrs : {};
    if (!isJsonObject(attrs)) throw malformed('a paragraph child\'s "attrs" is not an object');
    const playbackTime = ownValue(attrs, 'playbackTime');
    if (ownValue(attrs, 'sessionRecordingId') !== recordingId || playbackTime === undefined || playbackTime === null)
      continue;
    if (!isJsonObject(second)) throw malformed('a paragraph child is not an object');
    const text = ownValue(second, 'text') ?? null;
    const idSource = [
      notebook.shortId,
      pythonStr(notebook.title),
      pythonStrOf(second, 'text', numberTexts),
      pythonStrOf(attrs, 'playbackTime', numberTexts),
    ].join('-');
    // Python's str.encode() raises on a lone surrogate; Node would hash U+FFFD instead.
    if (!idSource.isWellFormed()) throw malformed('a comment contains a lone UTF-16 surrogate');
    comments.push({
      timeInRecording: playbackTime,
      comment: text,
      notebookShortId: notebook.shortId,
      notebookTitle: notebook.title,
      id: createHash('sha256').update(idSource, 'utf8').digest('hex'),
    });
  }
  return comments;
}

/** `for node in content.get("content", {})`: lists iterate; empty dicts and strings yield nothing. */
function topLevelNodes(content: JsonObject, malformed: (detail: string) => Error): JsonValue[] {
  const nodes = Object.hasOwn(content, 'content') ? content.content : {};
  if (Array.isArray(nodes)) return nodes;
  if ((isJsonObject(nodes) && Object.keys(nodes).length === 0) || nodes === '') return [];
  throw malformed('"content" is not a list of nodes');
}

/** Python's len() for a JSON value; numbers, booleans and None raise TypeError. */
function pythonLen(value: JsonValue, malformed: (detail: string) => Error): number {
  if (Array.isArray(value)) return value.length;
  if (isJsonObject(value)) return Object.keys(value).length;
  if (typeof value === 'string') return [...value].length;
  throw malformed('a paragraph\'s "content" has no length');
}
