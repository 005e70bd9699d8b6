import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

// The machine's limit for one scenario: a bare node:http server that answers with the bytes and
// headers our server answered for that scenario's URL, without any work in between.
// Usage: node bench/bare-server.ts <recorded-response.json> [port]; prints {"port": n} when listening.

export interface RecordedResponse {
  status: number;
  /** Response headers as received, in order (name, value pairs). */
  headers: Array<[string, string]>;
  bodyBase64: string;
}

// Node writes these itself on every response; copying them would duplicate or contradict them.
const TRANSPORT_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

if (import.meta.main) {
  const [file, portText = '0'] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: node bench/bare-server.ts <recorded-response.json> [port]');
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as RecordedResponse;
  const body = Buffer.from(recorded.bodyBase64, 'base64');
  const headers = recorded.headers.filter(([name]) => !TRANSPORT_HEADERS.has(name.toLowerCase())).flat();
  // Every request gets the same answer: scenarios that vary the path per request (a random
  // notebook, a PATCH per connection) are measured against the one recorded response.
  const server = createServer((request, response) => {
    request.on('data', () => {});
    request.on('end', () => {
      response.writeHead(recorded.status, headers);
      response.end(body);
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
