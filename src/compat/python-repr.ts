import { type JsonObject, type JsonValue, ownValue } from '../json/json-value.ts';
import { jsNumberText, jsonbKeys, postgresNumericText } from '../json/jsonb-text.ts';
import type { NumberSourceTexts } from '../json/number-texts.ts';
import { PYTHON_MAX_INT_DIGITS } from './python-int.ts';

// PostHog reads content back from jsonb with json.loads, so Python sees what PostgreSQL prints:
// a number is an int when numeric prints no decimal point (`1E5` → 100000 → "100000") and a
// float otherwise (`4.20e1` → 42.0 → "42.0"); dict keys come in jsonb order.

/**
 * Python's `str()` of the value json.loads gives for this JSON number text after a jsonb round
 * trip: `42` → `42`, `42.0` and `4.20e1` → `42.0`, `1E5` → `100000`, `1e-5` → `1e-05`,
 * `-0.0` → `0.0`. Throws where PostHog would fail: outside PostgreSQL numeric's range, or an
 * integer of more than 4300 digits (Python's int_max_str_digits).
 */
export function pythonNumberRepr(raw: string): string {
  const postgresText = postgresNumericText(raw);
  if (postgresText.includes('.')) return pythonFloatRepr(Number(postgresText));
  if (postgresText.replace('-', '').length > PYTHON_MAX_INT_DIGITS) {
    throw new RangeError(`Python cannot read an integer of more than ${PYTHON_MAX_INT_DIGITS} digits: ${raw}`);
  }
  return postgresText;
}

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 or from 1e16. */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  const point = exponent + 1; // digits before the decimal point
  if (point <= -4 || point > 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    return `${sign}${digits[0]}${fraction}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * Python's `str()` of the value: None (also for undefined, a missing key), True/False, ints,
 * float repr, strings as they are, lists and dicts as Python's repr (dict keys in jsonb order).
 * A number inside an array or object uses its source text when `numberTexts` has it; otherwise
 * only the JS double is known and it is taken as written by JSON.stringify (`String(n)`), so an
 * integral double prints as an int: `42.0` in the original JSON prints `42`, where PostHog
 * prints `42.0`.
 */
export function pythonStr(value: JsonValue | undefined, numberTexts?: NumberSourceTexts): string {
  return typeof value === 'string' ? value : pythonRepr(value, undefined, numberTexts);
}

/** `str()` of `holder[key]`, using the number's source text when `numberTexts` has it. */
export function pythonStrOf(holder: JsonObject, key: string, numberTexts: NumberSourceTexts | undefined): string {
  const value = ownValue(holder, key);
  return typeof value === 'string' ? value : pythonRepr(value, numberTexts?.get(holder)?.get(key), numberTexts);
}

function pythonRepr(
  value: JsonValue | undefined,
  sourceText: string | undefined,
  numberTexts: NumberSourceTexts | undefined,
): string {
  if (value === undefined || value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    return pythonNumberRepr(sourceText ?? jsNumberText(value));
  }
  if (typeof value === 'string') return pythonStringRepr(value);
  const texts = numberTexts?.get(value);
  if (Array.isArray(value)) {
    return `[${value.map((element, index) => pythonRepr(element, texts?.get(String(index)), numberTexts)).join(', ')}]`;
  }
  const members = jsonbKeys(value).map(
    (key) => `${pythonStringRepr(key)}: ${pythonRepr(value[key], texts?.get(key), numberTexts)}`,
  );
  return `{${members.join(', ')}}`;
}

const NOT_PRINTABLE = /^[\p{C}\p{Z}]$/u;

/**
 * Python's `repr(str)`: single quotes unless the string has a ' and no ", backslash escapes,
 * \xNN / \uNNNN / \UNNNNNNNN for characters that are not printable (Unicode categories C* and
 * Z* except the space; Node's Unicode tables, possibly newer than PostHog's Python).
 */
function pythonStringRepr(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of value) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (char === quote || char === '\\') out += `\\${char}`;
    else if (char === '\t') out += '\\t';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (codePoint < 0x20 || codePoint === 0x7f) out += `\\x${hex(codePoint, 2)}`;
    else if (codePoint < 0x7f || !NOT_PRINTABLE.test(char)) out += char;
    else if (codePoint <= 0xff) out += `\\x${hex(codePoint, 2)}`;
    else if (codePoint <= 0xffff) out += `\\u${hex(codePoint, 4)}`;
    else out += `\\U${hex(codePoint, 8)}`;
  }
  return out + quote;
}

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}
