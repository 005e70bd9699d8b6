/** A server-sent event as a client receives it. */
export interface ReceivedEvent {
  id?: string;
  event: string;
  data: string;
}

export interface EventStreamClient {
  status: number;
  headers: Headers;
  /** The body, when the answer is not a stream (an error envelope). */
  body?: string;
  /** The next event (comments aside), or an error after `timeoutMs`. */
  next(timeoutMs?: number): Promise<ReceivedEvent>;
  /** Comment lines received so far (heartbeats). */
  comments: string[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens a text/event-stream over real HTTP and parses its events as they arrive. */
export async function openEventStream(url: string, headers: Record<string, string>): Promise<EventStreamClient> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  if (!String(response.headers.get('content-type')).startsWith('text/event-stream')) {
    return {
      status: response.status,
      headers: response.headers,
      body: await response.text(),
      next: () => Promise.reject(new Error('not a stream')),
      comments: [],
      ended: Promise.resolve(),
      close: () => {},
    };
  }
  const queue: ReceivedEvent[] = [];
  const waiting: Array<(event: ReceivedEvent) => void> = [];
  const comments: string[] = [];
  const deliver = (event: ReceivedEvent) => {
    const waiter = waiting.shift();
    if (waiter) waiter(event);
    else queue.push(event);
  };
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  const ended = (async () => {
    let buffer = '';
    try {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) return;
        buffer += chunk.value;
        let at = buffer.indexOf('\n\n');
        while (at !== -1) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const event: ReceivedEvent = { event: 'message', data: '' };
          const data: string[] = [];
          let isEvent = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('event: ')) {
              event.event = line.slice(7);
              isEvent = true;
            } else if (line.startsWith('data: ')) {
              data.push(line.slice(6));
              isEvent = true;
            }
          }
          if (isEvent) deliver({ ...event, data: data.join('\n') });
          at = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    status: response.status,
    headers: response.headers,
    comments,
    ended,
    next(timeoutMs = 5000) {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const index = waiting.indexOf(take);
          if (index !== -1) waiting.splice(index, 1);
          reject(new Error(`no event within ${timeoutMs} ms`));
        }, timeoutMs);
        const take = (event: ReceivedEvent) => {
          clearTimeout(timer);
          resolve(event);
        };
        waiting.push(take);
      });
    },
    close: () => abort.abort(),
  };
}
