import { domainToASCII } from 'node:url';
import { pythonTypeName } from '../compat/python-values.ts';
import { validationFailed } from './errors.ts';
import { refuseNullCharacters } from './null-characters.ts';

// Django REST framework's field semantics, which PostHog's serializers validate input with.

const TRUE_VALUES = new Set<unknown>([
  't',
  'T',
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'true',
  'True',
  'TRUE',
  'on',
  'On',
  'ON',
  '1',
  1,
  true,
]);
const FALSE_VALUES = new Set<unknown>([
  'f',
  'F',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'false',
  'False',
  'FALSE',
  'off',
  'Off',
  'OFF',
  '0',
  0,
  false,
]);
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
// Python's str.strip() whitespace (str.isspace), which DRF's trim_whitespace uses.
const PY_WHITESPACE = /^[\s\u001c-\u001f\u0085]+|[\s\u001c-\u001f\u0085]+$/gu;

const notNull = (attr: string) => validationFailed(attr, 'This field may not be null.', 'null');

/** Python str() of a JSON number as DRF's CharField would coerce it. */
function numberToPythonString(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return String(value);
  const text = String(value);
  if (/e/.test(text)) return text.replace(/e([+-])(\d)$/, 'e$10$2');
  return text;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The first unpaired surrogate: what Python's json leaves as a lone code point ("\ud800"). */
export function loneSurrogate(text: string): number | undefined {
  const match = LONE_SURROGATE.exec(text);
  return match === null ? undefined : match[0].charCodeAt(0);
}

// DRF's ProhibitSurrogateCharactersValidator. PostgreSQL cannot store a lone surrogate either
// (UTF-8 has no encoding for one), so both engines refuse it.
export const surrogateNotAllowed = (attr: string, codePoint: number) =>
  validationFailed(
    attr,
    `Surrogate characters are not allowed: U+${codePoint.toString(16).toUpperCase()}.`,
    'surrogate_characters_not_allowed',
  );

/** DRF CharField: strings, and numbers coerced to strings; trimmed; no NUL or lone surrogate characters. */
export function charField(attr: string, value: unknown, allowNull: boolean, maxLength?: number): string | null {
  if (value === null) {
    if (allowNull) return null;
    throw notNull(attr);
  }
  if (typeof value !== 'string' && typeof value !== 'number') throw validationFailed(attr, 'Not a valid string.');
  const text = (typeof value === 'number' ? numberToPythonString(value) : value).replace(PY_WHITESPACE, '');
  if (maxLength !== undefined && [...text].length > maxLength) {
    throw validationFailed(attr, `Ensure this field has no more than ${maxLength} characters.`, 'max_length');
  }
  refuseNullCharacters(attr, text);
  const surrogate = loneSurrogate(text);
  if (surrogate !== undefined) throw surrogateNotAllowed(attr, surrogate);
  return text;
}

/** DRF IntegerField(min=-2^31, max=2^31-1), including its "3.0" → 3 leniency. */
export function integerField(attr: string, value: unknown): number {
  if (value === null) throw notNull(attr);
  let parsed: number | undefined;
  if (typeof value === 'number' && Number.isInteger(value)) parsed = value;
  else if (typeof value === 'string' && value.length <= 1000) {
    const text = value.replace(/\.0*\s*$/, '').trim();
    if (/^[+-]?\d+(_\d+)*$/.test(text)) parsed = Number(text.replace(/_/g, ''));
  }
  if (parsed === undefined) throw validationFailed(attr, 'A valid integer is required.');
  if (parsed > INT_MAX)
    throw validationFailed(attr, `Ensure this value is less than or equal to ${INT_MAX}.`, 'max_value');
  if (parsed < INT_MIN)
    throw validationFailed(attr, `Ensure this value is greater than or equal to ${INT_MIN}.`, 'min_value');
  return parsed;
}

export function booleanField(attr: string, value: unknown): boolean {
  if (value === null) throw notNull(attr);
  if (TRUE_VALUES.has(value)) return true;
  if (FALSE_VALUES.has(value)) return false;
  throw validationFailed(attr, 'Must be a valid boolean.');
}

// Django's EmailValidator: a dot-atom local part, a domain of labels (IDN through punycode), or
// "localhost".
const EMAIL_USER = /^[-!#$%&'*+/=?^_`{}|~0-9a-z]+(\.[-!#$%&'*+/=?^_`{}|~0-9a-z]+)*$/i;
const EMAIL_DOMAIN = /^((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+)(?:[a-z0-9-]{2,63}(?<!-))$/i;
const EMAIL_MAX_LENGTH = 320;

/** Whether Django's EmailValidator accepts the address. */
export function isValidEmail(value: string): boolean {
  if (value.length > EMAIL_MAX_LENGTH) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0) return false;
  const user = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (!EMAIL_USER.test(user)) return false;
  if (domain === 'localhost' || EMAIL_DOMAIN.test(domain)) return true;
  const ascii = domainToASCII(domain);
  return ascii !== '' && EMAIL_DOMAIN.test(ascii);
}

/**
 * A DRF field of a request body, as a serializer validates it: "This field is required." when
 * missing (and required), then CharField's null, type, blank and length checks.
 */
export function stringField(
  input: Record<string, unknown>,
  attr: string,
  options: { required: boolean; allowBlank?: boolean; maxLength?: number },
): string | undefined {
  if (!Object.hasOwn(input, attr)) {
    if (options.required) throw validationFailed(attr, 'This field is required.', 'required');
    return undefined;
  }
  const text = charField(attr, input[attr], false, options.maxLength) as string;
  if (text === '' && !options.allowBlank) throw validationFailed(attr, 'This field may not be blank.', 'blank');
  return text;
}

/** DRF's EmailField: a string field whose value must be an email address. */
export function emailField(
  input: Record<string, unknown>,
  attr: string,
  options: { required: boolean; maxLength?: number },
): string | undefined {
  const text = stringField(input, attr, options);
  if (text !== undefined && !isValidEmail(text)) throw validationFailed(attr, 'Enter a valid email address.');
  return text;
}

/** A request body that must be a JSON object (DRF: "Invalid data. Expected a dictionary, …"). */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (body === null) throw validationFailed(null, 'This field may not be null.', 'null');
  if (typeof body !== 'object' || Array.isArray(body))
    throw validationFailed(null, `Invalid data. Expected a dictionary, but got ${pythonTypeName(body)}.`);
  return body as Record<string, unknown>;
}
