import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorResponses } from '../http/common.schemas.ts';
import { limitOffsetLinks, parseLimitOffset } from '../http/pagination.ts';
import { queryOf } from '../http/query-params.ts';
import { baseUrl, origin } from '../http/routing.ts';
import { unmappedMethods } from '../http/unmapped-methods.ts';
import { presentInvite, presentMember, presentOrganization } from './accounts.presenters.ts';
import { callerOf } from './caller.ts';
import type { InvitesService } from './invites.service.ts';
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

const PAGE_QUERY = Type.Object({
  limit: Type.Optional(Type.String({ description: 'Page size (default 100).' })),
  offset: Type.Optional(Type.String({ description: 'Items to skip.' })),
});

/** /api/organizations/:organization_id/, its members and its invites. */
export async function organizationsRoutes(
  app: FastifyInstance,
  options: { members: MembersService; invites: InvitesService },
): Promise<void> {
  const { members, invites } = options;

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
      querystring: PAGE_QUERY,
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

  app.get('/invites/', {
    config: { scopes: ['organization_member:read'] },
    schema: {
      operationId: 'invites_list',
      tags: ['organizations'],
      description: 'The organization’s pending invites, newest first (expired ones say so); limit/offset pages.',
      params: ORGANIZATION_PARAMS,
      querystring: PAGE_QUERY,
      response: { 200: Type.Ref('PaginatedOrganizationInviteList'), ...errorResponses },
    },
    handler: async (request) => {
      const query = queryOf(request.url);
      const page = parseLimitOffset(query);
      const found = await invites.list(organizationContextOf(request), page.limit, page.offset);
      return {
        count: found.count,
        ...limitOffsetLinks(baseUrl(request), query, page, found.count),
        results: found.invites.map((invite) => presentInvite(invite, origin(request))),
      };
    },
  });

  app.post('/invites/', {
    config: { scopes: ['organization_member:write'] },
    schema: {
      operationId: 'invites_create',
      tags: ['organizations'],
      description:
        'Invite an address (admins and owners), at a level no higher than the inviter’s; an earlier invite for ' +
        'it is replaced. The answer carries the accept link to pass on; invites expire after 3 days.',
      params: ORGANIZATION_PARAMS,
      body: Type.Object({
        target_email: Type.String({ description: 'The address to invite.' }),
        first_name: Type.Optional(Type.String({ description: 'Their first name (at most 30 characters).' })),
        level: Type.Optional(
          Type.Integer({ description: 'The level they join at: 1 member (default), 8 admin, 15 owner.' }),
        ),
      }),
      response: { 201: Type.Ref('OrganizationInvite'), ...errorResponses },
    },
    handler: async (request, reply) => {
      const invite = await invites.create(organizationContextOf(request), request.body);
      return reply.code(201).send(presentInvite(invite, origin(request)));
    },
  });

  app.delete('/invites/:invite_id/', {
    config: { scopes: ['organization_member:write'] },
    schema: {
      operationId: 'invites_destroy',
      tags: ['organizations'],
      description: 'Revoke an invite (admins and owners): its link stops working.',
      params: Type.Object({
        organization_id: ORGANIZATION_ID,
        invite_id: Type.String({ description: 'UUID of the invite.' }),
      }),
      response: { 204: Type.Null({ description: 'Revoked: empty body.' }), ...errorResponses },
    },
    handler: async (request, reply) => {
      await invites.revoke(organizationContextOf(request), (request.params as { invite_id: string }).invite_id);
      return reply.code(204).send();
    },
  });

  unmappedMethods(app, '/', ['GET']);
  unmappedMethods(app, '/invites/', ['GET', 'POST']);
  unmappedMethods(app, '/invites/:invite_id/', ['DELETE']);
  unmappedMethods(app, '/members/', ['GET']);
  unmappedMethods(app, '/members/:user_uuid/', ['PATCH', 'DELETE']);
}
