import type { JsonObject, JsonValue } from './json-value.ts';

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
    for (const [literal, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
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

const NUMBER_LIKE = /[0-9][.eE]/;

/** JSON.parse, plus the source texts of numbers when any number has a fraction or exponent. */
export function parseJsonText(text: string): { value: JsonValue; numberTexts?: NumberSourceTexts } {
  if (!NUMBER_LIKE.test(text)) return { value: JSON.parse(text) as JsonValue };
  return parseJsonKeepingNumberText(text);
}
