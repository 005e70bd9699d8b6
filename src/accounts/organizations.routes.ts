import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorResponses } from '../http/common.schemas.ts';
import { limitOffsetLinks, parseLimitOffset } from '../http/pagination.ts';
import { queryOf } from '../http/query-params.ts';
import { baseUrl } from '../http/routing.ts';
import { unmappedMethods } from '../http/unmapped-methods.ts';
import { presentMember, presentOrganization } from './accounts.presenters.ts';
import { callerOf } from './caller.ts';
import type { MembersService, OrganizationContext } from './members.service.ts';

const ORGANIZATION_ID = Type.String({
  description: 'UUID of the organization, or "@current" for the caller’s current one.',
});
const ORGANIZATION_PARAMS = Type.Object({ organization_id: ORGANIZATION_ID });
const MEMBER_PARAMS = Type.Object({
  organization_id: ORGANIZATION_ID,
  user_uuid: Type.String({ description: 'UUID of the member’s user, or "@me".' }),
});

/** Who is asking, in which organization: set by the API's authorization for every organization route. */
export function organizationContextOf(request: FastifyRequest): OrganizationContext {
  const { organization, membershipLevel } = request;
  if (!organization || membershipLevel === undefined) throw new Error('route used without the organization pipeline');
  return { caller: callerOf(request), organization, level: membershipLevel };
}

const userUuidOf = (request: FastifyRequest) => (request.params as { user_uuid: string }).user_uuid;

/** /api/organizations/:organization_id/ and its members. */
export async function organizationsRoutes(app: FastifyInstance, options: { members: MembersService }): Promise<void> {
  const { members } = options;

  app.get('/', {
    prefixTrailingSlash: 'slash',
    config: { scopes: ['organization:read'] },
    schema: {
      operationId: 'organizations_retrieve',
      tags: ['organizations'],
      description: 'One organization the caller belongs to, with its projects and member count.',
      params: ORGANIZATION_PARAMS,
      response: { 200: Type.Ref('Organization'), ...errorResponses },
    },
    handler: async (request) => presentOrganization(await members.overview(organizationContextOf(request))),
  });

  app.get('/members/', {
    config: { scopes: ['organization_member:read'] },
    schema: {
      operationId: 'members_list',
      tags: ['organizations'],
      description: 'The active members, by level (members first), then newest first; limit/offset pages.',
      params: ORGANIZATION_PARAMS,
      querystring: Type.Object({
        limit: Type.Optional(Type.String({ description: 'Page size (default 100).' })),
        offset: Type.Optional(Type.String({ description: 'Members to skip.' })),
      }),
      response: { 200: Type.Ref('PaginatedOrganizationMemberList'), ...errorResponses },
    },
    handler: async (request) => {
      const query = queryOf(request.url);
      const page = parseLimitOffset(query);
      const { count, members: found } = await members.list(organizationContextOf(request), page.limit, page.offset);
      return { count, ...limitOffsetLinks(baseUrl(request), query, page, count), results: found.map(presentMember) };
    },
  });

  app.patch('/members/:user_uuid/', {
    config: { scopes: ['organization_member:write'] },
    schema: {
      operationId: 'members_partial_update',
      tags: ['organizations'],
      description:
        'Change a member’s level (admins and owners; never one’s own, owners made only by owners, the last ' +
        'owner never demoted).',
      params: MEMBER_PARAMS,
      body: Type.Object({ level: Type.Optional(Type.Integer({ description: '1 member, 8 admin, 15 owner.' })) }),
      response: { 200: Type.Ref('OrganizationMember'), ...errorResponses },
    },
    handler: async (request) =>
      presentMember(await members.update(organizationContextOf(request), userUuidOf(request), request.body)),
  });

  app.delete('/members/:user_uuid/', {
    config: { scopes: ['organization_member:write'] },
    schema: {
      operationId: 'members_destroy',
      tags: ['organizations'],
      description: 'Remove a member (admins and owners), or leave (any member but an owner).',
      params: MEMBER_PARAMS,
      response: { 204: Type.Null({ description: 'Removed: empty body.' }), ...errorResponses },
    },
    handler: async (request, reply) => {
      await members.remove(organizationContextOf(request), userUuidOf(request));
      return reply.code(204).send();
    },
  });

  unmappedMethods(app, '/', ['GET']);
  unmappedMethods(app, '/members/', ['GET']);
  unmappedMethods(app, '/members/:user_uuid/', ['PATCH', 'DELETE']);
}
