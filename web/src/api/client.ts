/** PostHog's error envelope, as every API error answers. */
export interface ErrorEnvelope {
  type: string;
  code: string;
  detail: string;
  attr: string | null;
}

/** An API answer that was not 2xx: its status and envelope (a stand-in when the body had none). */
export class ApiError extends Error {
  readonly status: number;
  readonly envelope: ErrorEnvelope;

  constructor(status: number, envelope: ErrorEnvelope) {
    super(envelope.detail);
    this.name = 'ApiError';
    this.status = status;
    this.envelope = envelope;
  }

  /** The caller has no session (or it ended): the app goes to the sign-in page. */
  get signedOut(): boolean {
    return this.status === 401 || (this.status === 403 && this.envelope.code === 'not_authenticated');
  }
}

/** A request that never got an answer (offline, server down). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('The server could not be reached. Check your connection.');
    this.name = 'NetworkError';
    this.cause = cause;
  }
}

const CSRF_COOKIE = 'posthog_csrftoken';

/** The CSRF secret the server set at sign-in, sent back on every unsafe request. */
export function csrfToken(): string {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join('='));
  }
  return '';
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Send the request even while the page unloads (autosave on leaving). */
  keepalive?: boolean;
  /** A JSON.parse reviver for the answer (the editor keeps numbers' source text with one). */
  reviver?: (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;
  /** Told the 2xx answer's headers (before its body is read). */
  onHeaders?: (headers: Headers) => void;
}

/** Calls the API with the session cookie (and the CSRF token when unsafe); JSON in, JSON out. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (method !== 'GET') headers['x-csrftoken'] = csrfToken();
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
      keepalive: options.keepalive,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new NetworkError(error);
  }
  if (response.ok) options.onHeaders?.(response.headers);
  const text = await response.text();
  if (!response.ok) throw new ApiError(response.status, parseEnvelope(response.status, text));
  return (text === '' ? undefined : JSON.parse(text, options.reviver as Parameters<typeof JSON.parse>[1])) as T;
}

function parseEnvelope(status: number, text: string): ErrorEnvelope {
  try {
    const parsed = JSON.parse(text) as Partial<ErrorEnvelope>;
    if (typeof parsed.detail === 'string') {
      return {
        type: parsed.type ?? 'server_error',
        code: parsed.code ?? 'error',
        detail: parsed.detail,
        attr: parsed.attr ?? null,
      };
    }
  } catch {
    // not JSON: described below
  }
  return {
    type: status >= 500 ? 'server_error' : 'invalid_request',
    code: status >= 500 ? 'error' : 'invalid',
    detail: status >= 500 ? 'The server had a problem. Try again in a moment.' : `Request failed (${status}).`,
    attr: null,
  };
}

/** A message for a person, from any error an API call can throw. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    return error.envelope.attr && error.envelope.type === 'validation_error' && error.envelope.code === 'required'
      ? `${error.envelope.attr}: ${error.envelope.detail}`
      : error.envelope.detail;
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
