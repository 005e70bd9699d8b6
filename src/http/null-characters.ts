import type { JsonValue } from '../json/json-value.ts';
import { validationFailed } from './errors.ts';

// PostgreSQL can store U+0000 neither in text nor in jsonb. Every input is refused with it where
// it is parsed, so that both engines give the same answer.

export const nullCharactersNotAllowed = (attr: string) =>
  validationFailed(attr, 'Null characters are not allowed.', 'null_characters_not_allowed');

/** Whether a string, or any string or key inside a JSON value, holds U+0000. */
export function hasNullCharacter(value: JsonValue | undefined): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNullCharacter);
  if (value !== null && typeof value === 'object') {
    for (const key in value) if (key.includes('\u0000') || hasNullCharacter(value[key])) return true;
  }
  return false;
}

/** Throws the 400 for `attr` when the value holds U+0000. */
export function refuseNullCharacters(attr: string, value: JsonValue | undefined): void {
  if (hasNullCharacter(value)) throw nullCharactersNotAllowed(attr);
}
