import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

/** Liveness and readiness, for load balancers and process managers: no credentials. */
export async function healthRoutes(app: FastifyInstance, options: { db: Db }): Promise<void> {
  const { db } = options;
  app.get('/_health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/_readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(db.kysely);
      return { status: 'ok', database: db.dialect.engine };
    } catch {
      return reply.code(503).send({ status: 'unavailable', database: db.dialect.engine });
    }
  });
}
