/** The cookies of a Cookie header, as Django's parse_cookie reads them: the last of a repeated name wins. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (header === undefined || header === '') return cookies;
  for (const chunk of header.split(';')) {
    const equals = chunk.indexOf('=');
    const name = (equals === -1 ? '' : chunk.slice(0, equals)).trim();
    let value = (equals === -1 ? chunk : chunk.slice(equals + 1)).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name !== '' || value !== '') cookies.set(name, value);
  }
  return cookies;
}

export interface CookieOptions {
  /** Seconds until it expires; 0 deletes it. */
  maxAge: number;
  httpOnly: boolean;
  secure: boolean;
}

const EXPIRED = 'Thu, 01 Jan 1970 00:00:00 GMT';

/**
 * A Set-Cookie value with the attributes Django sends: expires and Max-Age, Path=/, SameSite=Lax.
 * Values are tokens of letters and digits, which need no quoting.
 */
export function serializeCookie(name: string, value: string, options: CookieOptions, now: number): string {
  const expires = options.maxAge === 0 ? EXPIRED : new Date(now + options.maxAge * 1000).toUTCString();
  const parts = [`${name}=${value}`, `expires=${expires}`];
  if (options.httpOnly) parts.push('HttpOnly');
  parts.push(`Max-Age=${options.maxAge}`, 'Path=/', 'SameSite=Lax');
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}
