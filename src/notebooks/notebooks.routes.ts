import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../accounts/caller.ts';
import { presentActivityPage } from '../activity/activity.presenters.ts';
import { errorResponses, ProjectIdParamSchema } from '../http/common.schemas.ts';
import { negotiate } from '../http/content-negotiation.ts';
import { matchesWeakly, parseEntityTags } from '../http/entity-tags.ts';
import { endpointNotFound, notFound, PlainResponse, tooManyStreams, validationFailed } from '../http/errors.ts';
import { type EventStream, openEventStream, type ServerSentEvent } from '../http/event-stream.ts';
import { numberTextsOf } from '../http/json-body.ts';
import { refuseNullCharacters } from '../http/null-characters.ts';
import { limitOffsetLinks, parseLimitOffset, parsePageNumber } from '../http/pagination.ts';
import { lastValue, queryOf } from '../http/query-params.ts';
import { absoluteUrl, baseUrl } from '../http/routing.ts';
import { unmappedMethods } from '../http/unmapped-methods.ts';
import { type MarkdownNotebook, MarkdownTooComplex, markdownToNotebook } from '../markdown/notebook-markdown.ts';
import { parseListFilters, parseOrder } from './list-filters.ts';
import { parseNotebookWrite } from './notebook-fields.ts';
import { presentNotebookListPage } from './notebooks.presenters.ts';
import {
  ActivityQuerySchema,
  NotebookListQuerySchema,
  NotebookWriteSchema,
  RecordingCommentsQuerySchema,
} from './notebooks.schemas.ts';
import type { NotebookContext, NotebookInput, NotebooksService } from './notebooks.service.ts';

const TAGS = ['notebooks'];
const MAX_STREAMS_PER_CALLER = 20;
/** What a change stream's client may leave unread before it is dropped (with a reset event). */
const MAX_UNREAD_STREAM_BYTES = 1024 * 1024;
/** A title's longest form (PostHog's CharField): a title read from Markdown is cut to it. */
const MAX_TITLE_LENGTH = 256;
const MARKDOWN = 'text/markdown; charset=utf-8';
/** A create or update body: PostHog's JSON, or Markdown for the content. */
const NOTEBOOK_BODY = {
  content: {
    'application/json': { schema: NotebookWriteSchema },
    'text/markdown': {
      schema: Type.String({
        description:
          'The content as Markdown: title from the first heading, text_content its plain text; an update needs ?version=N or If-Match.',
      }),
    },
  },
};
/** The list cache's part in a list answer, as RFC 9211's Cache-Status says it. */
const CACHE_STATUS = { hit: 'notebooks; hit', miss: 'notebooks; fwd=miss', off: 'notebooks; fwd=bypass' } as const;
/** A version as PostHog's IntegerField takes it. */
const VERSION_RANGE = { minimum: -2147483648, maximum: 2147483647 };
/** The ETag of a notebook answer in JSON (retrieve, create, update). */
const NOTEBOOK_ETAG = Type.String({
  description:
    'The entity-tag of the notebook as this caller sees it: it changes whenever anything in the answer does (title, content, deleted, the users shown, the access level). Send it in If-None-Match on a retrieve (304 while unchanged) or in If-Match on an update (412 once it changed).',
});
/** A retrieve's answer depends on Accept. */
const VARY_ACCEPT = Type.Literal('Accept', {
  description: 'The answer depends on the Accept header (JSON or Markdown).',
});
/** The headers of a list answer, 200 or 304. */
const LIST_HEADERS = {
  ETag: Type.String({
    description:
      'The entity-tag of this page: the same until a write to the project (or a change of the users it shows). Send it in If-None-Match: 304 while nothing the page shows changed.',
  }),
  'Cache-Status': Type.Unsafe<(typeof CACHE_STATUS)[keyof typeof CACHE_STATUS]>({
    type: 'string',
    enum: Object.values(CACHE_STATUS),
    description: `Whether the list cache answered (RFC 9211): "${CACHE_STATUS.hit}", "${CACHE_STATUS.miss}" (rendered now and kept), or "${CACHE_STATUS.off}" (the cache is off: LIST_CACHE_MB=0).`,
  }),
  'Notebooks-Last-Event-Id': Type.Integer({
    minimum: 0,
    description:
      "The project's change count this page includes: the id of the last write it reflects. The change stream resumed after it (events/?since=<it>) hears every write the page may lack.",
  }),
};
/** PostHog's If-None-Match: the bare version number the client holds. */
const POSTHOG_VERSION = /^-?\d+$/;
const PROJECT_PARAMS = Type.Object({ project_id: ProjectIdParamSchema });
const NOTEBOOK_PARAMS = Type.Object({
  project_id: ProjectIdParamSchema,
  short_id: Type.String({ description: 'short_id of the notebook.' }),
});

