import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unmappedMethods } from '../http/unmapped-methods.ts';
import { presentInviteDescription, presentSignedUp } from './accounts.presenters.ts';
import type { InvitesService } from './invites.service.ts';
import { queueCookie, type SessionCookies, sendPendingCookies } from './session-cookies.ts';
import type { SessionSource } from './session-source.ts';

const TAGS = ['authentication'];
const envelope = (description: string) => Type.Ref('ErrorEnvelope', { description });
const INVITE_PARAMS = Type.Object({ invite_id: Type.String({ description: 'UUID of the invite (from its link).' }) });
const inviteIdOf = (request: FastifyRequest) => (request.params as { invite_id: string }).invite_id;

/** Accepting an invite: routes for visitors, outside the /api plugin's authentication. */
export async function signupRoutes(
  app: FastifyInstance,
  options: { invites: InvitesService; sessions: SessionSource; cookies: SessionCookies },
): Promise<void> {
  const { invites, sessions, cookies } = options;
  app.addHook('onSend', sendPendingCookies);
  // A visitor who is already signed in is that user (and an unsafe request of theirs needs its CSRF token).
  app.addHook('preHandler', async (request) => {
    request.caller = await sessions.authenticate(request);
  });

  app.get('/api/signup/:invite_id/', {
    schema: {
      operationId: 'signup_retrieve',
      tags: TAGS,
      security: [],
      description: 'Whom an invite is for and to which organization, checked as accepting it would be.',
      params: INVITE_PARAMS,
      response: {
        200: Type.Object(
          {
            id: Type.String({ description: 'UUID of the invite.' }),
            target_email: Type.String({ description: 'The address invited.' }),
            first_name: Type.String({ description: 'The first name the inviter gave, if any.' }),
            organization_name: Type.String({ description: 'The organization it joins.' }),
          },
          { description: 'The invite.' },
        ),
        400: envelope('Not a valid invite, expired, or the address already has an account.'),
      },
    },
    handler: async (request) => presentInviteDescription(await invites.describe(inviteIdOf(request), request.caller)),
  });

  app.post('/api/signup/:invite_id/', {
    schema: {
      operationId: 'signup_create',
      tags: TAGS,
      security: [],
      description:
        'Accept an invite: a visitor becomes a user of the organization with first_name and password, signed ' +
        'in (the session and CSRF cookies are set); a signed-in user joins it. The invite is used up.',
      params: INVITE_PARAMS,
      body: Type.Object({
        first_name: Type.Optional(Type.String({ description: 'First name (required for a new user).' })),
        password: Type.Optional(
          Type.String({ description: 'Password (required for a new user): 8 characters or more, not weak.' }),
        ),
      }),
      response: {
        201: Type.Object(
          {
            id: Type.Integer({ description: 'Integer id of the user.' }),
            uuid: Type.String({ description: 'UUID of the user.' }),
            distinct_id: Type.Union([Type.String(), Type.Null()], { description: 'Analytics identity.' }),
            first_name: Type.String({ description: 'First name.' }),
            last_name: Type.String({ description: 'Last name.' }),
            email: Type.String({ description: 'Email address (the invite’s).' }),
            is_email_verified: Type.Union([Type.Boolean(), Type.Null()], { description: 'Whether it is verified.' }),
            hedgehog_config: Type.Null({ description: 'Always null here.' }),
            role_at_organization: Type.Union([Type.String(), Type.Null()], { description: 'Role, or null.' }),
            redirect_url: Type.String({ description: 'Where to go next: "/".' }),
          },
          { description: 'The new member.' },
        ),
        400: envelope('Invalid fields, or an invite that is not valid, expired or used.'),
        403: envelope('CSRF failure (a signed-in visitor).'),
      },
    },
    handler: async (request, reply) => {
      const accepted = await invites.accept(inviteIdOf(request), request.body, request.caller);
      if (accepted.session) {
        queueCookie(request, cookies.session(request, accepted.session.sessionId));
        queueCookie(request, cookies.csrf(request, accepted.session.csrfSecret));
      }
      return reply.code(201).send(presentSignedUp(accepted.user));
    },
  });

  unmappedMethods(app, '/api/signup/:invite_id/', ['GET', 'POST']);
}
