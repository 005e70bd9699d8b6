import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface OpenApiOptions {
  /** The shared schemas routes refer to by `$id` (Type.Ref), listed under components. */
  schemas: readonly TSchema[];
}

/**
 * The OpenAPI 3.1 document, generated from the route schemas: served at /api/schema/ and browsed
 * at /api/schema/swagger-ui/. The schemas describe requests and responses; validation and
 * serialization are the services' and presenters' own (see app.ts).
 */
export const openApiPlugin = fp(
  async (app: FastifyInstance, options: OpenApiOptions) => {
    for (const schema of options.schemas) app.addSchema(schema);
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Notebooks',
          version: '1.0.0',
          description:
            "PostHog's Notebooks API, self-hosted. The API for interacting with Notebooks. Authenticate with a personal API key: `Authorization: Bearer phx_…`, or sign in (POST /api/login) for a session cookie, whose unsafe requests send the `posthog_csrftoken` cookie's value in `X-CSRFToken`.",
        },
        components: {
          securitySchemes: {
            PersonalAPIKeyAuth: { type: 'http', scheme: 'bearer' },
            SessionAuth: { type: 'apiKey', in: 'cookie', name: 'sessionid' },
          },
        },
        security: [{ PersonalAPIKeyAuth: [] }, { SessionAuth: [] }],
      },
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    });
    await app.register(swaggerUi, { routePrefix: '/api/schema/swagger-ui', uiConfig: { url: '/api/schema/' } });
    app.get('/api/schema', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'openapi', fastify: '5.x' },
);
