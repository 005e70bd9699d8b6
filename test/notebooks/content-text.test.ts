import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { renderJsonbText } from '../../src/compat/python-json-text.ts';
import { pythonNumberRepr } from '../../src/compat/python-repr.ts';
import type { JsonValue } from '../../src/json/json-value.ts';
import { toJsonbText } from '../../src/json/jsonb-text.ts';

/** The first renderJsonbText, one character at a time: the reference the faster scan must equal. */
function referenceRender(text: string): string {
  const whitespace = new Set([' ', '\t', '\n', '\r']);
  const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  let out = '';
  let copyFrom = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
    } else if (whitespace.has(c)) {
      out += text.slice(copyFrom, i);
      while (i < text.length && whitespace.has(text[i])) i++;
      copyFrom = i;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      number.lastIndex = i;
      const token = number.exec(text)?.[0] ?? c;
      if (/[.eE]/.test(token)) {
        out += text.slice(copyFrom, i) + pythonNumberRepr(token);
        copyFrom = i + token.length;
      }
      i += token.length;
    } else i++;
  }
  return out + text.slice(copyFrom);
}

describe('renderJsonbText', () => {
  it('compacts jsonb text: strings with escapes, quotes and spaces kept, floats as Python writes them', () => {
    const cases = [
      '{"a": 1, "b": [1.0, -2.5e3, 100000.0, true, false, null], "c": {"d": "x, y: z"}}',
      '{"q": "say \\"hi\\", then: go", "bs": "C:\\\\dir\\\\", "mix": "\\\\\\"", "e": ""}',
      '[{"type": "text", "text": "  spaced   out  "}, [], {}, [[], [{}]], 0, -0.0, 12345678901234567890]',
      '"just a string"',
      '3.14',
      '[]',
    ];
    for (const text of cases) assert.equal(renderJsonbText(text), referenceRender(text), text);
    assert.equal(renderJsonbText('{"a": "b, c", "n": 1.50}'), '{"a":"b, c","n":1.5}');
  });

  it('equals the character-by-character scan on any document in jsonb text form', () => {
    const documents = fc.jsonValue({ maxDepth: 5 }).filter((value) => !JSON.stringify(value).includes('\\u0000'));
    fc.assert(
      fc.property(documents, (value) => {
        const text = toJsonbText(value as JsonValue);
        assert.equal(renderJsonbText(text), referenceRender(text));
      }),
      { numRuns: 2000 },
    );
  });
});
