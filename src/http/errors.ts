/** PostHog's error envelope (drf-exceptions-hog): one error, four keys, always in this order. */
export interface ErrorEnvelope {
  type: string;
  code: string;
  detail: string;
  attr: string | null;
}

export class ApiError extends Error {
  readonly statusCode: number;
  readonly envelope: ErrorEnvelope;
  readonly headers: Record<string, string>;

  constructor(statusCode: number, envelope: ErrorEnvelope, headers: Record<string, string> = {}) {
    super(envelope.detail);
    this.statusCode = statusCode;
    this.envelope = envelope;
    this.headers = headers;
  }
}

/** A response outside the envelope: PostHog's empty 405/304 and recording_comments' plain 400. */
export class PlainResponse extends Error {
  readonly statusCode: number;
  readonly body: unknown;

  constructor(statusCode: number, body: unknown) {
    super(`plain ${statusCode}`);
    this.statusCode = statusCode;
    this.body = body;
  }
}

const envelope = (type: string, code: string, detail: string, attr: string | null = null): ErrorEnvelope => ({
  type,
  code,
  detail,
  attr,
});

export const validationFailed = (attr: string | null, detail: string, code = 'invalid_input') =>
  new ApiError(400, envelope('validation_error', code, detail, attr));

export const parseError = (detail: string) => new ApiError(400, envelope('invalid_request', 'parse_error', detail));

export const notAuthenticated = () =>
  new ApiError(
    401,
    envelope('authentication_error', 'not_authenticated', 'Authentication credentials were not provided.'),
  );

export const authenticationFailed = (detail: string) =>
  new ApiError(401, envelope('authentication_error', 'authentication_failed', detail));

export const permissionDenied = (detail: string) =>
  new ApiError(403, envelope('authentication_error', 'permission_denied', detail));

/** DRF's SessionAuthentication refusing an unsafe request (Django's CSRF reasons). */
export const csrfFailed = (reason: string) => permissionDenied(`CSRF Failed: ${reason}`);

export const reauthenticationRequired = () =>
  new ApiError(
    403,
    envelope(
      'authentication_error',
      'sensitive_action_required_reauth',
      'This action requires you to be recently authenticated.',
    ),
  );

/** django-axes' lockout answer (PostHog's axes_locked_out). */
export const tooManyFailedLoginAttempts = (minutes: number) =>
  new ApiError(
    403,
    envelope(
      'authentication_error',
      'too_many_failed_attempts',
      `Too many failed login attempts. Please try again in ${minutes} minutes.`,
    ),
  );

export const notFound = (detail = 'Not found.') => new ApiError(404, envelope('invalid_request', 'not_found', detail));

export const projectNotFound = () => notFound('Project not found.');

export const endpointNotFound = () => notFound('Endpoint not found.');

export const methodNotAllowed = (method: string) =>
  new ApiError(405, envelope('invalid_request', 'method_not_allowed', `Method "${method}" not allowed.`));

export const notAcceptable = (detail: string) =>
  new ApiError(406, envelope('invalid_request', 'not_acceptable', detail));

export const unsupportedMediaType = (contentType: string) =>
  new ApiError(
    415,
    envelope('invalid_request', 'unsupported_media_type', `Unsupported media type "${contentType}" in request.`),
  );

export const payloadTooLarge = (limit: number) =>
  new ApiError(
    413,
    envelope('invalid_request', 'payload_too_large', `Request body exceeds the limit of ${limit} bytes.`),
  );

export const preconditionFailed = (detail = 'The resource has changed since the ETag in If-Match.') =>
  new ApiError(412, envelope('invalid_request', 'precondition_failed', detail));

export const conflict = (detail: string) => new ApiError(409, envelope('server_error', 'conflict', detail));

export const throttled = (waitSeconds: number) =>
  new ApiError(
    429,
    envelope(
      'throttled_error',
      'throttled',
      `Request was throttled. Expected available in ${waitSeconds} second${waitSeconds === 1 ? '' : 's'}.`,
    ),
    { 'retry-after': String(waitSeconds) },
  );

export const serverErrorEnvelope = (): ErrorEnvelope => envelope('server_error', 'error', 'A server error occurred.');

export const tooManyStreams = (limit: number) =>
  new ApiError(
    429,
    envelope('throttled_error', 'too_many_streams', `Too many open event streams: at most ${limit} per user or key.`),
  );
