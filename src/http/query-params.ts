/** The last value of a repeated query key, as Django's QueryDict.get does. */
export function lastValue(query: URLSearchParams, key: string): string | undefined {
  const values = query.getAll(key);
  return values.length === 0 ? undefined : values[values.length - 1];
}

/** The raw query string of a request URL, parsed as Django does (+ is a space, blanks kept). */
export function queryOf(url: string): URLSearchParams {
  const index = url.indexOf('?');
  return new URLSearchParams(index === -1 ? '' : url.slice(index + 1));
}
