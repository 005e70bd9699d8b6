import { pythonTypeName } from '../compat/python-values.ts';
import { booleanField, charField, integerField, loneSurrogate, surrogateNotAllowed } from '../http/drf-fields.ts';
import { validationFailed } from '../http/errors.ts';
import { refuseNullCharacters } from '../http/null-characters.ts';
import type { JsonValue } from '../json/json-value.ts';

/** The writable fields of a notebook after DRF-style validation (only those sent). */
export interface NotebookWrite {
  title?: string | null;
  content?: JsonValue;
  text_content?: string | null;
  version?: number;
  deleted?: boolean;
  _create_in_folder?: string;
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
  if (typeof value === 'number')
    return !Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value));
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
  const has = (key: string) => Object.hasOwn(input, key);
  const data: NotebookWrite = {};
  if (has('title')) data.title = charField('title', input.title, true, 256);
  if (has('content')) {
    const content = input.content as JsonValue;
    refuseNullCharacters('content', content);
    const surrogate = firstLoneSurrogate(content);
    if (surrogate !== undefined) throw surrogateNotAllowed('content', surrogate);
    // JSON.parse would round integers beyond 2^53 and turn 1e400 into Infinity: refuse rather
    // than store something other than what was sent.
    if (hasInexactNumber(content)) {
      throw validationFailed(
        'content',
        'Numbers in content must be finite, and integers must be within ±9007199254740991.',
        'invalid_number',
      );
    }
    data.content = content;
  }
  if (has('text_content')) data.text_content = charField('text_content', input.text_content, true);
  if (has('version')) data.version = integerField('version', input.version);
  if (has('deleted')) data.deleted = booleanField('deleted', input.deleted);
  if (has('_create_in_folder'))
    data._create_in_folder = charField('_create_in_folder', input._create_in_folder, false) ?? '';
  return data;
}
