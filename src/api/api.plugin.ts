import type { FastifyInstance } from 'fastify';
import { accountsRoutes } from '../accounts/accounts.routes.ts';
import { organizationsRoutes } from '../accounts/organizations.routes.ts';
import { personalApiKeysRoutes } from '../accounts/personal-api-keys.routes.ts';
import { sendPendingCookies } from '../accounts/session-cookies.ts';
import { rateLimitPlugin } from '../http/plugins/rate-limit.ts';
import { notebooksRoutes } from '../notebooks/notebooks.routes.ts';
import type { Services } from '../services.ts';

/**
 * Everything under /api that needs a caller: each request is authenticated and its access
 * checked (RequestAuthenticator), then counted against its caller's rate limits, then handled.
 * Routes without credentials (schema, health, sign-in) are declared by their own plugins outside.
 */
export async function apiPlugin(
  app: FastifyInstance,
  options: { services: Services; eventsHeartbeatMs: number },
): Promise<void> {
  const { services } = options;
  app.addHook('preHandler', (request) => services.authenticator.authorize(request));
  // The change feed's listener holds a connection of its own.
  app.addHook('onClose', () => services.changeFeed.close());
  // So does the key cache's, which hears keys changed through other processes. Without it the
  // server still starts: a cached key then lasts its few seconds.
  app.addHook('onReady', async () => {
    try {
      await services.keySource.listen();
    } catch (error) {
      app.log.warn({ err: error }, 'not listening for personal API key changes made by other processes');
    }
  });
  app.addHook('onClose', () => services.keySource.close());
  // A session renewed, or a CSRF cookie given back, while authenticating.
  app.addHook('onSend', sendPendingCookies);
  await app.register(rateLimitPlugin, {
    limiter: services.rateLimiter,
    identity: (request) => request.caller?.rateLimitIdentity,
  });
  await app.register(accountsRoutes, {
    accounts: services.accountsRepository,
    users: services.users,
    projects: services.projects,
  });
  await app.register(organizationsRoutes, {
    members: services.members,
    invites: services.invites,
    prefix: '/organizations/:organization_id',
  });
  await app.register(personalApiKeysRoutes, { keys: services.personalApiKeys, prefix: '/personal_api_keys' });
  await app.register(notebooksRoutes, {
    service: services.notebooks,
    eventsHeartbeatMs: options.eventsHeartbeatMs,
    prefix: '/projects/:project_id/notebooks',
  });
}
