import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { sql } from 'kysely';
import type { Config } from './config.ts';
import type { Db } from './db/database.ts';
import { AccountsRepository } from './accounts/accounts.repository.ts';
import { accountsRoutes } from './accounts/accounts.routes.ts';
import { UserCache } from './accounts/user-cache.ts';
import { MeSchema, PaginatedProjectListSchema, ProjectBasicSchema, ProjectSchema, UserBasicSchema } from './accounts/accounts.schemas.ts';
import { ActivityRepository } from './activity/activity.repository.ts';
import { ActivityService } from './activity/activity.service.ts';
import { Authenticator, checkKeyLimits, checkMembership, checkScopes } from './http/auth.ts';
import { ErrorEnvelopeSchema } from './http/common.schemas.ts';
import {
  ApiError,
  endpointNotFound,
  parseError,
  PlainResponse,
  payloadTooLarge,
  permissionDenied,
  serverErrorEnvelope,
  throttled,
  unsupportedMediaType,
} from './http/errors.ts';
import { decodeUtf8, parseJsonBody } from './http/json-body.ts';
import type { RateLimiter } from './http/rate-limit.ts';
import { ResponseCache } from './http/response-cache.ts';
import { NotebooksRepository } from './notebooks/notebooks.repository.ts';
import { notebooksRoutes } from './notebooks/notebooks.routes.ts';
import {
  ActivityLogSchema,
  ActivityPageSchema,
  NotebookMinimalSchema,
  NotebookSchema,
  NotebookWriteSchema,
  PaginatedNotebookMinimalListSchema,
  RecordingCommentsSchema,
} from './notebooks/notebooks.schemas.ts';
import { NotebooksService } from './notebooks/notebooks.service.ts';

export interface AppDependencies {
  db: Db;
  rateLimiter: RateLimiter;
}

/** A query parameter name as the query parser reads it: percent-decoded, "+" as a space. */
function queryParameterName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/**
 * A request URL fit for logs: the key in a query string is replaced, however its name is
 * spelled (`personal%5Fapi%5Fkey=` authenticates just like `personal_api_key=`).
 */
export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const parameters = url
    .slice(start + 1)
    .split('&')
    .map((parameter) => {
      const equals = parameter.indexOf('=');
      const name = equals === -1 ? parameter : parameter.slice(0, equals);
      return equals !== -1 && queryParameterName(name) === 'personal_api_key' ? `${name}=[REDACTED]` : parameter;
    });
  return `${url.slice(0, start + 1)}${parameters.join('&')}`;
}

function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.code(error.statusCode).type('application/json').send(JSON.stringify(error.envelope));
}

/** For errors raised before routing, which skip the onSend hook: bytes keep the type as set. */
function sendFrameworkError(reply: FastifyReply, error: ApiError): FastifyReply {
  return reply.code(error.statusCode).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(error.envelope)));
}

