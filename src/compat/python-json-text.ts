import type { JsonValue } from '../json/json-value.ts';
import { postgresNumericText, toJsonbText } from '../json/jsonb-text.ts';
import { type NumberSourceTexts, parseJsonText } from '../json/number-texts.ts';
import { pythonFloatRepr, pythonNumberRepr } from './python-repr.ts';

// How notebook content travels as text. PostHog stores content as jsonb and answers with
// orjson's rendering of json.loads(jsonb::text): compact, keys in jsonb order, and numbers as
// Python reads them back (`42.0` stays a float, `1E5` becomes the int 100000). JSON.parse and
// JSON.stringify lose that distinction, so content is kept as text end to end:
//   request text ──parse (number texts kept)──▶ value ──toJsonbText──▶ jsonb text
//   jsonb text ──renderJsonbText──▶ response text (SQLite stores this form; PostgreSQL
//   stores jsonb and renders content::text on the way out)
// A retrieve therefore splices stored text into the response without parsing it.

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const BACKSLASH = 92;
// Between strings: the structural characters, literals and numbers of a jsonb text.
const LAYOUT_TO_DROP = /[ \t\n\r]/;
const FLOAT_LIKE = /[.eE]/;

/**
 * Compact JSON as PostHog answers for this jsonb text: whitespace between tokens dropped,
 * strings copied (PostgreSQL escapes exactly as JSON.stringify does), numbers with a fraction
 * or exponent written as Python's float repr. Strings, most of a document, are skipped with
 * indexOf; only the short stretches between them are looked at.
 */
export function renderJsonbText(text: string): string {
  let out = '';
  // text[copyFrom, i) is still to be copied as it is.
  let copyFrom = 0;
  let i = 0;
  const length = text.length;
  while (i < length) {
    const quote = text.indexOf('"', i);
    const stop = quote === -1 ? length : quote;
    if (stop > i) {
      const layout = text.slice(i, stop);
      if (LAYOUT_TO_DROP.test(layout) || (FLOAT_LIKE.test(layout) && /[0-9]/.test(layout))) {
        out += text.slice(copyFrom, i) + compactLayout(layout);
        copyFrom = stop;
      }
    }
    if (quote === -1) break;
    // The closing quote is the next one not escaped by an odd run of backslashes.
    let close = quote;
    for (;;) {
      close = text.indexOf('"', close + 1);
      if (close === -1) throw new SyntaxError('renderJsonbText: unterminated string');
      let backslashes = 0;
      while (text.charCodeAt(close - 1 - backslashes) === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) break;
    }
    i = close + 1;
  }
  return copyFrom === 0 ? text : out + text.slice(copyFrom);
}

/** The text between two strings, compact: whitespace dropped, floats as Python writes them. */
function compactLayout(layout: string): string {
  let out = '';
  let i = 0;
  while (i < layout.length) {
    const c = layout[i];
    if (WHITESPACE.has(c)) i++;
    else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const token = NUMBER.exec(layout)?.[0] ?? c;
      out += FLOAT_LIKE.test(token) ? pythonNumberRepr(token) : token;
      i += token.length;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * A jsonb text that renders (renderJsonbText) to exactly this answer text, written as PostgreSQL
 * prints jsonb (", " and ": " between members): what SQLite keeps, turned back into what
 * PostgreSQL stores. A float keeps a decimal point (`1e+16` → `10000000000000000.0`), so that
 * Python still reads a float; everything else is copied, since the answer text already has
 * jsonb's key order and escapes. For text from renderJsonbText of a jsonb text, the result is
 * that jsonb text but for float digits beyond a double's (they never reach an answer).
 */
export function jsonbTextFromRendered(rendered: string): string {
  let out = '';
  let i = 0;
  const length = rendered.length;
  while (i < length) {
    const quote = rendered.indexOf('"', i);
    const stop = quote === -1 ? length : quote;
    if (stop > i) out += expandLayout(rendered.slice(i, stop));
    if (quote === -1) break;
    let close = quote;
    for (;;) {
      close = rendered.indexOf('"', close + 1);
      if (close === -1) throw new SyntaxError('jsonbTextFromRendered: unterminated string');
      let backslashes = 0;
      while (rendered.charCodeAt(close - 1 - backslashes) === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) break;
    }
    out += rendered.slice(quote, close + 1);
    i = close + 1;
  }
  return out;
}

/** Compact text between two strings, as jsonb prints it: spaced separators, floats with a decimal point. */
function expandLayout(layout: string): string {
  let out = '';
  let i = 0;
  while (i < layout.length) {
    const c = layout[i];
    if (c === ',' || c === ':') {
      out += `${c} `;
      i++;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const token = NUMBER.exec(layout)?.[0];
      if (token === undefined)
        throw new SyntaxError(`jsonbTextFromRendered: not a JSON number at "${layout.slice(i)}"`);
      if (FLOAT_LIKE.test(token)) {
        const numeric = postgresNumericText(token);
        out += numeric.includes('.') ? numeric : `${numeric}.0`;
      } else out += token;
      i += token.length;
    } else if (WHITESPACE.has(c)) i++;
    else {
      out += c;
      i++;
    }
  }
  return out;
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
