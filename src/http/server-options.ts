import type { FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Config } from '../config.ts';
import { ApiError, endpointNotFound, serverErrorEnvelope } from './errors.ts';

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

/** For errors raised before routing, which skip the onSend hook: bytes keep the type as set. */
function sendFrameworkError(reply: FastifyReply, error: ApiError): FastifyReply {
  return reply
    .code(error.statusCode)
    .header('content-type', 'application/json')
    .send(Buffer.from(JSON.stringify(error.envelope)));
}

/** Config's TRUST_PROXY as Fastify takes it: a number of hops becomes the function proxy-addr would make. */
function trustProxyOption(trust: Config['trustProxy']): FastifyServerOptions['trustProxy'] {
  if (typeof trust !== 'number') return trust;
  return (_address: string, hop: number) => hop < trust;
}

/** Fastify's own options: logging without secrets, the body limit, routing as PostHog's. */
export function serverOptions(config: Config): FastifyServerOptions {
  return {
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            // A malformed request is logged at trace level with its raw bytes (err.rawPacket), headers
            // and key included.
            redact: {
              paths: ['req.headers.authorization', 'req.headers.cookie', 'err.rawPacket'],
              censor: '[REDACTED]',
            },
            serializers: {
              req: (req: FastifyRequest) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }),
            },
          },
    bodyLimit: config.bodyLimit,
    trustProxy: trustProxyOption(config.trustProxy),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    // A path that cannot be percent-decoded, or a segment over maxParamLength, matches no route:
    // the envelope of an unknown path instead of Fastify's own body.
    frameworkErrors: (error, _request, reply) => {
      if (error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH')
        return sendFrameworkError(reply, endpointNotFound());
      return sendFrameworkError(reply, new ApiError(500, serverErrorEnvelope()));
    },
    return503OnClosing: true,
  };
}