/** Builds the HTTP application: parsers, the auth pipeline, the error envelope and every route. */
export async function buildApp(config: Config, deps: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            // A malformed request is logged at trace level with its raw bytes (err.rawPacket), headers
            // and key included.
            redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'err.rawPacket'], censor: '[REDACTED]' },
            serializers: {
              req: (req: FastifyRequest) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }),
            },
          },
    bodyLimit: config.bodyLimit,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    // A path that cannot be percent-decoded, or a segment over maxParamLength, matches no route:
    // the envelope of an unknown path instead of Fastify's own body.
    frameworkErrors: (error, _request, reply) => {
      if (error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendFrameworkError(reply, endpointNotFound());
      return sendFrameworkError(reply, new ApiError(500, serverErrorEnvelope()));
    },
    return503OnClosing: true,
  });

  // PostHog's validation (DRF field semantics, first error only, exact messages) is done by the
  // services; the TypeBox schemas describe requests for OpenAPI and serialize responses.
  app.setValidatorCompiler(() => () => true);
  // Presenters build every response in PostHog's exact shape and key order (the hot ones as
  // JSON text), so the schemas document responses without compiling a serializer per route and
  // status — which cost most of the start-up time (issue 3: cold start ≤ 1 s).
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(decodeUtf8(body as Buffer)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    // Django's QueryDict.get: the last value of a repeated key.
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  for (const schema of [
    ErrorEnvelopeSchema,
    UserBasicSchema,
    ProjectBasicSchema,
    ProjectSchema,
    PaginatedProjectListSchema,
    MeSchema,
    NotebookMinimalSchema,
    NotebookSchema,
    NotebookWriteSchema,
    PaginatedNotebookMinimalListSchema,
    ActivityLogSchema,
    ActivityPageSchema,
    RecordingCommentsSchema,
  ]) {
    app.addSchema(schema);
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Notebooks',
        version: '1.0.0',
        description:
          "PostHog's Notebooks API, self-hosted. The API for interacting with Notebooks. Authenticate with a personal API key: `Authorization: Bearer phx_…`.",
      },
      components: { securitySchemes: { PersonalAPIKeyAuth: { type: 'http', scheme: 'bearer' } } },
      security: [{ PersonalAPIKeyAuth: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/api/schema/swagger-ui', uiConfig: { url: '/api/schema/' } });

  const { db } = deps;
  const accounts = new AccountsRepository(db.kysely, db.dialect);
  const authenticator = new Authenticator(accounts);
  const activity = new ActivityService(new ActivityRepository(db.kysely, db.dialect), accounts);
  const notebooks = new NotebooksService(db, new NotebooksRepository(db.kysely, db.dialect), new UserCache(accounts), activity, new ResponseCache(config.listCacheBytes));

  // The request pipeline, in PostHog's order (platform.md §0): 401 → 403 → 429 → handler.
  app.addHook('preHandler', async (request) => {
    const routeConfig = request.routeOptions.config;
    const url = request.routeOptions.url;
    if (routeConfig.public || url === undefined || url.startsWith('/api/schema')) return;
    // Django's lookup regex [^/.]+: a path parameter with a dot matches no route at all, so it is
    // "Endpoint not found." even without credentials (platform.md §4.1).
    if (Object.values(request.params as Record<string, string>).some((value) => value.includes('.'))) throw endpointNotFound();
    const caller = await authenticator.authenticate(request);
    request.caller = caller;
    const scopes = routeConfig.scopes;
    if (!scopes) throw permissionDenied('This action does not support personal API key access');
    const params = request.params as Record<string, string>;
    if (params.project_id !== undefined) {
      const project = await authenticator.resolveProject(caller, params.project_id);
      checkKeyLimits(caller, project);
      checkScopes(caller, scopes);
      request.membershipLevel = checkMembership(caller, project);
      request.project = project;
    } else {
      if (!scopes.some((scope) => scope.startsWith('user:'))) checkKeyLimits(caller, null);
      checkScopes(caller, scopes);
    }
    const wait = await deps.rateLimiter.hit(caller.keyHash);
    if (wait !== null) throw throttled(wait);
  });

  // PostHog sends "application/json" without a charset.
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/json')) reply.header('content-type', 'application/json');
    return payload;
  });

  app.setErrorHandler((error: FastifyError | ApiError | PlainResponse, request, reply) => {
    if (error instanceof ApiError) return sendError(reply, error);
    if (error instanceof PlainResponse) {
      if (error.body === null) return reply.code(error.statusCode).send();
      return reply.code(error.statusCode).type('application/json').send(JSON.stringify(error.body));
    }
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(reply, unsupportedMediaType(String(request.headers['content-type'] ?? '')));
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(reply, payloadTooLarge(config.bodyLimit));
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendError(reply, parseError('JSON parse error - Expecting value: line 1 column 1 (char 0)'));
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendError(reply, parseError('Request body size did not match Content-Length.'));
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, parseError(error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).type('application/json').send(JSON.stringify(serverErrorEnvelope()));
  });

  app.setNotFoundHandler((_request, reply) => sendError(reply, endpointNotFound()));

  app.get('/_health', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/_readyz', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(db.kysely);
      return { status: 'ok', database: db.dialect.engine };
    } catch {
      return reply.code(503).send({ status: 'unavailable', database: db.dialect.engine });
    }
  });
  app.get('/api/schema', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  accountsRoutes(app, accounts, authenticator);
  notebooksRoutes(app, notebooks);
  return app;
}
