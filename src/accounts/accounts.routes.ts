import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorResponses, ProjectIdParamSchema } from '../http/common.schemas.ts';
import { limitOffsetLinks, parseLimitOffset } from '../http/pagination.ts';
import { queryOf } from '../http/query-params.ts';
import { baseUrl } from '../http/routing.ts';
import { unmappedMethods } from '../http/unmapped-methods.ts';
import { presentMe, presentProject, presentProjectBasic } from './accounts.presenters.ts';
import type { AccountsRepository } from './accounts.repository.ts';
import { callerOf } from './caller.ts';
import type { ProjectsService } from './projects.service.ts';
import type { UsersService } from './users.service.ts';

/** The projects and the user, under /api. */
export async function accountsRoutes(
  app: FastifyInstance,
  options: { accounts: AccountsRepository; users: UsersService; projects: ProjectsService },
): Promise<void> {
  const { accounts, users, projects } = options;

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

  app.post('/projects/', {
    config: { scopes: ['project:write'] },
    schema: {
      operationId: 'create',
      tags: ['projects'],
      description: 'Create a project in the caller’s current organization (admins and owners).',
      body: Type.Ref('ProjectWrite'),
      response: { 201: Type.Ref('Project'), ...errorResponses },
    },
    handler: async (request, reply) => {
      const created = await projects.create(callerOf(request), request.body);
      return reply.code(201).send(presentProject(created.project, created.level));
    },
  });

  app.patch('/projects/:project_id/', {
    config: { scopes: ['project:write'] },
    schema: {
      operationId: 'partial_update',
      tags: ['projects'],
      description: 'Rename a project or set its time zone (any member of its organization).',
      params: Type.Object({ project_id: ProjectIdParamSchema }),
      body: Type.Ref('ProjectWrite'),
      response: { 200: Type.Ref('Project'), ...errorResponses },
    },
    handler: async (request) => {
      if (!request.project || request.membershipLevel === undefined)
        throw new Error('route used without the project pipeline');
      const updated = await projects.update(request.project, request.membershipLevel, request.body);
      return presentProject(updated.project, updated.level);
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

  const USER_PARAMS = Type.Object({ uuid: Type.String({ description: '"@me" (or the caller’s own UUID).' }) });
  const uuidOf = (request: FastifyRequest) => (request.params as { uuid: string }).uuid;

  app.get('/users/:uuid/', {
    config: { scopes: ['user:read'] },
    schema: {
      operationId: 'users_retrieve',
      tags: ['users'],
      description: 'The authenticated user (only "@me" is allowed).',
      params: USER_PARAMS,
      response: { 200: Type.Ref('Me'), ...errorResponses },
    },
    handler: async (request) => presentMe(await users.me(callerOf(request), uuidOf(request))),
  });

  app.patch('/users/:uuid/', {
    config: { scopes: ['user:write'] },
    schema: {
      operationId: 'users_partial_update',
      tags: ['users'],
      description:
        'Change the authenticated user: names, email (unique whatever its case) and password (with ' +
        'current_password; the other sessions end). Changing the email or password is a sensitive action.',
      params: USER_PARAMS,
      body: Type.Ref('MeWrite'),
      response: { 200: Type.Ref('Me'), ...errorResponses },
    },
    handler: async (request) => presentMe(await users.update(callerOf(request), uuidOf(request), request.body)),
  });

  unmappedMethods(app, '/projects/', ['GET', 'POST']);
  unmappedMethods(app, '/projects/:project_id/', ['GET', 'PATCH']);
  unmappedMethods(app, '/users/:uuid/', ['GET', 'PATCH']);
}
