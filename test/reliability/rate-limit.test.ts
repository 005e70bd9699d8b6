import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig, parseRateLimits, type RateLimitConfig } from '../../src/config.ts';
import { throttled } from '../../src/http/errors.ts';
import { MemoryRateLimiter, type RateLimiter } from '../../src/http/rate-limit.ts';
import { RedisRateLimiter } from '../../src/http/redis-rate-limit.ts';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';
import { callApi, type ServerProcess, startServerProcess } from '../support/server-process.ts';

// PostHog's personal-API-key throttles: DRF sliding windows per key, checked
// after permissions, 429 throttled_error with Retry-After.

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ENVELOPE_KEYS = ['type', 'code', 'detail', 'attr'];

/** Whether a Redis answers PING at REDIS_URL within a second. */
function redisAnswers(url: string): Promise<boolean> {
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

const redisReachable = await redisAnswers(REDIS_URL);
const redisRequired = process.env.CI === 'true';
const redisSkip =
  redisReachable || redisRequired
    ? false
    : `Redis not reachable at ${REDIS_URL} (set TEST_REDIS_URL); required under CI=true`;

function assertThrottled(
  response: LightMyRequestResponse | { status: number; headers: Headers; body: string },
  maxSeconds: number,
): number {
  const status = 'statusCode' in response ? response.statusCode : response.status;
  assert.equal(status, 429, response.body);
  const retryAfter = 'statusCode' in response ? response.headers['retry-after'] : response.headers.get('retry-after');
  assert.match(String(retryAfter), /^[1-9]\d*$/, 'Retry-After is a whole number of seconds');
  const seconds = Number(retryAfter);
  assert.ok(seconds <= maxSeconds, `Retry-After ${seconds} is within the window of ${maxSeconds} s`);
  const body = JSON.parse(response.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body), ENVELOPE_KEYS);
  assert.deepEqual(body, {
    type: 'throttled_error',
    code: 'throttled',
    detail: `Request was throttled. Expected available in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`,
    attr: null,
  });
  return seconds;
}

const list = (env: TestEnv, key: string) => env.request({ method: 'GET', url: env.url(), key });

describe('the 429 answer', () => {
  it('says "1 second" in the singular, with Retry-After: 1', () => {
    const error = throttled(1);
    assert.equal(error.statusCode, 429);
    assert.deepEqual(error.envelope, {
      type: 'throttled_error',
      code: 'throttled',
      detail: 'Request was throttled. Expected available in 1 second.',
      attr: null,
    });
    assert.deepEqual(error.headers, { 'retry-after': '1' });
  });

  it('says "N seconds" in the plural otherwise', () => {
    assert.equal(throttled(2).envelope.detail, 'Request was throttled. Expected available in 2 seconds.');
    assert.equal(throttled(3600).envelope.detail, 'Request was throttled. Expected available in 3600 seconds.');
    assert.deepEqual(throttled(59).headers, { 'retry-after': '59' });
  });
});

describe('RATE_LIMITS configuration', () => {
  it("defaults to PostHog's 480 per minute and 4,800 per hour", () => {
    assert.deepEqual(loadConfig({}).rateLimits.windows, [
      { name: 'minute', limit: 480, seconds: 60 },
      { name: 'hour', limit: 4800, seconds: 3600 },
    ]);
  });

  it('turns rate limiting off with "off"', () => {
    assert.deepEqual(loadConfig({ RATE_LIMITS: 'off' }).rateLimits.windows, []);
  });

  it('accepts other figures and periods', () => {
    assert.deepEqual(loadConfig({ RATE_LIMITS: '10/second, 100/day' }).rateLimits.windows, [
      { name: 'second', limit: 10, seconds: 1 },
      { name: 'day', limit: 100, seconds: 86400 },
    ]);
  });

  it('refuses a value it cannot read, naming RATE_LIMITS', () => {
    assert.throws(() => loadConfig({ RATE_LIMITS: '480 per minute' }), /RATE_LIMITS/);
  });
});

