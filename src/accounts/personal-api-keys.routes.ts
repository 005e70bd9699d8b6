import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorResponses } from '../http/common.schemas.ts';
import { unmappedMethods } from '../http/unmapped-methods.ts';
import { presentPersonalApiKey } from './accounts.presenters.ts';
import { callerOf } from './caller.ts';
import type { PersonalApiKeysService } from './personal-api-keys.service.ts';

const TAGS = ['personal_api_keys'];
// Keys reach this route whatever their scopes and limits; the service lets them read only themselves.
const CONFIG = { scopes: [], keyLimits: false };
const KEY_PARAMS = Type.Object({
  id: Type.String({ description: 'Id of the key, or "@current" for the key this request is authenticated with.' }),
});
const keyIdOf = (request: FastifyRequest) => (request.params as { id: string }).id;

/** /api/personal_api_keys/: the caller's own keys, as PostHog's PersonalAPIKeyViewSet answers. */
export async function personalApiKeysRoutes(
  app: FastifyInstance,
  options: { keys: PersonalApiKeysService },
): Promise<void> {
  const { keys } = options;

  app.get('/', {
    prefixTrailingSlash: 'slash',
    config: CONFIG,
    schema: {
      operationId: 'personal_api_keys_list',
      tags: TAGS,
      description: 'The caller’s keys, newest first: a plain array, not paginated. Sessions only.',
      response: { 200: Type.Array(Type.Ref('PersonalAPIKey'), { description: 'The keys.' }), ...errorResponses },
    },
    handler: async (request) => (await keys.list(callerOf(request))).map((key) => presentPersonalApiKey(key)),
  });

  app.post('/', {
    prefixTrailingSlash: 'slash',
    config: CONFIG,
    schema: {
      operationId: 'personal_api_keys_create',
      tags: TAGS,
      description:
        'Create a key (at most 10 per user). The answer carries the key’s value, shown this once. ' +
        'Sessions only, signed in within SESSION_SENSITIVE_ACTIONS_AGE.',
      body: Type.Ref('PersonalAPIKeyWrite'),
      response: { 201: Type.Ref('PersonalAPIKey'), ...errorResponses },
    },
    handler: async (request, reply) => {
      const created = await keys.create(callerOf(request), request.body);
      return reply.code(201).send(presentPersonalApiKey(created.key, created.value));
    },
  });

  app.get('/:id/', {
    config: CONFIG,
    schema: {
      operationId: 'personal_api_keys_retrieve',
      tags: TAGS,
      description: 'One of the caller’s keys. A key may read itself (by its id or "@current") and nothing else.',
      params: KEY_PARAMS,
      response: { 200: Type.Ref('PersonalAPIKey'), ...errorResponses },
    },
    handler: async (request) => presentPersonalApiKey(await keys.retrieve(callerOf(request), keyIdOf(request))),
  });

  for (const [method, operationId, partial] of [
    ['PATCH', 'personal_api_keys_partial_update', true],
    ['PUT', 'personal_api_keys_update', false],
  ] as const) {
    app.route({
      method,
      url: '/:id/',
      config: CONFIG,
      schema: {
        operationId,
        tags: TAGS,
        description:
          `Change a key's label, scopes or limits${partial ? '' : ' (all four fields required)'}. ` +
          'Sessions only, signed in recently.',
        params: KEY_PARAMS,
        body: Type.Ref('PersonalAPIKeyWrite'),
        response: { 200: Type.Ref('PersonalAPIKey'), ...errorResponses },
      },
      handler: async (request) =>
        presentPersonalApiKey(await keys.update(callerOf(request), keyIdOf(request), request.body, partial)),
    });
  }

  app.delete('/:id/', {
    config: CONFIG,
    schema: {
      operationId: 'personal_api_keys_destroy',
      tags: TAGS,
      description: 'Delete a key: it stops working at once. Sessions only, signed in recently.',
      params: KEY_PARAMS,
      response: { 204: Type.Null({ description: 'Deleted: empty body.' }), ...errorResponses },
    },
    handler: async (request, reply) => {
      await keys.destroy(callerOf(request), keyIdOf(request));
      return reply.code(204).send();
    },
  });

  app.post('/:id/roll/', {
    config: CONFIG,
    schema: {
      operationId: 'personal_api_keys_roll_create',
      tags: TAGS,
      description:
        'Give a key a new value (same id, label and scopes; last_rolled_at set); the old value stops working. ' +
        'The answer carries the new value, shown this once. Sessions only, signed in recently.',
      params: KEY_PARAMS,
      response: { 200: Type.Ref('PersonalAPIKey'), ...errorResponses },
    },
    handler: async (request) => {
      const rolled = await keys.roll(callerOf(request), keyIdOf(request));
      return presentPersonalApiKey(rolled.key, rolled.value);
    },
  });

  unmappedMethods(app, '/', ['GET', 'POST']);
  unmappedMethods(app, '/:id/', ['GET', 'PATCH', 'PUT', 'DELETE']);
  unmappedMethods(app, '/:id/roll/', ['POST']);
}
