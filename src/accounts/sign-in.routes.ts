import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { parseCookies } from '../http/cookies.ts';
import { type CsrfOptions, checkCsrf } from '../http/csrf.ts';
import { lastValue, queryOf } from '../http/query-params.ts';
import { unmappedMethods } from '../http/unmapped-methods.ts';
import { logoutLocation } from './redirects.ts';
import { queueCookie, SESSION_COOKIE, type SessionCookies, sendPendingCookies } from './session-cookies.ts';
import type { SessionSource } from './session-source.ts';
import { parseCredentials, type SignInService } from './sign-in.service.ts';

const TAGS = ['authentication'];
const envelope = (description: string) => Type.Ref('ErrorEnvelope', { description });

/** Signing in and out: routes that need no caller, outside the /api plugin's authentication. */
export async function signInRoutes(
  app: FastifyInstance,
  options: { signIn: SignInService; sessions: SessionSource; cookies: SessionCookies; csrf: CsrfOptions },
): Promise<void> {
  const { signIn, sessions, cookies, csrf } = options;
  app.addHook('onSend', sendPendingCookies);

  app.post('/api/login', {
    schema: {
      operationId: 'login_create',
      tags: TAGS,
      security: [],
      description:
        'Sign in with email and password: starts a session (cookie `sessionid`) and sets the CSRF cookie ' +
        '`posthog_csrftoken`, whose value unsafe requests send back in `X-CSRFToken`.',
      body: Type.Object({
        email: Type.String({ description: 'Email address of the account.' }),
        password: Type.String({ description: 'Its password.' }),
      }),
      response: {
        200: Type.Object(
          { success: Type.Literal(true, { description: 'Always true.' }) },
          { description: 'Signed in; the cookies are set.' },
        ),
        400: envelope('A field is missing or invalid, or the email or password is wrong (invalid_credentials).'),
        403: envelope('Too many failed attempts from this address or for this account, or a CSRF failure.'),
      },
    },
    // A browser that is already signed in is authenticated first, as DRF does before any view:
    // its request needs the CSRF token, and its old session ends.
    preHandler: async (request) => {
      request.caller = await sessions.authenticate(request);
    },
    handler: async (request) => {
      const started = await signIn.signIn(parseCredentials(request.body), {
        clientAddress: request.ip,
        replacing: request.caller?.session?.idHash,
      });
      queueCookie(request, cookies.session(request, started.sessionId));
      queueCookie(request, cookies.csrf(request, started.csrfSecret));
      return { success: true };
    },
  });

  app.post('/logout', {
    schema: {
      operationId: 'logout_create',
      tags: TAGS,
      security: [],
      description:
        'Sign out: ends the session on the server (for every server process) and redirects to `/login`, ' +
        'keeping `next` when it is a relative URL on this site. Needs the CSRF token, as every unsafe request does.',
      querystring: Type.Object({
        next: Type.Optional(Type.String({ description: 'Where to go after signing in again (a relative URL).' })),
      }),
      response: {
        302: Type.Null({ description: 'Signed out; Location is /login, with next when it is safe.' }),
        403: envelope('CSRF failure.'),
      },
    },
    handler: async (request, reply) => {
      const requestCookies = parseCookies(request.headers.cookie);
      checkCsrf(request, requestCookies, csrf);
      await signIn.signOut(requestCookies.get(SESSION_COOKIE));
      queueCookie(request, cookies.expiredSession(request));
      const body = request.body;
      const fromBody = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).next : undefined;
      const next = typeof fromBody === 'string' ? fromBody : lastValue(queryOf(request.url), 'next');
      return reply.redirect(logoutLocation(next), 302);
    },
  });

  unmappedMethods(app, '/api/login', ['POST']);
  unmappedMethods(app, '/logout', ['POST']);
}
