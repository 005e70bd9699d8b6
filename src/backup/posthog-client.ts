import { setTimeout as sleep } from 'node:timers/promises';

// Reads PostHog's REST API (or any server speaking it) with a personal API key: answers 429 by
// waiting the Retry-After it names, retries what may pass on a second try (5xx, a dropped
// connection), and fails at once with the source's own message for anything else.

const REQUEST_TIMEOUT_MS = 60_000;
/** Attempts for an answer that may pass on a later try (a 5xx, a network error). */
const TRANSIENT_ATTEMPTS = 5;
/** Consecutive 429s on one request before giving up: the source is limiting every request. */
const RATE_LIMITED_ATTEMPTS = 50;
/** The wait when a 429 names none. */
const DEFAULT_RETRY_AFTER_S = 5;

export interface PosthogClientOptions {
  /** The source's origin, e.g. https://us.posthog.com (a path prefix is kept). */
  baseUrl: string;
  key: string;
  /** Told of each wait on a 429, in seconds. */
  onRateLimited?: (seconds: number) => void;
  /** Waits: tests make them short. */
  wait?: (ms: number) => Promise<unknown>;
}

export class PosthogClient {
  readonly #base: URL;
  readonly #key: string;
  readonly #onRateLimited: (seconds: number) => void;
  readonly #wait: (ms: number) => Promise<unknown>;

  constructor(options: PosthogClientOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new Error(`--from-posthog: "${options.baseUrl}" is not a URL`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      throw new Error(`--from-posthog: "${options.baseUrl}" is not an http(s) URL`);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.#base = base;
    this.#key = options.key;
    this.#onRateLimited = options.onRateLimited ?? (() => {});
    this.#wait = options.wait ?? sleep;
  }

  /** A URL on the source, for a path relative to where it was given (`api/projects/1/notebooks/`). */
  url(path: string): string {
    return new URL(path.replace(/^\//, ''), this.#base).toString();
  }

  /**
   * The URL of a `next` link the source gave: its path and query on the source's origin, so the
   * key goes nowhere else.
   */
  follow(link: string): string {
    const next = new URL(link, this.#base);
    return new URL(`${next.pathname}${next.search}`, this.#base.origin).toString();
  }

  /** GETs a URL of the source and returns the body of its 200 answer as text. */
  async get(url: string): Promise<string> {
    let transient = 0;
    let limited = 0;
    for (;;) {
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { authorization: `Bearer ${this.#key}`, accept: 'application/json' },
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        transient += 1;
        if (transient >= TRANSIENT_ATTEMPTS)
          throw new Error(`GET ${redact(url)}: ${(error as Error).message} (after ${transient} attempts)`);
        await this.#wait(1000 * 2 ** transient);
        continue;
      }
      const body = await response.text();
      if (response.status === 200) return body;
      if (response.status === 429) {
        limited += 1;
        if (limited >= RATE_LIMITED_ATTEMPTS)
          throw new Error(`GET ${redact(url)}: still rate limited (429) after ${limited} waits`);
        const seconds = retryAfterSeconds(response.headers.get('retry-after'));
        this.#onRateLimited(seconds);
        await this.#wait(seconds * 1000);
        continue;
      }
      if (response.status >= 500) {
        transient += 1;
        if (transient < TRANSIENT_ATTEMPTS) {
          await this.#wait(1000 * 2 ** transient);
          continue;
        }
      }
      throw new Error(`GET ${redact(url)}: ${response.status} ${detailOf(body)}`);
    }
  }
}

/** Retry-After in seconds: a number of seconds, or an HTTP date. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number {
  if (header === null || header.trim() === '') return DEFAULT_RETRY_AFTER_S;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  if (Number.isNaN(at)) return DEFAULT_RETRY_AFTER_S;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** The source's error detail (PostHog's envelope), or the start of its body. */
function detailOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { detail?: unknown };
    if (typeof parsed.detail === 'string') return parsed.detail;
  } catch {
    // not JSON
  }
  return body.slice(0, 200);
}

/** A URL as it may be printed: a key given in the query string is not. */
function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.searchParams.has('personal_api_key')) parsed.searchParams.set('personal_api_key', '…');
  return parsed.toString();
}