/** Who is asking, in which project: set by the API's authorization for every project route. */
function contextOf(request: FastifyRequest): NotebookContext {
  const { project, membershipLevel } = request;
  if (!project || membershipLevel === undefined) throw new Error('route used without the project pipeline');
  return { project, user: callerOf(request).user, membershipLevel };
}

/** Django's lookup regex [^/.]+ : a short_id with a dot is no route at all; none holds U+0000. */
function shortIdOf(request: FastifyRequest): string {
  const shortId = (request.params as { short_id: string }).short_id;
  if (shortId.includes('.')) throw endpointNotFound();
  if (shortId.includes('\u0000')) throw notFound();
  return shortId;
}

/** Whether the request's body is Markdown (Content-Type: text/markdown), read as a string. */
function isMarkdownBody(request: FastifyRequest): request is FastifyRequest & { body: string } {
  return typeof request.body === 'string' && /^text\/markdown\b/i.test(String(request.headers['content-type']));
}

/**
 * A create or update body, validated as PostHog's serializer does, with how its numbers were
 * written. A Markdown body becomes content, its plain text and its title (the first heading, or
 * the first line); `?version=N` stands for the version a JSON body would carry.
 */
function notebookInputOf(request: FastifyRequest): NotebookInput {
  if (!isMarkdownBody(request))
    return { fields: parseNotebookWrite(request.body), numberTexts: numberTextsOf(request.body) };
  let notebook: MarkdownNotebook;
  try {
    notebook = markdownToNotebook(request.body);
  } catch (error) {
    if (error instanceof MarkdownTooComplex) throw validationFailed(null, `${error.message}.`, 'markdown_too_complex');
    throw error;
  }
  const version = lastValue(queryOf(request.url), 'version');
  const fields = parseNotebookWrite({
    title: notebook.title === null ? null : [...notebook.title].slice(0, MAX_TITLE_LENGTH).join(''),
    content: notebook.content,
    text_content: notebook.textContent,
    ...(version !== undefined && { version }),
  });
  return { fields, numberTexts: undefined };
}

