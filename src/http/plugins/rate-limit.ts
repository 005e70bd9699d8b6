import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { throttled } from '../errors.ts';
import type { RateLimiter } from '../rate-limit.ts';

export interface RateLimitOptions {
  limiter: RateLimiter;
  /** Whose request this is; undefined: not counted. */
  identity(request: FastifyRequest): string | undefined;
}

/**
 * Counts each request of the context it is registered in against its identity's limits (429
 * beyond, in the error envelope).
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, options: RateLimitOptions) => {
    app.addHook('preHandler', async (request) => {
      const identity = options.identity(request);
      if (identity === undefined) return;
      const wait = await options.limiter.hit(identity);
      if (wait !== null) throw throttled(wait);
    });
  },
  { name: 'rate-limit', fastify: '5.x', dependencies: ['error-envelope'] },
);
