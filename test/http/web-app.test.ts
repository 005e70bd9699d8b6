import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONTENT_SECURITY_POLICY } from '../../src/http/plugins/web-app.ts';
import { createTestEnv, type TestEnv } from '../support/harness.ts';

/** What a browser's navigation asks for. */
const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('the web app is served beside the API', () => {
  let env: TestEnv & { close(): Promise<void> };
  before(async () => {
    env = await createTestEnv('sqlite', { posthogUrl: 'https://eu.posthog.com' });
  });
  after(() => env.close());

  it('answers index.html for the app and for any deep link, with a strict CSP and nosniff', async () => {
    for (const url of ['/', '/login', '/project/1/notebooks/abc123', '/settings?tab=keys']) {
      const response = await env.app.inject({ method: 'GET', url, headers: { accept: HTML } });
      assert.equal(response.statusCode, 200, url);
      assert.match(String(response.headers['content-type']), /^text\/html/);
      assert.match(response.body, /<div id="root"><\/div>/);
      assert.equal(response.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
      assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      assert.equal(response.headers['cache-control'], 'no-cache');
      assert.doesNotMatch(response.body, /<script>|<script [^>]*>[^<]/, 'no inline script');
    }
  });

  it('names the configured PostHog instance in a meta tag', async () => {
    const response = await env.app.inject({ method: 'GET', url: '/' });
    assert.match(response.body, /<meta name="posthog-url" content="https:\/\/eu.posthog.com" \/>/);
  });

  it('caches hashed assets for a year', async () => {
    const index = await env.app.inject({ method: 'GET', url: '/' });
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index.body)?.[1];
    assert.ok(script, 'index.html loads a hashed script');
    const response = await env.app.inject({ method: 'GET', url: script });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /javascript/);
    assert.equal(response.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
  });

  it("keeps the API's own answers: unknown API paths and missing files are the 404 envelope", async () => {
    for (const url of ['/api/nothing-here/', '/api', '/assets/missing-123.js', '/logout']) {
      const response = await env.app.inject({ method: 'GET', url, headers: { accept: HTML } });
      assert.equal(response.statusCode, url === '/logout' ? 405 : 404, url);
      assert.match(String(response.headers['content-type']), /application\/json/, url);
    }
    // Outside /api too, a client that does not ask for HTML gets the envelope, not a page.
    for (const accept of [undefined, 'application/json', '*/*']) {
      const headers = accept === undefined ? {} : { accept };
      const response = await env.app.inject({ method: 'GET', url: '/project/1/notebooks/', headers });
      assert.equal(response.statusCode, 404, String(accept));
      assert.match(String(response.headers['content-type']), /application\/json/);
    }
    const health = await env.app.inject({ method: 'GET', url: '/_health' });
    assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
  });
});
