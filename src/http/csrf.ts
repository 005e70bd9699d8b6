import { randomInt, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { csrfFailed } from './errors.ts';

/** The readable cookie that holds the CSRF secret (PostHog's CSRF_COOKIE_NAME). */
export const CSRF_COOKIE = 'posthog_csrftoken';

// Django's CSRF tokens: a 32-character secret of ASCII letters and digits; a 64-character form of
// it is a random mask followed by the secret shifted by the mask (older cookies and form tokens).
const CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SECRET_LENGTH = 32;
const MASKED_LENGTH = 64;
const TOKEN_CHARS = /^[a-zA-Z0-9]*$/;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method);
}

/** A new CSRF secret, as Django's get_token makes one. */
export function newCsrfSecret(): string {
  let secret = '';
  for (let i = 0; i < SECRET_LENGTH; i++) secret += CHARS[randomInt(CHARS.length)];
  return secret;
}

/** Why a token is malformed, in Django's words, or undefined when it is well formed. */
function formatProblem(token: string): string | undefined {
  if (token.length !== SECRET_LENGTH && token.length !== MASKED_LENGTH) return 'has incorrect length';
  if (!TOKEN_CHARS.test(token)) return 'has invalid characters';
  return undefined;
}

function unmask(token: string): string {
  if (token.length === SECRET_LENGTH) return token;
  const mask = token.slice(0, SECRET_LENGTH);
  const cipher = token.slice(SECRET_LENGTH);
  let secret = '';
  for (let i = 0; i < SECRET_LENGTH; i++) {
    const shifted = CHARS.indexOf(cipher[i]) - CHARS.indexOf(mask[i]);
    secret += CHARS[(shifted + CHARS.length) % CHARS.length];
  }
  return secret;
}

/** The host of a scheme://host[:port] or the part after "//" of a URL; undefined if there is none. */
function parseUrl(text: string): { scheme: string; netloc: string } | undefined {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)/.exec(text);
  return match ? { scheme: match[1].toLowerCase(), netloc: match[2].toLowerCase() } : undefined;
}

/** Django's is_same_domain: a pattern starting with "." matches the domain and its subdomains. */
function isSameDomain(host: string, pattern: string): boolean {
  if (pattern === '') return false;
  const lowered = pattern.toLowerCase();
  if (lowered.startsWith('.')) return host.endsWith(lowered) || host === lowered.slice(1);
  return host === lowered;
}

export interface CsrfOptions {
  /** Origins besides the server's own (scheme://host[:port], the host may start with "*."). */
  trustedOrigins: readonly string[];
}

/** The server's own origin, as the browser names it: scheme://host[:port]. */
function ownOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

function originTrusted(request: FastifyRequest, origin: string, options: CsrfOptions): boolean {
  if (origin === ownOrigin(request) || options.trustedOrigins.includes(origin)) return true;
  const parsed = parseUrl(origin);
  if (!parsed) return false;
  return options.trustedOrigins.some((trusted) => {
    const pattern = parseUrl(trusted);
    if (!pattern?.netloc.startsWith('*.') || pattern.scheme !== parsed.scheme) return false;
    return isSameDomain(parsed.netloc, pattern.netloc.slice(1));
  });
}

/** Django's Referer check, for https requests that carry no Origin. Returns the reason to refuse, if any. */
function refererProblem(request: FastifyRequest, options: CsrfOptions): string | undefined {
  const referer = request.headers.referer;
  if (referer === undefined) return 'Referer checking failed - no Referer.';
  const parsed = parseUrl(referer);
  if (!parsed || parsed.netloc === '') return 'Referer checking failed - Referer is malformed.';
  if (parsed.scheme !== 'https') return 'Referer checking failed - Referer is insecure while host is secure.';
  const trustedHosts = options.trustedOrigins.map((origin) => (parseUrl(origin)?.netloc ?? '').replace(/^\*/, ''));
  const good = [request.host.toLowerCase(), ...trustedHosts];
  if (good.some((host) => isSameDomain(parsed.netloc, host))) return undefined;
  return `Referer checking failed - ${referer} does not match any trusted origins.`;
}

/**
 * Django's CSRF check (CsrfViewMiddleware, as DRF's SessionAuthentication runs it) for an unsafe
 * request: the Origin must be the server's own or trusted (without one, an https request's
 * Referer), and the token sent in the `csrfmiddlewaretoken` form field or the X-CSRFToken header
 * must match the secret in the CSRF cookie. Throws the 403 "CSRF Failed: <reason>".
 */
export function checkCsrf(request: FastifyRequest, cookies: Map<string, string>, options: CsrfOptions): void {
  if (isSafeMethod(request.method)) return;
  const origin = request.headers.origin;
  if (origin !== undefined) {
    if (!originTrusted(request, origin, options))
      throw csrfFailed(`Origin checking failed - ${origin} does not match any trusted origins.`);
  } else if (request.protocol === 'https') {
    const problem = refererProblem(request, options);
    if (problem !== undefined) throw csrfFailed(problem);
  }

  const cookie = cookies.get(CSRF_COOKIE);
  if (cookie === undefined) throw csrfFailed('CSRF cookie not set.');
  const cookieProblem = formatProblem(cookie);
  if (cookieProblem !== undefined) throw csrfFailed(`CSRF cookie ${cookieProblem}.`);

  let token: string | undefined;
  let source = "the 'X-Csrftoken' HTTP header";
  const body = request.body;
  const formToken =
    request.method === 'POST' && isFormBody(request) && body !== null && typeof body === 'object'
      ? (body as Record<string, unknown>).csrfmiddlewaretoken
      : undefined;
  if (typeof formToken === 'string' && formToken !== '') {
    token = formToken;
    source = 'POST';
  } else {
    const header = request.headers['x-csrftoken'];
    token = Array.isArray(header) ? header.join(', ') : header;
  }
  if (token === undefined) throw csrfFailed('CSRF token missing.');
  const tokenProblem = formatProblem(token);
  if (tokenProblem !== undefined) throw csrfFailed(`CSRF token from ${source} ${tokenProblem}.`);
  const expected = Buffer.from(unmask(cookie));
  const sent = Buffer.from(unmask(token));
  if (!timingSafeEqual(expected, sent)) throw csrfFailed(`CSRF token from ${source} incorrect.`);
}

function isFormBody(request: FastifyRequest): boolean {
  const type = request.headers['content-type'] ?? '';
  return type.startsWith('application/x-www-form-urlencoded');
}
