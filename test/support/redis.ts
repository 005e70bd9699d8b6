import { connect } from 'node:net';

/** The Redis the tests share (TEST_REDIS_URL, else the local one). */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether a Redis answers PING at the URL within a second. */
export function redisAnswers(url = REDIS_URL): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    const finish = (reachable: boolean) => {
      socket.destroy();
      resolve(reachable);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => finish(chunk.toString().startsWith('+PONG')));
  });
}

const reachable = await redisAnswers();

/** A test's skip option: Redis must answer under CI=true; elsewhere the test is skipped without it. */
export const redisSkip: string | false =
  reachable || process.env.CI === 'true'
    ? false
    : `Redis not reachable at ${REDIS_URL} (set TEST_REDIS_URL); required under CI=true`;
