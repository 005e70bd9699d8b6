import { pythonInt } from '../compat/python-int.ts';
import { validationFailed } from './errors.ts';
import { lastValue } from './query-params.ts';

export interface LimitOffset {
  limit: number;
  offset: number;
}

const DEFAULT_LIMIT = 100;

/** DRF's int() of a page parameter: only exact integers are used. */
function integerParameter(text: string): number | undefined {
  const value = pythonInt(text);
  return value !== null && Number.isSafeInteger(value) ? value : undefined;
}

/** DRF LimitOffsetPagination: a bad limit falls back to 100 (no maximum); a bad offset to 0. */
export function parseLimitOffset(query: URLSearchParams): LimitOffset {
  const limitText = lastValue(query, 'limit');
  const offsetText = lastValue(query, 'offset');
  const limit = limitText === undefined ? undefined : integerParameter(limitText);
  const offset = offsetText === undefined ? undefined : integerParameter(offsetText);
  return {
    limit: limit !== undefined && limit > 0 ? limit : DEFAULT_LIMIT,
    offset: offset !== undefined && offset >= 0 ? offset : 0,
  };
}

/** Python's urlencode(sorted(parse_qsl(query, keep_blank_values=True)), doseq=True). */
function encodeSorted(pairs: Array<[string, string]>): string {
  const quote = (s: string) =>
    encodeURIComponent(s)
      .replace(/[!'()*~]/g, (c) => (c === '~' ? c : `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
      .replace(/%20/g, '+');
  return [...pairs]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${quote(k)}=${quote(v)}`)
    .join('&');
}

function withParams(baseUrl: string, query: URLSearchParams, set: Record<string, number | null>): string {
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of query) if (!(key in set)) pairs.push([key, value]);
  for (const [key, value] of Object.entries(set)) if (value !== null) pairs.push([key, String(value)]);
  const encoded = encodeSorted(pairs);
  return encoded === '' ? baseUrl : `${baseUrl}?${encoded}`;
}

/** DRF LimitOffsetPagination's next/previous links: absolute, every parameter sorted by key. */
export function limitOffsetLinks(baseUrl: string, query: URLSearchParams, page: LimitOffset, count: number) {
  const { limit, offset } = page;
  const next = offset + limit >= count ? null : withParams(baseUrl, query, { limit, offset: offset + limit });
  let previous: string | null = null;
  if (offset > 0) {
    previous =
      offset - limit <= 0
        ? withParams(baseUrl, query, { limit, offset: null })
        : withParams(baseUrl, query, { limit, offset: offset - limit });
  }
  return { next, previous };
}

export interface PageNumber {
  limit: number;
  page: number;
}

/** Activity pagination: positive integers only, empty means the default (PostHog answers 500 otherwise). */
export function parsePageNumber(query: URLSearchParams): PageNumber {
  const read = (key: 'limit' | 'page', fallback: number): number => {
    const text = lastValue(query, key);
    if (text === undefined || text === '') return fallback;
    const value = integerParameter(text);
    if (value === undefined) throw validationFailed(key, 'A valid integer is required.', 'invalid_input');
    if (value < 1) throw validationFailed(key, 'Ensure this value is greater than or equal to 1.', 'min_value');
    return value;
  };
  return { limit: read('limit', 10), page: read('page', 1) };
}

/** PostHog's format_query_params_absolute_url: replace page=/limit= in place or append them. */
export function pageNumberLink(absoluteUrl: string, page: number, limit: number): string {
  let url = absoluteUrl;
  const setParam = (name: string, value: number) => {
    const pattern = new RegExp(`([&?])${name}=\\d+`, 'g');
    if (pattern.test(url)) url = url.replace(pattern, `$1${name}=${value}`);
    else url += `${url.includes('?') ? '&' : '?'}${name}=${value}`;
  };
  setParam('page', page);
  setParam('limit', limit);
  return url;
}
