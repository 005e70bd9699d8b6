import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: JsonValue | undefined): value is null | boolean | number | string {
  return value === null || typeof value !== 'object';
}

/** `object[key]` for own keys only: a document may use keys such as "constructor" or "__proto__". */
function ownValue(object: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

// ---------------------------------------------------------------------------------------------
// The `contains` grammar (notebooks-api.md §4.1.2)
// ---------------------------------------------------------------------------------------------

/**
 * One `contains` token. `presence` and `id` are the right-hand sides of
 * `content->'content' @> …`; `id` is null unless `kind` is `match`.
 * present: keep notebooks containing `presence`; absent: drop them (NULL rules in
 * `containsMatches`); match: keep notebooks containing `presence` and, independently, `id`.
 */
export type ContainsTest = { kind: 'present' | 'absent' | 'match'; presence: JsonValue; id: JsonValue | null };

/** PostHog's `depluralize`; note that `"s"` becomes `""`, which `parseContains` skips like null. */
export function depluralize(s: string): string | null {
  if (s === '') return null;
  if (s.endsWith('ies')) return `${s.slice(0, -3)}y`;
  if (s.endsWith('s')) return s.slice(0, -1);
  return s;
}

/**
 * The tokens of a `contains` value, in order (they are ANDed).
 *
 * Integer matches become JS numbers. Python keeps big integers exact; here an integer beyond
 * Number.MAX_SAFE_INTEGER is rounded to the nearest double, so it may equal a different huge id
 * than it would in PostHog. An integer beyond the double range (over 308 digits) stays the raw
 * string, as if int() had failed: ±Infinity would serialise as JSON null and match null ids.
 */
export function parseContains(value: string): ContainsTest[] {
  const tests: ContainsTest[] = [];
  for (const token of value.replaceAll(',', ' ').split(' ')) {
    const parts = token.split(':');
    const target = depluralize(parts[0]);
    if (!target) continue;
    const rawMatch = parts.length > 1 ? parts[1] : null;
    const match = rawMatch === null ? null : (pythonInt(rawMatch) ?? rawMatch);
    tests.push(containsTest(target, match));
  }
  return tests;
}

function containsTest(target: string, match: string | number | null): ContainsTest {
  let presence: JsonValue = [{ type: `ph-${target}` }];
  let id: JsonValue = [{ attrs: { id: match } }];
  if (target === 'replay-timestamp') {
    presence = [{ content: [{ type: `ph-${target}` }] }];
    id = [{ content: [{ attrs: { sessionRecordingId: match } }] }];
  } else if (target === 'query') {
    id = [{ attrs: { query: { kind: 'SavedInsightNode', shortId: match } } }];
  }
  if (match === null || match === 'true') return { kind: 'present', presence, id: null };
  if (match === 'false') return { kind: 'absent', presence, id: null };
  return { kind: 'match', presence, id };
}

const PYTHON_MAX_INT_DIGITS = 4300;

/**
 * Python's `int(text)`, or null where it raises ValueError. CPython first maps non-ASCII
 * whitespace to " " and non-ASCII decimal digits (any script) to ASCII digits, then parses
 * ASCII: optional ASCII whitespace, sign, digits with single underscores between them, optional
 * ASCII whitespace. Strings of more than 4300 digits raise (sys.int_max_str_digits).
 */
function pythonInt(text: string): number | null {
  let ascii = '';
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (codePoint < 0x7f) {
      ascii += char;
    } else if (isPythonUnicodeSpace(codePoint)) {
      ascii += ' ';
    } else {
      const digit = decimalDigitValue(char);
      if (digit === null) return null;
      ascii += String(digit);
    }
  }
  const parsed = /^[ \t\n\v\f\r]*([+-]?)(\d+(?:_\d+)*)[ \t\n\v\f\r]*$/.exec(ascii);
  if (parsed === null) return null;
  const digits = parsed[2].replaceAll('_', '');
  if (digits.length > PYTHON_MAX_INT_DIGITS) return null;
  const number = Number(parsed[1] + digits);
  if (!Number.isFinite(number)) return null;
  return number === 0 ? 0 : number; // Python has no negative zero integer
}

