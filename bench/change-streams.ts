import { Agent, type IncomingMessage, request } from 'node:http';

// The change-stream scenario: PATCH throughput with no stream open, then with `streams` streams
// open on the same project, and the delay from each PATCH's 2xx to its event on every stream.

export interface ChangeStreamPlan {
  port: number;
  projectId: number;
  /** Keys for the streams (each key may hold 20) and for the writers. */
  streamKeys: string[];
  writerKey: string;
  /** Notebooks the writers edit, one list per connection, with their current versions. */
  notebooks: Array<Array<{ shortId: string; version: number }>>;
  patchBody(version: number): string;
  streams: number;
  seconds: number;
}

export interface ChangeStreamResult {
  patchesPerSecondAlone: number;
  patchesPerSecondWithStreams: number;
  /** Write to event: from the PATCH's 2xx to the event's arrival on a stream, in ms. */
  delayP50: number;
  delayP99: number;
  eventsReceived: number;
  eventsExpected: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** Opens one stream; `onEvent` gets each event's data line and the arrival time. */
function openStream(
  plan: ChangeStreamPlan,
  key: string,
  agent: Agent,
  onEvent: (data: string, at: number) => void,
): Promise<{ close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: plan.port,
        path: `/api/projects/${plan.projectId}/notebooks/events/`,
        headers: { authorization: `Bearer ${key}` },
        agent,
      },
      (res: IncomingMessage) => {
        if (res.statusCode !== 200) {
          reject(new Error(`stream answered ${res.statusCode}`));
          res.resume();
          return;
        }
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const at = performance.now();
          buffer += chunk;
          let end = buffer.indexOf('\n\n');
          while (end !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block.split('\n').find((line) => line.startsWith('data: '));
            if (data !== undefined) onEvent(data.slice(6), at);
            end = buffer.indexOf('\n\n');
          }
        });
        res.on('error', () => {});
        resolve({ close: () => req.destroy() });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** PATCHes for `seconds` on each connection's own notebooks; calls `acked` with each 2xx. */
async function patchLoad(
  plan: ChangeStreamPlan,
  acked: (shortId: string, version: number, at: number) => void,
): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: plan.notebooks.length });
  const deadline = performance.now() + plan.seconds * 1000;
  let done = 0;
  await Promise.all(
    plan.notebooks.map(async (own) => {
      let turn = 0;
      while (performance.now() < deadline) {
        const notebook = own[turn++ % own.length];
        const body = plan.patchBody(notebook.version);
        const status = await new Promise<number>((resolve, reject) => {
          const req = request(
            {
              host: '127.0.0.1',
              port: plan.port,
              method: 'PATCH',
              path: `/api/projects/${plan.projectId}/notebooks/${notebook.shortId}/`,
              headers: {
                authorization: `Bearer ${plan.writerKey}`,
                'content-type': 'application/json',
                'content-length': String(Buffer.byteLength(body)),
              },
              agent,
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
        if (status !== 200) throw new Error(`PATCH answered ${status}`);
        notebook.version += 1;
        acked(notebook.shortId, notebook.version, performance.now());
        done += 1;
      }
    }),
  );
  agent.destroy();
  return done / plan.seconds;
}

export async function measureChangeStreams(plan: ChangeStreamPlan): Promise<ChangeStreamResult> {
  const patchesPerSecondAlone = await patchLoad(plan, () => {});
  const acks = new Map<string, number>();
  const arrivals: Array<{ key: string; at: number }> = [];
  const agent = new Agent({ keepAlive: true, maxSockets: plan.streams + 1 });
  const streams = [];
  for (let i = 0; i < plan.streams; i++) {
    const key = plan.streamKeys[Math.floor(i / 20) % plan.streamKeys.length];
    streams.push(
      await openStream(plan, key, agent, (data, at) => {
        const event = JSON.parse(data) as { short_id: string; version: number };
        arrivals.push({ key: `${event.short_id}:${event.version}`, at });
      }),
    );
  }
  const patchesPerSecondWithStreams = await patchLoad(plan, (shortId, version, at) =>
    acks.set(`${shortId}:${version}`, at),
  );
  // The last events of the run may still be on their way.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  for (const stream of streams) stream.close();
  agent.destroy();
  const delays = arrivals
    .flatMap((arrival) => {
      const ack = acks.get(arrival.key);
      // An event may arrive before its PATCH's answer: it is sent as the write commits.
      return ack === undefined ? [] : [Math.max(0, arrival.at - ack)];
    })
    .sort((a, b) => a - b);
  return {
    patchesPerSecondAlone,
    patchesPerSecondWithStreams,
    delayP50: percentile(delays, 50),
    delayP99: percentile(delays, 99),
    eventsReceived: delays.length,
    eventsExpected: acks.size * plan.streams,
  };
}
