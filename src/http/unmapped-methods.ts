import type { FastifyInstance, HTTPMethods } from 'fastify';
import { methodNotAllowed } from './errors.ts';

const ALL_METHODS: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * The methods a URL does not map: a personal API key gets PostHog's 403 "does not support"
 * (the route has no scopes), anyone else the 405 envelope.
 */
export function unmappedMethods(app: FastifyInstance, url: string, mapped: HTTPMethods[]): void {
  const others = ALL_METHODS.filter((m) => !mapped.includes(m) && !(m === 'HEAD' && mapped.includes('GET')));
  app.route({
    method: others,
    url,
    config: { scopes: null },
    schema: { hide: true },
    handler: (request) => {
      throw methodNotAllowed(request.method);
    },
  });
}