// The same table runs against the in-memory limiter and, where Redis answers, the Redis one.
function drfWindowSuite(
  name: string,
  createLimiter: (config: RateLimitConfig) => Promise<RateLimiter>,
  options: { skip: string | false },
): void {
  // Skipped per test, not per suite, so the reporter counts what did not run.
  describe(name, () => {
    const limiters: RateLimiter[] = [];
    const limiter = async (config: RateLimitConfig) => {
      const created = await createLimiter(config);
      limiters.push(created);
      return created;
    };
    after(async () => {
      for (const created of limiters) await created.close();
    });
    const T = 1_000_000_000;

    it(
      'allows the limit, then answers the wait until the oldest request leaves the window, rounded up',
      options,
      async () => {
        const rate = await limiter(parseRateLimits('3/minute'));
        const key = `sha256$${randomUUID()}`;
        assert.equal(await rate.hit(key, T), null);
        assert.equal(await rate.hit(key, T + 10_000), null);
        assert.equal(await rate.hit(key, T + 20_000), null);
        assert.equal(await rate.hit(key, T + 30_000), 30);
        assert.equal(await rate.hit(key, T + 30_000), 30, 'a refused request is not recorded');
        assert.equal(await rate.hit(key, T + 59_999), 1, '1 ms left is 1 second');
        assert.equal(await rate.hit(key, T + 60_000), null, 'the oldest request has left the window');
        assert.equal(await rate.hit(key, T + 60_500), 10, 'the next oldest, at T+10 s, leaves at T+70 s: 9.5 s → 10');
      },
    );

    it('keeps one history per key', options, async () => {
      const rate = await limiter(parseRateLimits('1/hour'));
      const [first, second] = [`sha256$${randomUUID()}`, `sha256$${randomUUID()}`];
      assert.equal(await rate.hit(first, T), null);
      assert.equal(await rate.hit(first, T + 1), 3600);
      assert.equal(await rate.hit(second, T + 2), null);
    });

    it(
      'evaluates every window, records the request in those that allow it, and answers the longest wait',
      options,
      async () => {
        const rate = await limiter(parseRateLimits('2/second,3/minute'));
        const key = `sha256$${randomUUID()}`;
        assert.equal(await rate.hit(key, T), null);
        assert.equal(await rate.hit(key, T + 100), null);
        // The burst window refuses; the sustained window still records this request (DRF's check_throttles).
        assert.equal(await rate.hit(key, T + 200), 1);
        // The burst window has emptied, but the sustained one now holds 3 requests.
        assert.equal(await rate.hit(key, T + 1500), 59);
      },
    );

    it('never throttles without windows', options, async () => {
      const rate = await limiter(parseRateLimits('off'));
      const key = `sha256$${randomUUID()}`;
      for (let i = 0; i < 5000; i++) assert.equal(await rate.hit(key, T), null);
    });
  });
}

drfWindowSuite(
  'MemoryRateLimiter (DRF SimpleRateThrottle, injected clock)',
  async (config) => new MemoryRateLimiter(config),
  { skip: false },
);
drfWindowSuite(
  'RedisRateLimiter (the same windows in one Lua script, injected clock)',
  async (config) => {
    assert.ok(redisReachable, `CI=true: Redis must be reachable at ${REDIS_URL}`);
    return RedisRateLimiter.connect(REDIS_URL, config);
  },
  { skip: redisSkip },
);

