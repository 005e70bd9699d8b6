import type { FastifyReply } from 'fastify';

export interface ServerSentEvent {
  id?: string;
  event: string;
  data: string;
}

export interface EventStreamOptions {
  /** A comment line this often keeps proxies and clients from timing the stream out. */
  heartbeatMs: number;
  /** Bytes the client may leave unread before the stream gives up on it. */
  maxBufferedBytes: number;
  /** Called once, however the stream ends (client gone, server closing, slow reader). */
  onClose(): void;
  /** How long an ended stream's unread bytes may wait for the client before the connection is cut. */
  endGraceMs?: number;
}

const END_GRACE_MS = 5000;

export interface EventStream {
  send(event: ServerSentEvent): void;
  /** Ends the stream, after `last` if given. */
  close(last?: ServerSentEvent): void;
  readonly closed: boolean;
}

function frame(event: ServerSentEvent): string {
  const lines = event.data.split('\n').map((line) => `data: ${line}`);
  return `${event.id === undefined ? '' : `id: ${event.id}\n`}event: ${event.event}\n${lines.join('\n')}\n\n`;
}

/**
 * Turns a reply into a text/event-stream the handler writes to: Fastify lets go of the
 * response (hijack), so the stream's own close is the only end. A client that does not read is
 * not buffered for without bound: past `maxBufferedBytes` it is sent a `reset` event and dropped
 * (its connection cut if it still has not read it after `endGraceMs`), and can reconnect with
 * Last-Event-ID.
 */
export function openEventStream(reply: FastifyReply, options: EventStreamOptions): EventStream {
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx and similar proxies buffer answers unless told not to.
    'x-accel-buffering': 'no',
  });
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    options.onClose();
  };
  const write = (text: string) => {
    if (closed) return;
    response.write(text);
    if (response.writableLength > options.maxBufferedBytes) {
      stream.close({ event: 'reset', data: JSON.stringify({ reason: 'The client is not reading fast enough.' }) });
    }
  };
  const heartbeat = setInterval(() => write(': heartbeat\n\n'), options.heartbeatMs);
  heartbeat.unref();
  response.on('close', finish);
  const stream: EventStream = {
    send: (event) => write(frame(event)),
    close(last) {
      if (closed) return;
      if (last !== undefined) response.write(frame(last));
      finish();
      response.end();
      // A client that does not read would hold what is still buffered for as long as it stays
      // connected: once the grace has passed, the connection is cut and the buffer freed.
      if (!response.writableFinished) {
        const cut = setTimeout(() => response.destroy(), options.endGraceMs ?? END_GRACE_MS);
        cut.unref();
        response.once('finish', () => clearTimeout(cut));
        response.once('close', () => clearTimeout(cut));
      }
    },
    get closed() {
      return closed;
    },
  };
  // The reconnection delay a client should use, and a first line so that it knows it is connected.
  response.write('retry: 2000\n: connected\n\n');
  return stream;
}
