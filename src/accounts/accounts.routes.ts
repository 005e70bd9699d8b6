import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { errorResponses, ProjectIdParamSchema } from '../http/common.schemas.ts';
import { permissionDenied } from '../http/errors.ts';
import { limitOffsetLinks, parseLimitOffset } from '../http/pagination.ts';
import { queryOf } from '../http/query-params.ts';
import { baseUrl } from '../http/routing.ts';
import { unmappedMethods } from '../http/unmapped-methods.ts';
import { presentMe, presentProject, presentProjectBasic } from './accounts.presenters.ts';
import type { AccountsRepository } from './accounts.repository.ts';
import { callerOf } from './caller.ts';
import type { ProjectAccess } from './project-access.ts';

/** The projects and the user, under /api. */
export async function accountsRoutes(
  app: FastifyInstance,
  options: { accounts: AccountsRepository; projectAccess: ProjectAccess },
): Promise<void> {
  const { accounts, projectAccess } = options;

  app.get('/projects/', {
    config: { scopes: ['project:read'] },
    schema: {
      operationId: 'list',
      tags: ['projects'],
      description: 'The projects the caller can reach (limited to the key’s organizations, if any), by id.',
      querystring: Type.Object({
        limit: Type.Optional(Type.String({ description: 'Page size (default 100).' })),
        offset: Type.Optional(Type.String({ description: 'Items to skip.' })),
      }),
      response: { 200: Type.Ref('PaginatedProjectList'), ...errorResponses },
    },
    handler: async (request) => {
      const caller = callerOf(request);
      const limitedTo = caller.key?.scopedOrganizations ?? [];
      const organizations = [...caller.memberships.keys()].filter(
        (id) => limitedTo.length === 0 || limitedTo.includes(id),
      );
      const query = queryOf(request.url);
      const page = parseLimitOffset(query);
      const { count, projects } = await accounts.listProjects(organizations, page.limit, page.offset);
      return {
        count,
        ...limitOffsetLinks(baseUrl(request), query, page, count),
        results: projects.map(presentProjectBasic),
      };
    },
  });

  app.get('/projects/:project_id/', {
    config: { scopes: ['project:read'] },
    schema: {
      operationId: 'retrieve',
      tags: ['projects'],
      description: 'One project.',
      params: Type.Object({ project_id: ProjectIdParamSchema }),
      response: { 200: Type.Ref('Project'), ...errorResponses },
    },
    handler: async (request) => {
      if (!request.project) throw new Error('route used without the project pipeline');
      return presentProject(request.project, request.membershipLevel);
    },
  });

  app.get('/users/:uuid/', {
    config: { scopes: ['user:read'] },
    schema: {
      operationId: 'users_retrieve',
      tags: ['users'],
      description: 'The authenticated user (only "@me" is allowed).',
      params: Type.Object({ uuid: Type.String({ description: '"@me".' }) }),
      response: { 200: Type.Ref('Me'), ...errorResponses },
    },
    handler: async (request) => {
      const caller = callerOf(request);
      const { uuid } = request.params as { uuid: string };
      if (uuid !== '@me' && uuid !== caller.user.uuid) {
        throw permissionDenied("As a non-staff user you're only allowed to access the `@me` user instance.");
      }
      const organizations = await accounts.organizationsOf(caller.user.id);
      const current = await projectAccess.resolveProject(caller, '@current').catch(() => undefined);
      return presentMe(caller.user, current, organizations);
    },
  });

  unmappedMethods(app, '/projects/', ['GET']);
  unmappedMethods(app, '/projects/:project_id/', ['GET']);
  unmappedMethods(app, '/users/:uuid/', ['GET']);
}
