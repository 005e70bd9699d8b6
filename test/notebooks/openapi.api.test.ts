import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createNotebook } from '../support/factories.ts';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

// What the OpenAPI document declares of the additions to PostHog's Notebooks API: the query
// parameters and the response headers, checked against the headers the answers really carry.

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Record<string, unknown>;
}
interface Header {
  description?: string;
  schema?: Record<string, unknown>;
}
interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  responses: Record<string, { description: string; headers?: Record<string, Header> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

/** Headers every answer may carry whatever the route: the document leaves them out. */
const TRANSPORT_HEADERS = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

async function operations(e: TestEnv): Promise<Map<string, Operation>> {
  const response = await e.request({ method: 'GET', url: '/api/schema/', key: null });
  assert.equal(response.statusCode, 200, response.body);
  const document = json<OpenApiDocument>(response);
  return new Map(
    Object.values(document.paths).flatMap((methods) =>
      Object.values(methods).map((operation) => [operation.operationId ?? '', operation] as const),
    ),
  );
}

function operation(all: Map<string, Operation>, operationId: string): Operation {
  const found = all.get(operationId);
  assert.ok(found, `no operation ${operationId}`);
  return found;
}

function queryParameter(found: Operation, name: string): Parameter | undefined {
  return found.parameters?.find((parameter) => parameter.in === 'query' && parameter.name === name);
}

/** The declared response headers of one status, by name, each described and with a schema. */
function declaredHeaders(found: Operation, status: number): string[] {
  const headers = found.responses[String(status)]?.headers ?? {};
  for (const [name, header] of Object.entries(headers)) {
    assert.ok(header.description?.trim(), `${found.operationId} ${status} ${name}: no description`);
    assert.ok(header.schema, `${found.operationId} ${status} ${name}: no schema`);
  }
  return Object.keys(headers).sort();
}

/** The headers an answer carried beyond the transport's own, lower-cased. */
function sentHeaders(response: LightMyRequestResponse): string[] {
  return Object.keys(response.headers)
    .map((name) => name.toLowerCase())
    .filter((name) => !TRANSPORT_HEADERS.has(name))
    .sort();
}

function assertDeclaresWhatIsSent(found: Operation, response: LightMyRequestResponse): void {
  assert.deepEqual(
    declaredHeaders(found, response.statusCode).map((name) => name.toLowerCase()),
    sentHeaders(response),
    `${found.operationId} ${response.statusCode}`,
  );
}

describeEachEngine('the OpenAPI document of the notebook routes', (env) => {
  it('declares ?format=markdown on the retrieve, optional, with markdown its only value', async () => {
    const format = queryParameter(operation(await operations(env()), 'notebooks_retrieve'), 'format');
    assert.ok(format, 'notebooks_retrieve declares no format parameter');
    assert.equal(format.required, false);
    assert.deepEqual(format.schema, { type: 'string', enum: ['markdown'] });
    assert.match(format.description ?? '', /text\/markdown/);
  });

  it('declares ?version on PATCH, PUT and create: an optional integer read with a Markdown body', async () => {
    const all = await operations(env());
    for (const operationId of ['notebooks_partial_update', 'notebooks_update', 'notebooks_create']) {
      const version = queryParameter(operation(all, operationId), 'version');
      assert.ok(version, `${operationId} declares no version parameter`);
      assert.equal(version.required, false, operationId);
      assert.equal(version.schema?.type, 'integer', operationId);
      assert.match(version.description ?? '', /text\/markdown/, operationId);
    }
    const update = queryParameter(operation(all, 'notebooks_partial_update'), 'version');
    assert.match(update?.description ?? '', /If-Match/);
  });

  it('declares the response headers of the list, retrieve, create and update, each described', async () => {
    const all = await operations(env());
    const list = operation(all, 'notebooks_list');
    for (const status of [200, 304])
      assert.deepEqual(declaredHeaders(list, status), ['Cache-Status', 'ETag', 'Notebooks-Last-Event-Id'], `${status}`);
    assert.deepEqual(list.responses['200']?.headers?.['Cache-Status']?.schema, {
      type: 'string',
      enum: ['notebooks; hit', 'notebooks; fwd=miss', 'notebooks; fwd=bypass'],
    });
    assert.equal(list.responses['200']?.headers?.['Notebooks-Last-Event-Id']?.schema?.type, 'integer');
    const retrieve = operation(all, 'notebooks_retrieve');
    for (const status of [200, 304]) assert.deepEqual(declaredHeaders(retrieve, status), ['ETag', 'Vary'], `${status}`);
    assert.deepEqual(declaredHeaders(retrieve, 406), ['Vary']);
    assert.deepEqual(declaredHeaders(operation(all, 'notebooks_create'), 201), ['ETag']);
    assert.deepEqual(declaredHeaders(operation(all, 'notebooks_partial_update'), 200), ['ETag']);
    assert.deepEqual(declaredHeaders(operation(all, 'notebooks_update'), 200), ['ETag']);
  });

  it('declares exactly the headers the answers carry', async () => {
    const e = env();
    const all = await operations(e);
    const created = await e.request({ method: 'POST', url: e.url(), payload: { title: 'Declared' } });
    assert.equal(created.statusCode, 201, created.body);
    assertDeclaresWhatIsSent(operation(all, 'notebooks_create'), created);
    const { short_id: shortId } = await createNotebook(e, { title: 'Markdown', content: { type: 'doc' } });

    const list = await e.request({ method: 'GET', url: e.url() });
    assert.equal(list.statusCode, 200, list.body);
    assertDeclaresWhatIsSent(operation(all, 'notebooks_list'), list);
    const listAgain = await e.request({
      method: 'GET',
      url: e.url(),
      headers: { 'if-none-match': String(list.headers.etag) },
    });
    assert.equal(listAgain.statusCode, 304);
    assertDeclaresWhatIsSent(operation(all, 'notebooks_list'), listAgain);

    const retrieve = operation(all, 'notebooks_retrieve');
    for (const query of ['', '?format=markdown']) {
      const found = await e.request({ method: 'GET', url: e.url(`${shortId}/${query}`) });
      assert.equal(found.statusCode, 200, found.body);
      assertDeclaresWhatIsSent(retrieve, found);
      const again = await e.request({
        method: 'GET',
        url: e.url(`${shortId}/${query}`),
        headers: { 'if-none-match': String(found.headers.etag) },
      });
      assert.equal(again.statusCode, 304, query);
      assertDeclaresWhatIsSent(retrieve, again);
    }

    const patched = await e.request({ method: 'PATCH', url: e.url(`${shortId}/`), payload: { title: 'Renamed' } });
    assert.equal(patched.statusCode, 200, patched.body);
    assertDeclaresWhatIsSent(operation(all, 'notebooks_partial_update'), patched);
    const replaced = await e.request({
      method: 'PUT',
      url: e.url(`${shortId}/?version=0`),
      payload: '# Replaced\n',
      headers: { 'content-type': 'text/markdown' },
    });
    assert.equal(replaced.statusCode, 200, replaced.body);
    assertDeclaresWhatIsSent(operation(all, 'notebooks_update'), replaced);
  });
});
