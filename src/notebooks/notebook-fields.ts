import { validationFailed } from '../http/errors.ts';
import type { JsonValue } from './content.ts';

/** The writable fields of a notebook after DRF-style validation (only those sent). */
export interface NotebookWrite {
  title?: string | null;
  content?: JsonValue;
  text_content?: string | null;
  version?: number;
  deleted?: boolean;
  _create_in_folder?: string;
}

const TRUE_VALUES = new Set<unknown>(['t', 'T', 'y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON', '1', 1, true]);
const FALSE_VALUES = new Set<unknown>(['f', 'F', 'n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF', '0', 0, false]);
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
// Python's str.strip() whitespace (str.isspace), which DRF's trim_whitespace uses.
const PY_WHITESPACE = /^[\s\u001c-\u001f\u0085]+|[\s\u001c-\u001f\u0085]+$/gu;

const notNull = (attr: string) => validationFailed(attr, 'This field may not be null.', 'null');

function pythonTypeName(value: unknown): string {
  if (value === null) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return 'dict';
}

/** Python str() of a JSON number as DRF's CharField would coerce it. */
function numberToPythonString(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return String(value);
  const text = String(value);
  if (/e/.test(text)) return text.replace(/e([+-])(\d)$/, 'e$10$2');
  return text;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The first unpaired surrogate: what Python's json leaves as a lone code point ("\ud800"). */
function loneSurrogate(text: string): number | undefined {
  const match = LONE_SURROGATE.exec(text);
  return match === null ? undefined : match[0].charCodeAt(0);
}

// DRF's ProhibitSurrogateCharactersValidator. PostgreSQL cannot store a lone surrogate either
// (UTF-8 has no encoding for one), so both engines refuse it.
const surrogateNotAllowed = (attr: string, codePoint: number) =>
  validationFailed(attr, `Surrogate characters are not allowed: U+${codePoint.toString(16).toUpperCase()}.`, 'surrogate_characters_not_allowed');

/** DRF CharField: strings, and numbers coerced to strings; trimmed; no NUL or lone surrogate characters. */
function charField(attr: string, value: unknown, allowNull: boolean, maxLength?: number): string | null {
  if (value === null) {
    if (allowNull) return null;
    throw notNull(attr);
  }
  if (typeof value !== 'string' && typeof value !== 'number') throw validationFailed(attr, 'Not a valid string.');
  const text = (typeof value === 'number' ? numberToPythonString(value) : value).replace(PY_WHITESPACE, '');
  if (maxLength !== undefined && [...text].length > maxLength) {
    throw validationFailed(attr, `Ensure this field has no more than ${maxLength} characters.`, 'max_length');
  }
  if (text.includes('\u0000')) throw validationFailed(attr, 'Null characters are not allowed.', 'null_characters_not_allowed');
  const surrogate = loneSurrogate(text);
  if (surrogate !== undefined) throw surrogateNotAllowed(attr, surrogate);
  return text;
}

/** DRF IntegerField(min=-2^31, max=2^31-1), including its "3.0" → 3 leniency. */
function integerField(attr: string, value: unknown): number {
  if (value === null) throw notNull(attr);
  let parsed: number | undefined;
  if (typeof value === 'number' && Number.isInteger(value)) parsed = value;
  else if (typeof value === 'string' && value.length <= 1000) {
    const text = value.replace(/\.0*\s*$/, '').trim();
    if (/^[+-]?\d+(_\d+)*$/.test(text)) parsed = Number(text.replace(/_/g, ''));
  }
  if (parsed === undefined) throw validationFailed(attr, 'A valid integer is required.');
  if (parsed > INT_MAX) throw validationFailed(attr, `Ensure this value is less than or equal to ${INT_MAX}.`, 'max_value');
  if (parsed < INT_MIN) throw validationFailed(attr, `Ensure this value is greater than or equal to ${INT_MIN}.`, 'min_value');
  return parsed;
}

function booleanField(attr: string, value: unknown): boolean {
  if (value === null) throw notNull(attr);
  if (TRUE_VALUES.has(value)) return true;
  if (FALSE_VALUES.has(value)) return false;
  throw validationFailed(attr, 'Must be a valid boolean.');
}

function hasNulCharacter(value: JsonValue): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNulCharacter);
  if (value !== null && typeof value === 'object') {
    for (const key in value) if (key.includes('\u0000') || hasNulCharacter(value[key])) return true;
  }
  return false;
}

function firstLoneSurrogate(value: JsonValue): number | undefined {
  if (typeof value === 'string') return loneSurrogate(value);
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = firstLoneSurrogate(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const key in value) {
      const found = loneSurrogate(key) ?? firstLoneSurrogate(value[key]);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function hasInexactNumber(value: JsonValue): boolean {
  if (typeof value === 'number') return !Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value));
  if (Array.isArray(value)) return value.some(hasInexactNumber);
  if (value !== null && typeof value === 'object') {
    for (const key in value) if (hasInexactNumber(value[key])) return true;
  }
  return false;
}

/**
 * Validates a create/update body the way PostHog's NotebookSerializer does: fields in serializer
 * order, the first error only, read-only and unknown keys ignored.
 */
export function parseNotebookWrite(body: unknown): NotebookWrite {
  if (body === undefined) return {};
  if (body === null) throw validationFailed(null, 'This field may not be null.', 'null');
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw validationFailed(null, `Invalid data. Expected a dictionary, but got ${pythonTypeName(body)}.`);
  }
  const input = body as Record<string, unknown>;
  const has = (key: string) => Object.prototype.hasOwnProperty.call(input, key);
  const data: NotebookWrite = {};
  if (has('title')) data.title = charField('title', input.title, true, 256);
  if (has('content')) {
    const content = input.content as JsonValue;
    // PostgreSQL cannot store U+0000 in jsonb, so neither engine accepts it (one rule for both).
    if (hasNulCharacter(content)) throw validationFailed('content', 'Null characters are not allowed.', 'null_characters_not_allowed');
    const surrogate = firstLoneSurrogate(content);
    if (surrogate !== undefined) throw surrogateNotAllowed('content', surrogate);
    // JSON.parse would round integers beyond 2^53 and turn 1e400 into Infinity: refuse rather
    // than store something other than what was sent.
    if (hasInexactNumber(content)) {
      throw validationFailed('content', 'Numbers in content must be finite, and integers must be within ±9007199254740991.', 'invalid_number');
    }
    data.content = content;
  }
  if (has('text_content')) data.text_content = charField('text_content', input.text_content, true);
  if (has('version')) data.version = integerField('version', input.version);
  if (has('deleted')) data.deleted = booleanField('deleted', input.deleted);
  if (has('_create_in_folder')) data._create_in_folder = charField('_create_in_folder', input._create_in_folder, false) ?? '';
  return data;
}

/** Python truthiness of a JSON value: what decides whether an update carries content. */
export function isTruthy(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}
