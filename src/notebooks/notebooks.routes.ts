import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { endpointNotFound, PlainResponse } from '../http/errors.ts';
import { errorResponses, ProjectIdParamSchema } from '../http/common.schemas.ts';
import { queryOf } from '../http/query-params.ts';
import { absoluteUrl, baseUrl, contextOf, unmappedMethods } from '../http/routing.ts';
import type { NotebooksService } from './notebooks.service.ts';
import {
  ActivityQuerySchema,
  NotebookListQuerySchema,
  NotebookWriteSchema,
  RecordingCommentsQuerySchema,
} from './notebooks.schemas.ts';

const TAGS = ['notebooks'];
// Detail bodies arrive as JSON text (content is spliced in unparsed); their response schemas
// document them, and Fastify sends a string as it is.
const PROJECT_PARAMS = Type.Object({ project_id: ProjectIdParamSchema });
const NOTEBOOK_PARAMS = Type.Object({
  project_id: ProjectIdParamSchema,
  short_id: Type.String({ description: 'short_id of the notebook.' }),
});

/** Django's lookup regex [^/.]+ : a short_id with a dot is no route at all. */
function shortIdOf(request: FastifyRequest): string {
  const shortId = (request.params as { short_id: string }).short_id;
  if (shortId.includes('.')) throw endpointNotFound();
  return shortId;
}

export function notebooksRoutes(app: FastifyInstance, service: NotebooksService): void {
  // Paths end in "/" as in PostHog's OpenAPI document; the router also accepts them without.
  const collection = '/api/projects/:project_id/notebooks/';
  const detail = `${collection}:short_id/`;

  app.get(collection, {
    config: { scopes: ['notebook:read'] },
    schema: {
      operationId: 'notebooks_list',
      tags: TAGS,
      description: 'List the notebooks of a project (soft-deleted ones never appear), filtered, ordered and paginated.',
      params: PROJECT_PARAMS,
      querystring: NotebookListQuerySchema,
      response: { 200: Type.Ref('PaginatedNotebookMinimalList'), ...errorResponses },
    },
    handler: async (request, reply) => reply.type('application/json').send(await service.list(contextOf(request), queryOf(request.url), baseUrl(request))),
  });

  app.post(collection, {
    config: { scopes: ['notebook:write'] },
    schema: {
      operationId: 'notebooks_create',
      tags: TAGS,
      description: 'Create a notebook. Logs a "created" activity.',
      params: PROJECT_PARAMS,
      body: NotebookWriteSchema,
      response: { 201: Type.Ref('Notebook'), ...errorResponses },
    },
    handler: async (request, reply) => reply.code(201).type('application/json').send(await service.create(contextOf(request), request.body)),
  });

  app.get(`${collection}activity/`, {
    config: { scopes: ['activity_log:read'] },
    schema: {
      operationId: 'notebooks_all_activity_retrieve',
      tags: TAGS,
      description: "The project's notebook activity log, newest first.",
      params: PROJECT_PARAMS,
      querystring: ActivityQuerySchema,
      response: { 200: Type.Ref('ActivityPage'), ...errorResponses },
    },
    handler: (request) => service.allActivity(contextOf(request), queryOf(request.url), absoluteUrl(request)),
  });

  app.get(`${collection}recording_comments/`, {
    config: { scopes: ['notebook:read'] },
    schema: {
      operationId: 'notebooks_recording_comments_retrieve',
      tags: TAGS,
      description: 'Replay-timestamp comments on one recording, from the notebooks of this project that embed it.',
      params: PROJECT_PARAMS,
      querystring: RecordingCommentsQuerySchema,
      response: { 200: Type.Ref('RecordingComments'), ...errorResponses },
    },
    handler: (request) => service.recordingComments(contextOf(request), queryOf(request.url)),
  });

  app.get(detail, {
    config: { scopes: ['notebook:read'] },
    schema: {
      operationId: 'notebooks_retrieve',
      tags: TAGS,
      description: 'One notebook. With If-None-Match equal to its version: 304 and an empty body.',
      params: NOTEBOOK_PARAMS,
      headers: Type.Object({ 'if-none-match': Type.Optional(Type.String({ description: 'The version the client holds.' })) }),
      response: { 200: Type.Ref('Notebook'), 304: Type.Null({ description: 'Not modified: empty body.' }), ...errorResponses },
    },
    handler: async (request, reply) => {
      const header = request.headers['if-none-match'];
      const body = await service.retrieve(contextOf(request), shortIdOf(request), Array.isArray(header) ? header.join(', ') : header);
      return reply.type('application/json').send(body);
    },
  });

  for (const method of ['PATCH', 'PUT'] as const) {
    app.route({
      method,
      url: detail,
      config: { scopes: ['notebook:write'] },
      schema: {
        operationId: method === 'PATCH' ? 'notebooks_partial_update' : 'notebooks_update',
        tags: TAGS,
        description:
          'Update a notebook (PUT behaves like PATCH). Truthy content needs the current version (else 409) and bumps it by one; {"deleted": true|false} soft-deletes or restores.',
        params: NOTEBOOK_PARAMS,
        body: NotebookWriteSchema,
        response: { 200: Type.Ref('Notebook'), 409: Type.Ref('ErrorEnvelope', { description: 'Stale or missing version.' }), ...errorResponses },
      },
      handler: async (request, reply) => reply.type('application/json').send(await service.update(contextOf(request), shortIdOf(request), request.body)),
    });
  }

  app.delete(detail, {
    config: { scopes: ['notebook:write'] },
    schema: {
      operationId: 'notebooks_destroy',
      tags: TAGS,
      description: 'Hard delete of this model is not allowed. Use a patch API call to set "deleted" to true. Always 405 with an empty body.',
      params: NOTEBOOK_PARAMS,
      response: { 405: Type.Null({ description: 'Empty body.' }), ...errorResponses },
    },
    handler: () => {
      throw new PlainResponse(405, null);
    },
  });

  app.get(`${detail}activity/`, {
    config: { scopes: ['activity_log:read'] },
    schema: {
      operationId: 'notebooks_activity_retrieve',
      tags: TAGS,
      description: "One notebook's activity log, newest first.",
      params: NOTEBOOK_PARAMS,
      querystring: ActivityQuerySchema,
      response: { 200: Type.Ref('ActivityPage'), ...errorResponses },
    },
    handler: (request) => service.notebookActivity(contextOf(request), shortIdOf(request), queryOf(request.url), absoluteUrl(request)),
  });

  unmappedMethods(app, collection, ['GET', 'POST']);
  unmappedMethods(app, `${collection}activity/`, ['GET']);
  unmappedMethods(app, `${collection}recording_comments/`, ['GET']);
  unmappedMethods(app, detail, ['GET', 'PATCH', 'PUT', 'DELETE']);
  unmappedMethods(app, `${detail}activity/`, ['GET']);
}
