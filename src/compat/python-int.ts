export const PYTHON_MAX_INT_DIGITS = 4300;

/**
 * Python's `int(text)`, or null where it raises ValueError. CPython first maps non-ASCII
 * whitespace to " " and non-ASCII decimal digits (any script) to ASCII digits, then parses
 * ASCII: optional ASCII whitespace, sign, digits with single underscores between them, optional
 * ASCII whitespace. Strings of more than 4300 digits raise (sys.int_max_str_digits).
 */
export function pythonInt(text: string): number | null {
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
  return pythonIntOfBytes(ascii);
}

const ASCII_INT = /^[ \t\n\v\f\r]*([+-]?)([0-9]+(?:_[0-9]+)*)[ \t\n\v\f\r]*$/;

/**
 * Python's `int(bytes)`, or null where it raises ValueError: ASCII only — optional ASCII
 * whitespace, sign, digits with single underscores between them, optional ASCII whitespace.
 */
export function pythonIntOfBytes(ascii: string): number | null {
  const parsed = ASCII_INT.exec(ascii);
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
export function decimalDigitValue(char: string): number | null {
  if (!DECIMAL_DIGIT.test(char)) return null;
  const codePoint = char.codePointAt(0) ?? 0;
  let start = codePoint;
  while (DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start -= 1;
  return (codePoint - start) % 10;
}
