import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

// The machine's limit for one scenario: a bare node:http server that answers with the bytes and
// headers our server answered for that scenario's URL, without any work in between.
// Usage: node bench/bare-server.ts <recorded-response.json> [port]; prints {"port": n} when listening.
// The file holds one recorded response, answered to every request, or one per kind of request
// of the mixed scenario (`byAnswer`, chosen by mixAnswerOf).

export interface RecordedResponse {
  status: number;
  /** Response headers as received, in order (name, value pairs). */
  headers: Array<[string, string]>;
  bodyBase64: string;
}

export type RecordedAnswers = RecordedResponse | { byAnswer: Record<string, RecordedResponse> };

/** Which recorded answer a request of the mixed scenario gets: its kind, and for lists the variant. */
export function mixAnswerOf(method: string, path: string): string {
  if (method === 'PATCH') return 'patch';
  const query = path.indexOf('?');
  const route = query === -1 ? path : path.slice(0, query);
  if (!route.endsWith('/notebooks/')) return 'get';
  if (query === -1) return 'list';
  const search = path.slice(query);
  if (search.includes('search=')) return 'list-search';
  if (search.includes('contains=') || search.includes('created_by=')) return 'list-filter';
  return 'list';
}

// Node writes these itself on every response; copying them would duplicate or contradict them.
const TRANSPORT_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

if (import.meta.main) {
  const [file, portText = '0'] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: node bench/bare-server.ts <recorded-response.json> [port]');
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as RecordedAnswers;
  const prepare = (answer: RecordedResponse) => ({
    status: answer.status,
    body: Buffer.from(answer.bodyBase64, 'base64'),
    headers: answer.headers.filter(([name]) => !TRANSPORT_HEADERS.has(name.toLowerCase())).flat(),
  });
  const single = 'byAnswer' in recorded ? undefined : prepare(recorded);
  const byAnswer = new Map(
    'byAnswer' in recorded ? Object.entries(recorded.byAnswer).map(([name, answer]) => [name, prepare(answer)]) : [],
  );
  // Every request gets the same answer (or its kind's): scenarios that vary the path per request
  // (a random notebook, a PATCH per connection) are measured against the one recorded response.
  const server = createServer((request, response) => {
    request.on('data', () => {});
    request.on('end', () => {
      const answer = single ?? byAnswer.get(mixAnswerOf(request.method ?? 'GET', request.url ?? '/'));
      if (answer === undefined) {
        response.writeHead(500);
        response.end();
        return;
      }
      response.writeHead(answer.status, answer.headers);
      response.end(answer.body);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(portText), '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(
      `${JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 })}\n`,
    );
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
