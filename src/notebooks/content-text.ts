import { parseJsonKeepingNumberText, pythonFloatRepr, pythonNumberRepr, toJsonbText, type JsonValue, type NumberSourceTexts } from './content.ts';

// How notebook content travels as text. PostHog stores content as jsonb and answers with
// orjson's rendering of json.loads(jsonb::text): compact, keys in jsonb order, and numbers as
// Python reads them back (`42.0` stays a float, `1E5` becomes the int 100000). JSON.parse and
// JSON.stringify lose that distinction, so content is kept as text end to end:
//   request text ──parse (number texts kept)──▶ value ──toJsonbText──▶ jsonb text
//   jsonb text ──renderJsonbText──▶ response text (SQLite stores this form; PostgreSQL
//   stores jsonb and renders content::text on the way out)
// A retrieve therefore splices stored text into the response without parsing it.

const NUMBER_LIKE = /[0-9][.eE]/;
const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** JSON.parse, plus the source texts of numbers when any number has a fraction or exponent. */
export function parseJsonText(text: string): { value: JsonValue; numberTexts?: NumberSourceTexts } {
  if (!NUMBER_LIKE.test(text)) return { value: JSON.parse(text) as JsonValue };
  return parseJsonKeepingNumberText(text);
}

/**
 * Compact JSON as PostHog answers for this jsonb text: whitespace between tokens dropped,
 * strings copied (PostgreSQL escapes exactly as JSON.stringify does), numbers with a fraction
 * or exponent written as Python's float repr.
 */
export function renderJsonbText(text: string): string {
  let out = '';
  let copyFrom = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
    } else if (WHITESPACE.has(c)) {
      out += text.slice(copyFrom, i);
      while (i < text.length && WHITESPACE.has(text[i])) i++;
      copyFrom = i;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const token = NUMBER.exec(text)?.[0] ?? c;
      if (/[.eE]/.test(token)) {
        out += text.slice(copyFrom, i) + pythonNumberRepr(token);
        copyFrom = i + token.length;
      }
      i += token.length;
    } else i++;
  }
  return out + text.slice(copyFrom);
}

/**
 * The jsonb text PostHog stores for request content: Python dumps the parsed request (every
 * float as its repr) and PostgreSQL reads that into numeric, so `1E5` is stored as 100000.0.
 */
export function contentJsonbText(value: JsonValue, numberTexts?: NumberSourceTexts): string {
  if (numberTexts === undefined) return toJsonbText(value);
  const dumped = parseJsonText(renderRequestContent(value, numberTexts));
  return toJsonbText(dumped.value, dumped.numberTexts);
}

/** PostHog's echo of request content in a create/update response: the request's key order. */
export function renderRequestContent(value: JsonValue, numberTexts?: NumberSourceTexts): string {
  const render = (v: JsonValue, source: string | undefined): string => {
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'number') {
        // json.loads makes every number with a fraction or exponent a float.
        const text = source ?? String(v);
        return /[.eE]/.test(text) ? pythonFloatRepr(v) : text;
      }
      return JSON.stringify(v);
    }
    const texts = numberTexts?.get(v);
    if (Array.isArray(v)) return `[${v.map((item, index) => render(item, texts?.get(String(index)))).join(',')}]`;
    return `{${Object.keys(v)
      .map((key) => `${JSON.stringify(key)}:${render(v[key], texts?.get(key))}`)
      .join(',')}}`;
  };
  return render(value, undefined);
}