describeEachEngine(
  'rate limits of 3 per minute',
  (env) => {
    it('answers the 4th request with one key 429 throttled_error and Retry-After', async () => {
      const { key } = await env().createUser();
      for (let i = 0; i < 3; i++) assert.equal((await list(env(), key)).statusCode, 200);
      const seconds = assertThrottled(await list(env(), key), 60);
      assert.ok(
        seconds >= 59,
        `the oldest of 3 requests just made leaves the window in about a minute (got ${seconds})`,
      );
      assertThrottled(await list(env(), key), 60);
    });

    it('counts every endpoint against the same key', async () => {
      const user = await env().createUser();
      assert.equal((await list(env(), user.key)).statusCode, 200);
      assert.equal((await env().request({ method: 'GET', url: '/api/projects/', key: user.key })).statusCode, 200);
      assert.equal((await env().request({ method: 'GET', url: '/api/users/@me/', key: user.key })).statusCode, 200);
      assertThrottled(
        await env().request({ method: 'POST', url: env().url(), payload: { title: 'Too many' }, key: user.key }),
        60,
      );
    });

    it('does not throttle another key, even of the same user', async () => {
      const user = await env().createUser();
      for (let i = 0; i < 3; i++) assert.equal((await list(env(), user.key)).statusCode, 200);
      assertThrottled(await list(env(), user.key), 60);
      const other = await env().createKey(user.email, ['*']);
      for (let i = 0; i < 3; i++) assert.equal((await list(env(), other)).statusCode, 200);
    });

    it('never counts a request refused with 403, and answers 403 rather than 429 once throttled', async () => {
      const reader = await env().createUser({ scopes: ['notebook:read'] });
      for (let i = 0; i < 5; i++) {
        const refused = await env().request({
          method: 'POST',
          url: env().url(),
          payload: { title: 'No scope' },
          key: reader.key,
        });
        assert.equal(refused.statusCode, 403, refused.body);
        assert.equal(json(refused).code, 'permission_denied');
      }
      for (let i = 0; i < 3; i++)
        assert.equal((await list(env(), reader.key)).statusCode, 200, 'the 403s used none of the 3 requests');
      assertThrottled(await list(env(), reader.key), 60);
      const stillForbidden = await env().request({
        method: 'POST',
        url: env().url(),
        payload: { title: 'No scope' },
        key: reader.key,
      });
      assert.equal(stillForbidden.statusCode, 403, 'permissions come before throttles');
    });

    it('answers a 401 for an unknown key, never a 429', async () => {
      for (let i = 0; i < 5; i++)
        assert.equal((await list(env(), 'phx_not_a_key_that_exists_anywhere_0000')).statusCode, 401);
    });
  },
  { rateLimits: parseRateLimits('3/minute') },
);

describeEachEngine(
  'rate limits of 3 per second',
  (env) => {
    it('says "Expected available in 1 second." with Retry-After: 1', async () => {
      const { key } = await env().createUser();
      for (let i = 0; i < 3; i++) assert.equal((await list(env(), key)).statusCode, 200);
      assert.equal(assertThrottled(await list(env(), key), 1), 1);
    });
  },
  { rateLimits: parseRateLimits('3/second') },
);

describeEachEngine(
  'RATE_LIMITS=off',
  (env) => {
    it('never throttles, even past 480 requests in a minute', { timeout: 60_000 }, async () => {
      const { key } = await env().createUser();
      for (let batch = 0; batch < 10; batch++) {
        const responses = await Promise.all(Array.from({ length: 50 }, () => list(env(), key)));
        for (const response of responses) assert.equal(response.statusCode, 200, response.body);
      }
    });
  },
  { rateLimits: parseRateLimits('off') },
);

describe('two server processes sharing REDIS_URL', () => {
  const servers: ServerProcess[] = [];
  let dir: string | undefined;

  after(async () => {
    for (const server of servers) await server.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('enforce one limit: with 5 per minute, the 6th request overall is 429 on either process', {
    timeout: 60_000,
    skip: redisSkip,
  }, async () => {
    assert.ok(redisReachable, `CI=true: Redis must be reachable at ${REDIS_URL}`);
    dir = mkdtempSync(join(tmpdir(), 'notebooks-redis-'));
    const databaseUrl = `sqlite:${join(dir, 'notebooks.db')}`;
    const options = { databaseUrl, rateLimits: '5/minute', redisUrl: REDIS_URL };
    const first = await startServerProcess(options);
    servers.push(first);
    const second = await startServerProcess({ ...options, expectBootstrapKey: false });
    servers.push(second);
    // A fresh database has a fresh key, so no earlier run's history in Redis applies to it.
    const key = first.key;
    assert.ok(key);

    const path = '/api/projects/1/notebooks/';
    const alternating = [first, second, first, second, first];
    for (const [index, server] of alternating.entries()) {
      const response = await callApi(`${server.url}${path}`, { key });
      assert.equal(response.status, 200, `request ${index + 1}: ${response.body}`);
    }
    assertThrottled(await callApi(`${second.url}${path}`, { key }), 60);
    assertThrottled(await callApi(`${first.url}${path}`, { key }), 60);
  });
});