/** The notebook routes under /api/projects/:project_id/notebooks: each parses, calls one service, replies. */
export async function notebooksRoutes(
  app: FastifyInstance,
  options: { service: NotebooksService; eventsHeartbeatMs: number },
): Promise<void> {
  const { service } = options;
  const streams = new Set<EventStream>();
  const streamsPerCaller = new Map<string, number>();
  // Open streams would hold the server's close open for ever: they end first.
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.close();
  });

  // The collection answers with and without the trailing slash (ignoreTrailingSlash); registering
  // it once keeps one path in the OpenAPI document.
  app.get('/', {
    prefixTrailingSlash: 'slash',
    config: { scopes: ['notebook:read'] },
    schema: {
      operationId: 'notebooks_list',
      tags: TAGS,
      description: 'List the notebooks of a project (soft-deleted ones never appear), filtered, ordered and paginated.',
      params: PROJECT_PARAMS,
      querystring: NotebookListQuerySchema,
      headers: Type.Object({
        'if-none-match': Type.Optional(
          Type.String({ description: 'The ETag of a page the client holds: 304 while nothing it shows changed.' }),
        ),
      }),
      response: {
        200: Type.Ref('PaginatedNotebookMinimalList', {
          description:
            "The page; the ETag header names it, Cache-Status (RFC 9211) says whether the list cache answered it, and Notebooks-Last-Event-Id is the project's change count the page includes: the change stream resumed after it (events/?since=) hears every write the page may lack.",
          headers: LIST_HEADERS,
        }),
        304: Type.Null({ description: 'Not modified: empty body.', headers: LIST_HEADERS }),
        ...errorResponses,
      },
    },
    handler: async (request, reply) => {
      const ctx = contextOf(request);
      const query = queryOf(request.url);
      const range = parseLimitOffset(query);
      const { page, cache } = await service.list(ctx, {
        filters: parseListFilters(query, ctx.project.timezone),
        order: parseOrder(query),
        range,
      });
      reply.header('cache-status', CACHE_STATUS[cache]);
      reply.header('notebooks-last-event-id', String(page.changes));
      const { body, etag } = presentNotebookListPage(
        page,
        limitOffsetLinks(baseUrl(request), query, range, page.count),
      );
      reply.header('etag', etag);
      const ifNoneMatch = parseEntityTags(request.headers['if-none-match']);
      if (ifNoneMatch !== undefined && matchesWeakly(ifNoneMatch, etag)) return reply.code(304).send();
      return reply.type('application/json').send(body);
    },
  });

  app.post('/', {
    prefixTrailingSlash: 'slash',
    config: { scopes: ['notebook:write'] },
    schema: {
      operationId: 'notebooks_create',
      tags: TAGS,
      description: 'Create a notebook. Logs a "created" activity.',
      params: PROJECT_PARAMS,
      querystring: Type.Object({
        version: Type.Optional(
          Type.Integer({
            ...VERSION_RANGE,
            description:
              "With a Markdown body (Content-Type: text/markdown) only: the version the notebook starts at, as a JSON body's `version` (default 0); not an integer: 400. Ignored with a JSON body. Repeated, the last counts.",
          }),
        ),
      }),
      body: NOTEBOOK_BODY,
      response: {
        201: Type.Ref('Notebook', { description: 'The notebook created.', headers: { ETag: NOTEBOOK_ETAG } }),
        ...errorResponses,
      },
    },
    handler: async (request, reply) => {
      const answer = await service.create(contextOf(request), notebookInputOf(request));
      return reply.code(201).header('etag', answer.etag).type('application/json').send(answer.body);
    },
  });

  app.get('/activity/', {
    config: { scopes: ['activity_log:read'] },
    schema: {
      operationId: 'notebooks_all_activity_retrieve',
      tags: TAGS,
      description: "The project's notebook activity log, newest first.",
      params: PROJECT_PARAMS,
      querystring: ActivityQuerySchema,
      response: { 200: Type.Ref('ActivityPage'), ...errorResponses },
    },
    handler: async (request) => {
      const page = await service.allActivity(contextOf(request), parsePageNumber(queryOf(request.url)));
      return presentActivityPage(page, absoluteUrl(request));
    },
  });

  app.get('/recording_comments/', {
    config: { scopes: ['notebook:read'] },
    schema: {
      operationId: 'notebooks_recording_comments_retrieve',
      tags: TAGS,
      description: 'Replay-timestamp comments on one recording, from the notebooks of this project that embed it.',
      params: PROJECT_PARAMS,
      querystring: RecordingCommentsQuerySchema,
      response: { 200: Type.Ref('RecordingComments'), ...errorResponses },
    },
    handler: async (request) => {
      const query = queryOf(request.url);
      const recordingId = lastValue(query, 'recording_id');
      if (recordingId === undefined || recordingId === '')
        throw new PlainResponse(400, { detail: 'recording_id is required' });
      refuseNullCharacters('recording_id', recordingId);
      return service.recordingComments(contextOf(request), recordingId, parseOrder(query));
    },
  });

  app.get('/events/', {
    config: { scopes: ['notebook:read'] },
    schema: {
      operationId: 'notebooks_events',
      tags: TAGS,
      description:
        "A live stream (text/event-stream) of the project's notebook writes, in commit order: events created, updated, deleted and restored, each with an id that orders the project's changes and data {short_id, version, title, last_modified_at, last_modified_by, changed_fields}, never the content. Last-Event-ID (or ?since=) resumes after that id; a reset event means the changes after it are no longer kept. A comment line every EVENTS_HEARTBEAT_SECONDS. At most 20 open streams per user or key.",
      params: PROJECT_PARAMS,
      querystring: Type.Object({
        since: Type.Optional(Type.String({ description: 'Resume after this event id (as Last-Event-ID).' })),
      }),
      headers: Type.Object({
        'last-event-id': Type.Optional(
          Type.String({ description: 'The id of the last event received: resume after it.' }),
        ),
      }),
      response: {
        200: {
          description: 'The event stream.',
          content: { 'text/event-stream': { schema: Type.String({ description: 'Server-sent events.' }) } },
        },
        ...errorResponses,
      },
    },
    handler: async (request, reply) => {
      const ctx = contextOf(request);
      const caller = callerOf(request);
      // Streams are counted per key, or per user for a session (which has no rate-limit identity).
      const identity = caller.rateLimitIdentity ?? `user:${caller.user.id}`;
      const open = streamsPerCaller.get(identity) ?? 0;
      if (open >= MAX_STREAMS_PER_CALLER) throw tooManyStreams(MAX_STREAMS_PER_CALLER);
      const resumeFrom = request.headers['last-event-id'] ?? lastValue(queryOf(request.url), 'since');
      const after =
        typeof resumeFrom === 'string' && /^\d{1,15}$/.test(resumeFrom.trim()) ? Number(resumeFrom) : undefined;
      // Subscribed before the stream opens: its starting point is fixed before the client can
      // see the answer and write, and a failure here is still an ordinary error answer.
      const pending: ServerSentEvent[] = [];
      let stream: EventStream | undefined;
      const send = (event: ServerSentEvent) => (stream === undefined ? pending.push(event) : stream.send(event));
      const stop = await service.watchChanges(ctx, after, {
        changes: (events) => {
          for (const event of events) send(event);
        },
        reset: () => send({ event: 'reset', data: JSON.stringify({ reason: 'Changes were missed: list again.' }) }),
      });
      streamsPerCaller.set(identity, open + 1);
      const opened = openEventStream(reply, {
        heartbeatMs: options.eventsHeartbeatMs,
        maxBufferedBytes: MAX_UNREAD_STREAM_BYTES,
        onClose: () => {
          stop();
          streams.delete(opened);
          const left = (streamsPerCaller.get(identity) ?? 1) - 1;
          if (left > 0) streamsPerCaller.set(identity, left);
          else streamsPerCaller.delete(identity);
        },
      });
      stream = opened;
      streams.add(opened);
      for (const event of pending.splice(0)) opened.send(event);
    },
  });

  app.get('/:short_id/', {
    config: { scopes: ['notebook:read'] },
    schema: {
      operationId: 'notebooks_retrieve',
      tags: TAGS,
      description:
        "One notebook, with its ETag. If-None-Match with the bare version the client holds (PostHog's form), or with entity-tags (the ETag, W/, a list, *): 304 and an empty body when it matches.",
      params: NOTEBOOK_PARAMS,
      querystring: Type.Object({
        format: Type.Optional(
          Type.Literal('markdown', {
            description:
              'markdown: answer with the content as Markdown (text/markdown), as Accept: text/markdown does, whatever Accept says. Any other value is ignored (JSON, unless Accept prefers text/markdown). Repeated, the last counts.',
          }),
        ),
      }),
      headers: Type.Object({
        'if-none-match': Type.Optional(
          Type.String({
            description: 'The version the client holds (PostHog), or entity-tags to compare with the ETag.',
          }),
        ),
      }),
      response: {
        200: {
          description: 'The notebook (JSON, or Markdown when asked); the ETag header names this answer.',
          headers: {
            ETag: Type.String({
              description: `${NOTEBOOK_ETAG.description} The Markdown answer has a tag of its own, distinct from the JSON one.`,
            }),
            Vary: VARY_ACCEPT,
          },
          content: {
            'application/json': { schema: Type.Ref('Notebook') },
            'text/markdown': {
              schema: Type.String({ description: 'The content as CommonMark + GFM (README: Markdown).' }),
            },
          },
        },
        304: Type.Null({
          description: 'Not modified: empty body.',
          headers: {
            ETag: Type.String({
              description:
                "The entity-tag that matched If-None-Match (the JSON or the Markdown answer's). Absent when If-None-Match held PostHog's bare version number.",
            }),
            Vary: VARY_ACCEPT,
          },
        }),
        406: Type.Ref('ErrorEnvelope', {
          description: 'Markdown was asked for, and the notebook cannot be written as Markdown (not_acceptable).',
          headers: { Vary: VARY_ACCEPT },
        }),
        ...errorResponses,
      },
    },
    handler: async (request, reply) => {
      const header = request.headers['if-none-match'];
      const text = Array.isArray(header) ? header.join(', ') : header;
      reply.header('vary', 'Accept');
      const format = lastValue(queryOf(request.url), 'format');
      if (
        format === 'markdown' ||
        negotiate(request.headers.accept, ['application/json', 'text/markdown']) === 'text/markdown'
      ) {
        const found = await service.retrieveMarkdown(contextOf(request), shortIdOf(request), parseEntityTags(text));
        reply.header('etag', found.etag);
        if (found.notModified) return reply.code(304).send();
        return reply.type(MARKDOWN).send(found.markdown);
      }
      // PostHog's form, the bare version the client holds, keeps PostHog's meaning; entity-tags
      // (quoted, W/, lists, *) are compared with the ETag.
      const found = await service.retrieve(
        contextOf(request),
        shortIdOf(request),
        text !== undefined && POSTHOG_VERSION.test(text)
          ? { heldVersion: text }
          : { ifNoneMatch: parseEntityTags(text) },
      );
      if (found.etag !== undefined) reply.header('etag', found.etag);
      if (found.notModified) return reply.code(304).send();
      return reply.type('application/json').send(found.body);
    },
  });

  for (const method of ['PATCH', 'PUT'] as const) {
    app.route({
      method,
      url: '/:short_id/',
      config: { scopes: ['notebook:write'] },
      schema: {
        operationId: method === 'PATCH' ? 'notebooks_partial_update' : 'notebooks_update',
        tags: TAGS,
        description:
          'Update a notebook (PUT behaves like PATCH). Truthy content needs the current version (else 409) and bumps it by one; {"deleted": true|false} soft-deletes or restores. With If-Match (an ETag from a retrieve), the update applies only if nothing of the notebook changed since (else 412), whatever the fields.',
        params: NOTEBOOK_PARAMS,
        headers: Type.Object({
          'if-match': Type.Optional(
            Type.String({ description: 'ETags the notebook must still have (lost-update protection for any field).' }),
          ),
        }),
        querystring: Type.Object({
          version: Type.Optional(
            Type.Integer({
              ...VERSION_RANGE,
              description:
                "With a Markdown body (Content-Type: text/markdown) only: the version the client holds, as a JSON body's `version`. The Markdown replaces the content, so it must be the stored version (missing or stale: 409), unless If-Match is given: an If-Match that matches stands for the current version (else 412). Not an integer: 400. Ignored with a JSON body. Repeated, the last counts.",
            }),
          ),
        }),
        body: NOTEBOOK_BODY,
        response: {
          200: Type.Ref('Notebook', { description: 'The notebook updated.', headers: { ETag: NOTEBOOK_ETAG } }),
          409: Type.Ref('ErrorEnvelope', { description: 'Stale or missing version.' }),
          412: Type.Ref('ErrorEnvelope', { description: 'The notebook changed since the ETag in If-Match.' }),
          ...errorResponses,
        },
      },
      handler: async (request, reply) => {
        const ifMatch = parseEntityTags(request.headers['if-match']);
        const answer = await service.update(contextOf(request), shortIdOf(request), notebookInputOf(request), {
          ifMatch,
          versionFromIfMatch: isMarkdownBody(request),
        });
        return reply.header('etag', answer.etag).type('application/json').send(answer.body);
      },
    });
  }

  app.delete('/:short_id/', {
    config: { scopes: ['notebook:write'] },
    schema: {
      operationId: 'notebooks_destroy',
      tags: TAGS,
      description:
        'Hard delete of this model is not allowed. Use a patch API call to set "deleted" to true. Always 405 with an empty body.',
      params: NOTEBOOK_PARAMS,
      response: { 405: Type.Null({ description: 'Empty body.' }), ...errorResponses },
    },
    handler: () => {
      throw new PlainResponse(405, null);
    },
  });

  app.get('/:short_id/activity/', {
    config: { scopes: ['activity_log:read'] },
    schema: {
      operationId: 'notebooks_activity_retrieve',
      tags: TAGS,
      description: "One notebook's activity log, newest first.",
      params: NOTEBOOK_PARAMS,
      querystring: ActivityQuerySchema,
      response: { 200: Type.Ref('ActivityPage'), ...errorResponses },
    },
    handler: async (request) => {
      const page = await service.notebookActivity(
        contextOf(request),
        shortIdOf(request),
        parsePageNumber(queryOf(request.url)),
      );
      return presentActivityPage(page, absoluteUrl(request));
    },
  });

  unmappedMethods(app, '/', ['GET', 'POST']);
  unmappedMethods(app, '/activity/', ['GET']);
  unmappedMethods(app, '/recording_comments/', ['GET']);
  unmappedMethods(app, '/events/', ['GET']);
  unmappedMethods(app, '/:short_id/', ['GET', 'PATCH', 'PUT', 'DELETE']);
  unmappedMethods(app, '/:short_id/activity/', ['GET']);
}
