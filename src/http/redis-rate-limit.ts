import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import type { RateLimitConfig } from '../config.ts';
import type { RateLimiter } from './rate-limit.ts';

// The same sliding-window log as MemoryRateLimiter, kept in one sorted set per (window, key) and
// evaluated atomically in Redis, so every server process sharing REDIS_URL enforces one limit.
// ARGV: now_ms, member, then (limit, duration_ms) per window. Returns the wait in ms per window
// (0 = allowed and recorded).
const SCRIPT = `
local now = tonumber(ARGV[1])
local member = ARGV[2]
local waits = {}
for i = 1, #KEYS do
  local limit = tonumber(ARGV[1 + i * 2])
  local duration = tonumber(ARGV[2 + i * 2])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - duration)
  local count = redis.call('ZCARD', KEYS[i])
  if count >= limit then
    local oldest = tonumber(redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')[2])
    local remaining = duration - (now - oldest)
    waits[i] = math.ceil(remaining / (limit - count + 1))
  else
    redis.call('ZADD', KEYS[i], now, member)
    redis.call('PEXPIRE', KEYS[i], duration)
    waits[i] = 0
  end
end
return waits
`;

type Client = ReturnType<typeof createClient>;

export class RedisRateLimiter implements RateLimiter {
  readonly #client: Client;
  readonly #config: RateLimitConfig;

  private constructor(client: Client, config: RateLimitConfig) {
    this.#client = client;
    this.#config = config;
  }

  static async connect(url: string, config: RateLimitConfig): Promise<RedisRateLimiter> {
    const client = createClient({ url });
    client.on('error', () => {
      // Reconnects on its own; a request during an outage fails with the generic 500.
    });
    await client.connect();
    return new RedisRateLimiter(client, config);
  }

  async hit(identity: string, now = Date.now()): Promise<number | null> {
    const windows = this.#config.windows;
    if (windows.length === 0) return null;
    const keys = windows.map((w) => `notebooks:throttle:${w.name}:${identity}`);
    const args = [
      String(now),
      `${now}:${randomUUID()}`,
      ...windows.flatMap((w) => [String(w.limit), String(w.seconds * 1000)]),
    ];
    const waits = (await this.#client.eval(SCRIPT, { keys, arguments: args })) as number[];
    const longest = Math.max(0, ...waits.map(Number));
    return longest === 0 ? null : Math.ceil(longest / 1000);
  }

  async close(): Promise<void> {
    if (this.#client.isOpen) await this.#client.quit();
  }
}
