// Django's url_has_allowed_host_and_scheme, for the one case the server needs: a URL that stays
// on this site. Control characters and backslashes are refused outright (browsers read "/\\evil"
// as "//evil").
const CONTROL_OR_BACKSLASH = /[\u0000-\u001f\u007f\\]/;

/** `next` if it is a relative URL on this site (a path, not //host, not scheme:…), else undefined. */
export function safeRelativeUrl(next: string | undefined): string | undefined {
  if (next === undefined) return undefined;
  const url = next.trim();
  if (!url.startsWith('/') || url.startsWith('//') || CONTROL_OR_BACKSLASH.test(url)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://this.site');
  } catch {
    return undefined;
  }
  return parsed.origin === 'http://this.site' ? url : undefined;
}

/** Where signing out leads: the sign-in page, keeping a safe `next`. */
export function logoutLocation(next: string | undefined): string {
  const safe = safeRelativeUrl(next);
  return safe === undefined ? '/login' : `/login?next=${encodeURIComponent(safe)}`;
}
