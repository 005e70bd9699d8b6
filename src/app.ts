import Fastify, { type FastifyInstance } from 'fastify';
import { signInRoutes } from './accounts/sign-in.routes.ts';
import { signupRoutes } from './accounts/signup.routes.ts';
import { apiPlugin } from './api/api.plugin.ts';
import { API_SCHEMAS } from './api/api-schemas.ts';
import type { Config } from './config.ts';
import { healthRoutes } from './http/health.routes.ts';
import { backgroundWritesPlugin } from './http/plugins/background-writes.ts';
import { bodyParsersPlugin } from './http/plugins/body-parsers.ts';
import { errorEnvelopePlugin } from './http/plugins/error-envelope.ts';
import { openApiPlugin } from './http/plugins/openapi.ts';
import { webAppPlugin } from './http/plugins/web-app.ts';
import { serverOptions } from './http/server-options.ts';
import type { Services } from './services.ts';

/** The HTTP application: a short list of plugins over the services. */
export async function buildApp(config: Config, services: Services): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(config));
  // PostHog's validation (DRF field semantics, first error only, exact messages) is done where
  // input is parsed; the TypeBox schemas describe requests for OpenAPI. Presenters build every
  // response in PostHog's exact shape and key order (the hot ones as JSON text), so no serializer
  // is compiled per route and status, which would cost most of the start-up time.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  await app.register(errorEnvelopePlugin, { bodyLimit: config.bodyLimit });
  await app.register(bodyParsersPlugin);
  await app.register(openApiPlugin, { schemas: API_SCHEMAS });
  await app.register(backgroundWritesPlugin, { writes: services.background });
  await app.register(healthRoutes, { db: services.db });
  await app.register(signInRoutes, {
    signIn: services.signIn,
    sessions: services.sessionSource,
    cookies: services.sessionCookies,
    csrf: services.csrf,
  });
  await app.register(signupRoutes, {
    invites: services.invites,
    sessions: services.sessionSource,
    cookies: services.sessionCookies,
  });
  await app.register(apiPlugin, { services, eventsHeartbeatMs: config.eventsHeartbeatMs, prefix: '/api' });
  // Everything outside /api and the server's own paths is the web app.
  await app.register(webAppPlugin, { posthogUrl: config.posthogUrl });
  return app;
}
