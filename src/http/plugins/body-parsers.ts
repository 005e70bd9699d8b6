import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { decodeUtf8, parseJsonBody } from '../json-body.ts';

/**
 * The request bodies the API accepts: JSON (read as Python's json does), HTML forms, and Markdown;
 * a body they refuse is answered in the error envelope.
 */
export const bodyParsersPlugin = fp(
  async (app: FastifyInstance) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
      try {
        done(null, parseJsonBody(decodeUtf8(body as Buffer)));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    // Markdown is text: read as strict UTF-8, given to the route as a string.
    app.addContentTypeParser('text/markdown', { parseAs: 'buffer' }, (_request, body, done) => {
      try {
        done(null, decodeUtf8(body as Buffer, 'Markdown'));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      // Django's QueryDict.get: the last value of a repeated key.
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
  },
  { name: 'body-parsers', fastify: '5.x', dependencies: ['error-envelope'] },
);
