import type { FastifyRequest } from 'fastify';

export type KeySource = 'Authorization header' | 'body' | 'query string';

const BEARER = /^Bearer\s+(\S.+)$/;

/** PostHog's find_key_with_source: the first personal API key candidate found is the only one tried. */
export function findPersonalApiKey(request: FastifyRequest): { value: string; source: KeySource } | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = BEARER.exec(header);
    if (match) return { value: match[1].trim(), source: 'Authorization header' };
  }
  const body = request.body;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const value = (body as Record<string, unknown>).personal_api_key;
    if (typeof value === 'string' && value !== '') return { value, source: 'body' };
  }
  const query = request.query as Record<string, unknown> | undefined;
  const fromQuery = query?.personal_api_key;
  const value = Array.isArray(fromQuery) ? fromQuery[fromQuery.length - 1] : fromQuery;
  if (typeof value === 'string' && value !== '') return { value, source: 'query string' };
  return undefined;
}
