import { Buffer } from 'node:buffer';
import { isJsonObject, type JsonObject, type JsonValue } from './json-value.ts';
import type { NumberSourceTexts } from './number-texts.ts';

/** jsonb's key order: shorter UTF-8 byte length first, then bytewise. */
export function compareJsonbKeys(a: string, b: string): number {
  // ASCII keys (nearly all of them): UTF-8 length and byte order are the string's own.
  if (ASCII.test(a) && ASCII.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length - right.length || Buffer.compare(left, right);
}

const ASCII = /^[\x00-\x7f]*$/;

export function jsonbKeys(object: JsonObject): string[] {
  const keys = Object.keys(object);
  return keys.length < 2 ? keys : keys.sort(compareJsonbKeys);
}

/**
 * A deep copy with object keys in jsonb order, as PostgreSQL returns a stored jsonb value.
 * Limitation: JS objects always list integer-like keys ("0", "42") first, ascending, whatever
 * the insertion order, so for such keys the copy cannot follow jsonb order ({"10", "9", "a"}
 * is 9, a, 10 in jsonb but 9, 10, a here). The PostgreSQL driver parses jsonb into JS objects
 * too, so both engines agree with each other; `toJsonbText` writes the exact jsonb order.
 */
export function toJsonbOrder(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(toJsonbOrder);
  if (!isJsonObject(value)) return value;
  // fromEntries defines own properties, so a "__proto__" key stays a key.
  return Object.fromEntries(jsonbKeys(value).map((key) => [key, toJsonbOrder(value[key])]));
}

/**
 * Exactly PostgreSQL's `value::jsonb::text`: keys in jsonb order (integer-like keys included),
 * ", " and ": " separators, numbers as PostgreSQL's numeric prints them (`4.20e1` → `42.0`,
 * `1E5` → `100000`). A number's source text, when `numberTexts` has it (see
 * `parseJsonKeepingNumberText`), is used instead of the JS double, so `42.0` stays `42.0`.
 * Throws where PostgreSQL would reject the value: strings with U+0000 or lone surrogates,
 * numbers out of numeric's range, non-finite numbers.
 */
export function toJsonbText(value: JsonValue, numberTexts?: NumberSourceTexts): string {
  return jsonbText(value, undefined, numberTexts);
}

function jsonbText(
  value: JsonValue,
  sourceText: string | undefined,
  numberTexts: NumberSourceTexts | undefined,
): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return postgresNumericText(sourceText ?? jsNumberText(value));
  if (typeof value === 'string') return jsonbString(value);
  const texts = numberTexts?.get(value);
  if (Array.isArray(value)) {
    return `[${value.map((element, index) => jsonbText(element, texts?.get(String(index)), numberTexts)).join(', ')}]`;
  }
  const members = jsonbKeys(value).map(
    (key) => `${jsonbString(key)}: ${jsonbText(value[key], texts?.get(key), numberTexts)}`,
  );
  return `{${members.join(', ')}}`;
}

function jsonbString(value: string): string {
  if (value.includes('\u0000')) throw new RangeError('PostgreSQL jsonb cannot store the character U+0000');
  if (!value.isWellFormed()) throw new RangeError('PostgreSQL jsonb cannot store a lone UTF-16 surrogate');
  // JSON.stringify escapes exactly what PostgreSQL's escape_json does: " \ \b \f \n \r \t and
  // other controls below U+0020 as lowercase \u00xx; everything else is written as is.
  return JSON.stringify(value);
}

export function jsNumberText(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`${value} is not a JSON number`);
  return String(value); // e.g. "1e+21": valid JSON number text, read by numeric like any other
}

const JSON_NUMBER = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
const NUMERIC_MAX_INTEGER_DIGITS = 131072; // weight limit of PostgreSQL's numeric
const NUMERIC_MAX_SCALE = 16383;
const NUMERIC_MAX_EXPONENT = 1073741823; // INT_MAX / 2

/**
 * How PostgreSQL's numeric prints a JSON number (numeric_in, then numeric_out): exact, in plain
 * notation, with max(0, fraction digits − exponent) decimals; no negative zero.
 */
export function postgresNumericText(raw: string): string {
  const parsed = JSON_NUMBER.exec(raw);
  if (parsed === null) throw new SyntaxError(`Not a JSON number: ${raw}`);
  const [, sign, integerDigits, fractionDigits = '', exponentText = '0'] = parsed;
  const exponent = Number(exponentText);
  // numeric_in refuses exponents this large before looking at the digits.
  if (Math.abs(exponent) >= NUMERIC_MAX_EXPONENT) throw new RangeError(`${raw} overflows PostgreSQL's numeric`);
  const scale = Math.max(0, fractionDigits.length - exponent);
  const allDigits = integerDigits + fractionDigits;
  const significant = allDigits.replace(/^0+/, '');
  // Position of the decimal point counted from the first significant digit.
  const point = significant.length - fractionDigits.length + exponent;
  if (significant !== '' && point > NUMERIC_MAX_INTEGER_DIGITS)
    throw new RangeError(`${raw} overflows PostgreSQL's numeric`);
  if (scale > NUMERIC_MAX_SCALE) throw new RangeError(`${raw} overflows PostgreSQL's numeric`);
  let integerPart = '0';
  let fractionPart = '';
  if (significant !== '') {
    integerPart = point <= 0 ? '0' : significant.slice(0, point).padEnd(point, '0');
    fractionPart = point >= 0 ? significant.slice(point) : '0'.repeat(-point) + significant;
  }
  fractionPart = fractionPart.padEnd(scale, '0').slice(0, scale);
  const negative = sign === '-' && significant !== '';
  return `${negative ? '-' : ''}${integerPart}${scale > 0 ? `.${fractionPart}` : ''}`;
}
