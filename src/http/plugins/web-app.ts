import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm run build` (run by `npm ci`) puts the web app: web/dist. */
export const WEB_DIST = resolve(import.meta.dirname, '../../../web/dist');

/**
 * The app's pages may run only the app's own scripts: no inline script, no eval, no plugins, no
 * framing. Styles may be set on elements (the editor positions its menus that way); images come
 * from any http(s) address, as a notebook's images do.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self' https: http: data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Paths that belong to the server, never to the app: an unknown one is the API's 404. */
const SERVER_PATHS = /^\/(api|_health|_readyz|logout|static)(\/|$)/;

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin');
}

/**
 * The web app: the files Vite built, at `/`. Hashed assets are cached for a year; any other GET
 * for HTML outside the server's own paths answers index.html, so a deep link
 * (/project/1/notebooks/abc) opens the app at that page. Without a build, those pages say how
 * to make one.
 */
export async function webAppPlugin(
  app: FastifyInstance,
  options: { root?: string; posthogUrl: string | null },
): Promise<void> {
  const root = options.root ?? WEB_DIST;
  const indexFile = join(root, 'index.html');
  const built = existsSync(indexFile);
  // The page reads its settings from meta tags (no inline script under the CSP).
  const indexHtml = built
    ? readFileSync(indexFile, 'utf8').replace(
        '<meta name="posthog-url" content="" />',
        `<meta name="posthog-url" content="${escapeAttribute(options.posthogUrl ?? '')}" />`,
      )
    : undefined;

  if (built) {
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      index: false,
      cacheControl: false,
      setHeaders(res, path) {
        res.header('content-security-policy', CONTENT_SECURITY_POLICY);
        res.header('x-content-type-options', 'nosniff');
        const hashed = path.startsWith(join(root, 'assets'));
        res.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }

  const page = async (_request: unknown, reply: FastifyReply) => {
    secure(reply).header('cache-control', 'no-cache');
    if (!indexHtml) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The web app is not built. Run `npm run build` (npm ci does it), then restart the server.\n');
    }
    return reply.type('text/html; charset=utf-8').send(indexHtml);
  };
  app.get('/', { schema: { hide: true } }, page);
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0];
    // A browser navigating asks for HTML; an API client asking for an unknown path gets the 404 envelope.
    const wantsPage = /\btext\/html\b/.test(String(request.headers.accept ?? ''));
    if (!wantsPage || SERVER_PATHS.test(path) || /\.[a-z0-9]+$/i.test(path)) return reply.callNotFound();
    return page(request, reply);
  });
}
