import type { FastifyRequest } from 'fastify';

/** Scheme and host of the request, as Django's build_absolute_uri sees them. */
export function origin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/** The absolute URL of the request without its query string. */
export function baseUrl(request: FastifyRequest): string {
  const path = request.url.split('?', 1)[0];
  return `${origin(request)}${path}`;
}

export function absoluteUrl(request: FastifyRequest): string {
  return `${origin(request)}${request.url}`;
}
