import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the proxy passed on (or refused), and the status the copier got. */
export interface SeenRequest {
  /** Path and query, as the copier asked. */
  path: string;
  status: number;
}

export interface SourceProxy {
  url: string;
  /** Every request since the last clear(), in the order they were answered. */
  readonly seen: SeenRequest[];
  clear(): void;
  /** Answers the next request whose path and query match with 429 and `Retry-After: 1`, once. */
  refuseOnce(matches: (path: string) => boolean): void;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of a source server, so that a test sees which requests a copy made: it
 * passes GETs on with their authorization, and answers with the source's status, body and
 * Retry-After.
 */
export async function startSourceProxy(sourceUrl: string): Promise<SourceProxy> {
  const seen: SeenRequest[] = [];
  let refusal: ((path: string) => boolean) | null = null;

  const answer = async (request: IncomingMessage, response: ServerResponse) => {
    const path = request.url ?? '/';
    if (refusal?.(path)) {
      refusal = null;
      seen.push({ path, status: 429 });
      response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
      response.end(JSON.stringify({ type: 'throttled_error', code: 'throttled', detail: 'Slow down', attr: null }));
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'accept'])
      if (typeof request.headers[name] === 'string') headers[name] = request.headers[name];
    const upstream = await fetch(new URL(path, sourceUrl), { headers });
    const body = Buffer.from(await upstream.arrayBuffer());
    seen.push({ path, status: upstream.status });
    const passed: Record<string, string> = {};
    for (const name of ['content-type', 'retry-after']) {
      const value = upstream.headers.get(name);
      if (value !== null) passed[name] = value;
    }
    response.writeHead(upstream.status, passed);
    response.end(body);
  };

  const server = createServer((request, response) => {
    answer(request, response).catch(() => response.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    clear: () => {
      seen.length = 0;
    },
    refuseOnce: (matches) => {
      refusal = matches;
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
