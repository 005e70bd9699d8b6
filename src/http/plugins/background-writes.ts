import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { BackgroundWrites } from '../../db/background-writes.ts';

/** Background writes report to the app's log, and are finished before the app closes. */
export const backgroundWritesPlugin = fp(
  async (app: FastifyInstance, options: { writes: BackgroundWrites }) => {
    options.writes.report = (error) => app.log.error({ err: error }, 'background write failed');
    app.addHook('onClose', () => options.writes.drain());
  },
  { name: 'background-writes', fastify: '5.x' },
);
