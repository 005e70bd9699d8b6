import type { FastifyInstance } from 'fastify';
import { createLoginAttempts, type LoginAttempts } from './accounts/login-attempts.ts';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { type Db, openDatabase } from './db/database.ts';
import type { RateLimiter } from './http/rate-limit.ts';
import { createRateLimiter } from './http/rate-limiter-factory.ts';
import { createServices, migrateDatabase, PASSWORD_ATTEMPTS } from './services.ts';

export interface RunningServer {
  app: FastifyInstance;
  db: Db;
  url: string;
  close(): Promise<void>;
}

/** Opens the database, migrates it, bootstraps an empty one, and listens. */
export async function startServer(config: Config, output: { announce(text: string): void }): Promise<RunningServer> {
  const db = await openDatabase(config.database, {
    sqliteSynchronous: config.sqliteSynchronous,
    sqliteWalThread: true,
    pgPreparedStatements: config.pgPreparedStatements,
  });
  let rateLimiter: RateLimiter | undefined;
  let loginAttempts: LoginAttempts | undefined;
  let passwordAttempts: RateLimiter | undefined;
  try {
    await migrateDatabase(db);
    rateLimiter = await createRateLimiter(config);
    loginAttempts = await createLoginAttempts(config.redisUrl);
    passwordAttempts = await createRateLimiter({ ...config, rateLimits: { windows: [PASSWORD_ATTEMPTS] } });
    const services = createServices(db, config, { rateLimiter, loginAttempts, passwordAttempts });
    const bootstrap = await services.accounts.bootstrap();
    const app = await buildApp(config, services);
    // Once close() has begun, the answer to a request still in flight also ends its connection:
    // a keep-alive client would otherwise hold the process open until its idle timeout.
    let closing: Promise<void> | undefined;
    app.addHook('onSend', async (_request, reply, payload) => {
      if (closing !== undefined) reply.header('connection', 'close');
      return payload;
    });
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    if (bootstrap) {
      output.announce(
        [
          '',
          'First start: created organization "Default organization", project 1 "Default project" and user admin@localhost.',
          'Personal API key (scope "*") — shown only this once, store it now:',
          '',
          `  ${bootstrap.key.value}`,
          '',
          `Sign in at ${url}/login as ${bootstrap.user.email} with this password (also shown only once):`,
          '',
          `  password: ${bootstrap.password}`,
          '',
          'Try it:',
          `  curl -H "Authorization: Bearer ${bootstrap.key.value}" ${url}/api/projects/1/notebooks/`,
          '',
        ].join('\n'),
      );
    }
    const limiter = rateLimiter;
    const attempts = loginAttempts;
    const passwordLimiter = passwordAttempts;
    return {
      app,
      db,
      url,
      close() {
        // Stop accepting, let in-flight requests finish, then release the database.
        closing ??= (async () => {
          await app.close();
          await limiter.close();
          await attempts.close();
          await passwordLimiter.close();
          await db.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await rateLimiter?.close();
    await loginAttempts?.close();
    await passwordAttempts?.close();
    await db.close();
    throw error;
  }
}
