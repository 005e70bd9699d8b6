import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import {
  ApiError,
  endpointNotFound,
  PlainResponse,
  parseError,
  payloadTooLarge,
  serverErrorEnvelope,
  unsupportedMediaType,
} from '../errors.ts';

export function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.code(error.statusCode).type('application/json').send(JSON.stringify(error.envelope));
}

/**
 * Every error as PostHog's envelope {type, code, detail, attr}: ours as raised, Fastify's own
 * (bad media type, body too large, …) translated, anything unexpected logged with its request
 * and answered with the generic 500, whose body reveals nothing.
 */
export const errorEnvelopePlugin = fp(
  async (app: FastifyInstance, options: { bodyLimit: number }) => {
    // PostHog sends "application/json" without a charset.
    app.addHook('onSend', async (_request, reply, payload) => {
      const type = reply.getHeader('content-type');
      if (typeof type === 'string' && type.startsWith('application/json'))
        reply.header('content-type', 'application/json');
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
          return sendError(reply, payloadTooLarge(options.bodyLimit));
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
  },
  { name: 'error-envelope', fastify: '5.x' },
);