/** Non-ASCII characters for which Python's str.isspace() is true. */
function isPythonUnicodeSpace(codePoint: number): boolean {
  return (
    codePoint === 0x85 ||
    codePoint === 0xa0 ||
    codePoint === 0x1680 ||
    (codePoint >= 0x2000 && codePoint <= 0x200a) ||
    codePoint === 0x2028 ||
    codePoint === 0x2029 ||
    codePoint === 0x202f ||
    codePoint === 0x205f ||
    codePoint === 0x3000
  );
}

const DECIMAL_DIGIT = /^\p{Nd}$/u;

/**
 * The value of a Unicode decimal digit (category Nd), or null. Unicode encodes each script's
 * digits 0–9 contiguously and every run of Nd code points starts at a zero, so the value is the
 * distance from the start of the run, modulo 10 (some runs, like U+1D7CE–U+1D7FF, hold several
 * sets). The character tables are those of Node's ICU, which may be a newer Unicode version
 * than PostHog's Python: digits of scripts added in between differ.
 */
function decimalDigitValue(char: string): number | null {
  if (!DECIMAL_DIGIT.test(char)) return null;
  const codePoint = char.codePointAt(0) ?? 0;
  let start = codePoint;
  while (DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start -= 1;
  return (codePoint - start) % 10;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL's jsonb `@>`
// ---------------------------------------------------------------------------------------------

/**
 * `left @> right` as PostgreSQL evaluates it (JsonbDeepContains); `left` undefined stands for
 * SQL NULL (for instance `content->'content'` when there is no such key) and gives false.
 * Numbers compare as JS doubles, whereas PostgreSQL compares exact decimals: numbers that differ
 * only beyond double precision are equal here and not there.
 */
export function jsonbContains(left: JsonValue | undefined, right: JsonValue): boolean {
  if (left === undefined) return false;
  if (isJsonObject(left) !== isJsonObject(right)) return false;
  // At the top level a scalar is a one-element "raw scalar" array: an array may contain it,
  // but a raw scalar never contains a real array.
  if (isScalar(left)) return isScalar(right) && scalarsEqual(left, right);
  if (Array.isArray(left) && isScalar(right)) return left.some((element) => scalarsEqual(element, right));
  return containerContains(left, right);
}

function scalarsEqual(left: JsonValue | undefined, right: JsonValue): boolean {
  if (!isScalar(left) || !isScalar(right)) return false;
  return left === right; // same JSON type and value; 0 === -0 as in numeric comparison
}

function containerContains(left: JsonValue, right: JsonValue): boolean {
  if (Array.isArray(left)) {
    if (!Array.isArray(right)) return false;
    return right.every((wanted) =>
      isScalar(wanted)
        ? left.some((element) => scalarsEqual(element, wanted))
        : left.some((element) => !isScalar(element) && containerContains(element, wanted)),
    );
  }
  if (!isJsonObject(left) || !isJsonObject(right)) return false;
  return Object.keys(right).every((key) => {
    if (!Object.hasOwn(left, key)) return false;
    const wanted = right[key];
    const found = left[key];
    if (isScalar(wanted)) return scalarsEqual(found, wanted);
    return !isScalar(found) && containerContains(found, wanted);
  });
}

// ---------------------------------------------------------------------------------------------
// Containment facts: `@>` for the `contains` grammar without `@>` (SQLite)
// ---------------------------------------------------------------------------------------------
//
// Every structure that parseContains builds has the form `[{…one path…}]`, so
// `content->'content' @> structure` holds exactly when `content.content` is an array with an
// object element on which that one path leads to an equal scalar. A notebook's facts list every
// such path with its scalar, so each test becomes "this fact is present":
//
//   has-content   content is an object with a "content" key (any value, even null)
//   t:<type>      a top-level node (object element of the content.content array) has a string "type"
//   i:<scalar>    a top-level node has an object "attrs" whose "id" is a string or number
//   q:<scalar>    a top-level node has an object attrs.query with kind === "SavedInsightNode"
//                 and a string or number "shortId" (both on the same query object)
//   ct:<type>     a child (object element of a top-level node's "content" ARRAY) has a string "type"
//   cr:<scalar>   such a child has an object "attrs" whose "sessionRecordingId" is a string or number
//
// <scalar> is `s:<string>` or `n:<number>`, the number written as JS String() of the parsed double
// (so 1, 1.0, 1e0 and -0/0 give the same fact; 1 and "1" differ, as in jsonb). Other JSON types
// (null, booleans, arrays, objects) can never equal a match, which is always a string or an
// integer, so they give no fact. Types are always strings, so `t:`/`ct:` take the raw string.

export const HAS_CONTENT_FACT = 'has-content';

function scalarFact(prefix: string, value: JsonValue | undefined): string | null {
  if (typeof value === 'string') return `${prefix}s:${value}`;
  if (typeof value === 'number') return `${prefix}n:${value === 0 ? 0 : value}`;
  return null;
}

/** The distinct facts of a notebook's content; `null`/`undefined` content (SQL NULL) has none. */
export function containsFacts(content: JsonValue | undefined): string[] {
  if (!isJsonObject(content) || !Object.hasOwn(content, 'content')) return [];
  const facts = new Set<string>([HAS_CONTENT_FACT]);
  const add = (fact: string | null): void => {
    if (fact !== null) facts.add(fact);
  };
  const nodes = content.content;
  if (!Array.isArray(nodes)) return [...facts];
  for (const node of nodes) {
    if (!isJsonObject(node)) continue;
    const type = ownValue(node, 'type');
    if (typeof type === 'string') facts.add(`t:${type}`);
    const attrs = ownValue(node, 'attrs');
    if (isJsonObject(attrs)) {
      add(scalarFact('i:', ownValue(attrs, 'id')));
      const query = ownValue(attrs, 'query');
      if (isJsonObject(query) && ownValue(query, 'kind') === 'SavedInsightNode') {
        add(scalarFact('q:', ownValue(query, 'shortId')));
      }
    }
    const children = ownValue(node, 'content');
    if (!Array.isArray(children)) continue;
    for (const child of children) {
      if (!isJsonObject(child)) continue;
      const childType = ownValue(child, 'type');
      if (typeof childType === 'string') facts.add(`ct:${childType}`);
      const childAttrs = ownValue(child, 'attrs');
      if (isJsonObject(childAttrs)) add(scalarFact('cr:', ownValue(childAttrs, 'sessionRecordingId')));
    }
  }
  return [...facts];
}

/**
 * The facts that must all be present for the test's containment to hold: the presence fact,
 * plus the id fact for `match`. For `absent` the caller negates them (see `containsMatches`).
 */
export function containsTestFacts(test: ContainsTest): string[] {
  const facts = [structureFact(test.presence)];
  if (test.kind === 'match' && test.id !== null) facts.push(structureFact(test.id));
  return facts;
}

/**
 * The reference evaluation of one test over a notebook's facts, equal to the SQL filter on
 * PostgreSQL. `contentIsNull`: the notebook's content column is NULL. For `absent`
 * (`NOT (content->'content' @> X AND content IS NOT NULL)`, NULL dropping the row): keep NULL
 * content, keep content whose "content" key exists without containing X, drop non-null content
 * without a "content" key.
 */
export function containsMatches(facts: ReadonlySet<string>, contentIsNull: boolean, test: ContainsTest): boolean {
  const contained = containsTestFacts(test).every((fact) => facts.has(fact));
  if (test.kind === 'absent') return contentIsNull || (facts.has(HAS_CONTENT_FACT) && !contained);
  return !contentIsNull && contained;
}

/** The fact for one of the five structure shapes that `parseContains` produces. */
function structureFact(structure: JsonValue): string {
  const node = soleObjectElement(structure);
  const [key, value] = node === null ? [] : soleEntry(node);
  if (key === 'type' && typeof value === 'string') return `t:${value}`;
  if (key === 'attrs' && isJsonObject(value)) {
    const [attr, attrValue] = soleEntry(value);
    if (attr === 'id') return requiredScalarFact('i:', attrValue, structure);
    if (attr === 'query' && isJsonObject(attrValue) && Object.keys(attrValue).length === 2 && ownValue(attrValue, 'kind') === 'SavedInsightNode') {
      return requiredScalarFact('q:', ownValue(attrValue, 'shortId'), structure);
    }
  }
  if (key === 'content' && value !== undefined) {
    const child = soleObjectElement(value);
    const [childKey, childValue] = child === null ? [] : soleEntry(child);
    if (childKey === 'type' && typeof childValue === 'string') return `ct:${childValue}`;
    if (childKey === 'attrs' && isJsonObject(childValue)) {
      const [attr, attrValue] = soleEntry(childValue);
      if (attr === 'sessionRecordingId') return requiredScalarFact('cr:', attrValue, structure);
    }
  }
  throw new Error(`Not a contains structure from parseContains: ${JSON.stringify(structure)}`);
}

function soleObjectElement(value: JsonValue): JsonObject | null {
  return Array.isArray(value) && value.length === 1 && isJsonObject(value[0]) ? value[0] : null;
}

function soleEntry(object: JsonObject): [string, JsonValue] | [] {
  const entries = Object.entries(object);
  return entries.length === 1 ? entries[0] : [];
}

function requiredScalarFact(prefix: string, value: JsonValue | undefined, structure: JsonValue): string {
  const fact = scalarFact(prefix, value);
  if (fact === null) throw new Error(`A contains match must be a string or a number: ${JSON.stringify(structure)}`);
  return fact;
}

// ---------------------------------------------------------------------------------------------
// jsonb storage form: key order and text
// ---------------------------------------------------------------------------------------------

/** jsonb's key order: shorter UTF-8 byte length first, then bytewise. */
export function compareJsonbKeys(a: string, b: string): number {
  // ASCII keys (nearly all of them): UTF-8 length and byte order are the string's own.
  if (ASCII.test(a) && ASCII.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length - right.length || Buffer.compare(left, right);
}

const ASCII = /^[\x00-\x7f]*$/;

function jsonbKeys(object: JsonObject): string[] {
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

function jsonbText(value: JsonValue, sourceText: string | undefined, numberTexts: NumberSourceTexts | undefined): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return postgresNumericText(sourceText ?? jsNumberText(value));
  if (typeof value === 'string') return jsonbString(value);
  const texts = numberTexts?.get(value);
  if (Array.isArray(value)) {
    return `[${value.map((element, index) => jsonbText(element, texts?.get(String(index)), numberTexts)).join(', ')}]`;
  }
  const members = jsonbKeys(value).map((key) => `${jsonbString(key)}: ${jsonbText(value[key], texts?.get(key), numberTexts)}`);
  return `{${members.join(', ')}}`;
}

function jsonbString(value: string): string {
  if (value.includes('\u0000')) throw new RangeError('PostgreSQL jsonb cannot store the character U+0000');
  if (!value.isWellFormed()) throw new RangeError('PostgreSQL jsonb cannot store a lone UTF-16 surrogate');
  // JSON.stringify escapes exactly what PostgreSQL's escape_json does: " \ \b \f \n \r \t and
  // other controls below U+0020 as lowercase \u00xx; everything else is written as is.
  return JSON.stringify(value);
}

function jsNumberText(value: number): string {
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
function postgresNumericText(raw: string): string {
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
  if (significant !== '' && point > NUMERIC_MAX_INTEGER_DIGITS) throw new RangeError(`${raw} overflows PostgreSQL's numeric`);
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

// ---------------------------------------------------------------------------------------------
// Number source text
// ---------------------------------------------------------------------------------------------

/**
 * The JSON source text of numbers, by the array or object that holds them and their key
 * (array indexes as strings). Only valid for the exact objects `parseJsonKeepingNumberText`
 * returned; copies (toJsonbOrder, spreading) lose it. A number that is the whole document has
 * no holder, so its text is not kept (notebook content is always an object).
 */
export type NumberSourceTexts = WeakMap<object, Map<string, string>>;

/**
 * JSON.parse (same acceptance, same result, last duplicate key wins) that also records how each
 * number was written, which JSON.parse forgets: PostHog's Python distinguishes `42` from `42.0`.
 */
export function parseJsonKeepingNumberText(text: string): { value: JsonValue; numberTexts: NumberSourceTexts } {
  const numberTexts: NumberSourceTexts = new WeakMap();
  let position = 0;

  const fail = (what: string): never => {
    throw new SyntaxError(`${what} in JSON at position ${position}`);
  };
  const skipWhitespace = (): void => {
    while (position < text.length && ' \t\n\r'.includes(text[position])) position += 1;
  };
  const parseString = (): string => {
    const start = position;
    position += 1;
    while (position < text.length && text[position] !== '"') position += text[position] === '\\' ? 2 : 1;
    if (position >= text.length) fail('Unterminated string');
    position += 1;
    const decoded: unknown = JSON.parse(text.slice(start, position));
    return typeof decoded === 'string' ? decoded : fail('Bad string');
  };
  // Returns the value and, for a number, its source text.
  const parseValue = (): [JsonValue, string | undefined] => {
    skipWhitespace();
    const char = text[position];
    if (char === '"') return [parseString(), undefined];
    if (char === '{') return [parseObject(), undefined];
    if (char === '[') return [parseArray(), undefined];
    for (const [literal, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(literal, position)) {
        position += literal.length;
        return [value, undefined];
      }
    }
    const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    number.lastIndex = position;
    const match = number.exec(text);
    if (match === null) return fail(position >= text.length ? 'Unexpected end' : `Unexpected token ${char}`);
    position += match[0].length;
    return [Number(match[0]), match[0]];
  };
  const parseArray = (): JsonValue[] => {
    const array: JsonValue[] = [];
    const texts = new Map<string, string>();
    position += 1;
    skipWhitespace();
    if (text[position] === ']') {
      position += 1;
      return array;
    }
    for (;;) {
      const [element, source] = parseValue();
      if (source !== undefined) texts.set(String(array.length), source);
      array.push(element);
      skipWhitespace();
      if (text[position] === ']') break;
      if (text[position] !== ',') fail('Expected , or ]');
      position += 1;
    }
    position += 1;
    if (texts.size > 0) numberTexts.set(array, texts);
    return array;
  };
  const parseObject = (): JsonObject => {
    const entries = new Map<string, JsonValue>();
    const texts = new Map<string, string>();
    position += 1;
    skipWhitespace();
    if (text[position] === '}') {
      position += 1;
      return {};
    }
    for (;;) {
      skipWhitespace();
      if (text[position] !== '"') fail('Expected a string key');
      const key = parseString();
      skipWhitespace();
      if (text[position] !== ':') fail('Expected :');
      position += 1;
      const [member, source] = parseValue();
      // JSON.parse keeps the first position of a repeated key and its last value.
      entries.set(key, member);
      if (source === undefined) texts.delete(key);
      else texts.set(key, source);
      skipWhitespace();
      if (text[position] === '}') break;
      if (text[position] !== ',') fail('Expected , or }');
      position += 1;
    }
    position += 1;
    const object: JsonObject = Object.fromEntries(entries);
    if (texts.size > 0) numberTexts.set(object, texts);
    return object;
  };

  const [value] = parseValue();
  skipWhitespace();
  if (position < text.length) fail(`Unexpected token ${text[position]}`);
  return { value, numberTexts };
}

// ---------------------------------------------------------------------------------------------
// Python str()
// ---------------------------------------------------------------------------------------------
//
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

function pythonStrOf(holder: JsonObject, key: string, numberTexts: NumberSourceTexts | undefined): string {
  const value = ownValue(holder, key);
  return typeof value === 'string' ? value : pythonRepr(value, numberTexts?.get(holder)?.get(key), numberTexts);
}

function pythonRepr(value: JsonValue | undefined, sourceText: string | undefined, numberTexts: NumberSourceTexts | undefined): string {
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
  const members = jsonbKeys(value).map((key) => `${pythonStringRepr(key)}: ${pythonRepr(value[key], texts?.get(key), numberTexts)}`);
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

// ---------------------------------------------------------------------------------------------
// Recording comments (notebooks-api.md §4.8 steps 4–5)
// ---------------------------------------------------------------------------------------------

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
    if (ownValue(attrs, 'sessionRecordingId') !== recordingId || playbackTime === undefined || playbackTime === null) continue;
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
