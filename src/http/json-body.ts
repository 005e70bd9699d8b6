import { type NumberSourceTexts, parseJsonText } from '../json/number-texts.ts';
import { parseError } from './errors.ts';

// How each number of a parsed body was written (42 vs 42.0), for bodies that have fractions or
// exponents: PostHog keeps the difference, JSON.parse does not.
const bodyNumberTexts = new WeakMap<object, NumberSourceTexts>();

/** The number source texts of a parsed body's containers, when the body had any float. */
export function numberTextsOf(body: unknown): NumberSourceTexts | undefined {
  return body !== null && typeof body === 'object' ? bodyNumberTexts.get(body) : undefined;
}

/** Deeper JSON is refused with a 400: storing and serializing it would exhaust the stack. */
export const MAX_JSON_DEPTH = 512;

const WS = new Set([' ', '\t', '\n', '\r']);

class JsonSyntaxError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(message);
    this.position = position;
  }
}

/** Python json's "<msg>: line L column C (char P)". */
function pythonMessage(text: string, error: JsonSyntaxError): string {
  const before = text.slice(0, error.position);
  const line = before.split('\n').length;
  const column = error.position - before.lastIndexOf('\n');
  return `${error.message}: line ${line} column ${column} (char ${error.position})`;
}

/**
 * A JSON scanner that reports the first error with Python's json module wording (DRF's parse
 * error detail) and enforces MAX_JSON_DEPTH without recursion.
 */
function scan(text: string): void {
  let i = 0;
  const skip = () => {
    while (i < text.length && WS.has(text[i])) i++;
  };
  const string = () => {
    const start = i;
    i++;
    while (true) {
      if (i >= text.length) throw new JsonSyntaxError('Unterminated string starting at', start);
      const c = text[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c < ' ') throw new JsonSyntaxError('Invalid control character at', i);
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6)))
            throw new JsonSyntaxError('Invalid \\uXXXX escape', i + 1);
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else throw new JsonSyntaxError('Invalid \\escape', i);
      } else i++;
    }
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;
  const scalar = (): boolean => {
    const c = text[i];
    if (c === '"') {
      string();
      return true;
    }
    for (const word of ['null', 'true', 'false']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return true;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m) {
      i += m[0].length;
      return true;
    }
    return false;
  };
  // Stack of open containers: '{' or '['.
  const stack: string[] = [];
  const value = () => {
    skip();
    const c = text[i];
    if (c === '{' || c === '[') {
      stack.push(c);
      if (stack.length > MAX_JSON_DEPTH) throw new JsonSyntaxError(`Nesting deeper than ${MAX_JSON_DEPTH} levels`, i);
      i++;
      skip();
      if (c === '{') {
        if (text[i] === '}') {
          i++;
          stack.pop();
          return afterValue();
        }
        return key();
      }
      if (text[i] === ']') {
        i++;
        stack.pop();
        return afterValue();
      }
      return 'value';
    }
    if (!scalar()) throw new JsonSyntaxError('Expecting value', i);
    return afterValue();
  };
  const key = () => {
    skip();
    if (text[i] !== '"') throw new JsonSyntaxError('Expecting property name enclosed in double quotes', i);
    string();
    skip();
    if (text[i] !== ':') throw new JsonSyntaxError("Expecting ':' delimiter", i);
    i++;
    return 'value';
  };
  const afterValue = (): string => {
    while (stack.length > 0) {
      skip();
      const top = stack[stack.length - 1];
      const c = text[i];
      if (c === ',') {
        i++;
        return top === '{' ? 'key' : 'value';
      }
      if ((top === '{' && c === '}') || (top === '[' && c === ']')) {
        i++;
        stack.pop();
        continue;
      }
      throw new JsonSyntaxError("Expecting ',' delimiter", i);
    }
    return 'done';
  };
  let next = 'value';
  while (next !== 'done') next = next === 'value' ? value() : key();
  skip();
  if (i < text.length) throw new JsonSyntaxError('Extra data', i);
}

/** Whether a parsed value nests deeper than `max` (iterative: deep input must not recurse). */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** Parses a JSON request body; errors are DRF's 400 parse_error with Python's wording. */
export function parseJsonBody(text: string): unknown {
  // DRF reads an empty body as no data at all.
  if (text === '') return undefined;
  let value: unknown;
  try {
    const parsed = parseJsonText(text);
    value = parsed.value;
    if (parsed.numberTexts !== undefined && value !== null && typeof value === 'object')
      bodyNumberTexts.set(value, parsed.numberTexts);
  } catch {
    value = undefined;
  }
  // The slow scanner runs only to word an error: invalid JSON, or JSON nested too deep.
  if (value === undefined || nestsDeeperThan(value, MAX_JSON_DEPTH)) {
    try {
      scan(text);
    } catch (error) {
      if (error instanceof JsonSyntaxError) throw parseError(`JSON parse error - ${pythonMessage(text, error)}`);
      throw error;
    }
  }
  return value;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strict UTF-8, as Python decodes a JSON body: invalid bytes are a parse error, not U+FFFD. */
export function decodeUtf8(body: Buffer, format: 'JSON' | 'Markdown' = 'JSON'): string {
  try {
    return UTF8.decode(body);
  } catch {
    const position = firstInvalidUtf8Byte(body);
    throw parseError(
      `${format} parse error - 'utf-8' codec can't decode byte 0x${body[position].toString(16).padStart(2, '0')} in position ${position}: invalid start byte`,
    );
  }
}

function firstInvalidUtf8Byte(body: Buffer): number {
  for (let i = 0; i < body.length; i++) {
    const end = Math.min(body.length, i + 4);
    for (let j = i + 1; j <= end; j++) {
      try {
        UTF8.decode(body.subarray(i, j));
        i = j - 1;
        break;
      } catch {
        if (j === end) return i;
      }
    }
  }
  return 0;
}
