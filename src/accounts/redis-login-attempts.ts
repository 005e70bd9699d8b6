import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import type { LockoutKey, LoginAttempts } from './login-attempts.ts';

// The same counters as MemoryLoginAttempts, in Redis, so that every server process sharing
// REDIS_URL counts one client's failures together. Per key: a sorted set of failure times and a
// lock holding the time it ends (compared with the caller's clock, so that tests can move time);
// Redis' own expiry only removes what no rule can still need.
// KEYS: (failures, lock) per key. ARGV: now_ms, member, then (limit, window_ms, lock_ms) per key.
const RECORD_FAILURE = `
local now = tonumber(ARGV[1])
local member = ARGV[2]
local locked = 0
for i = 1, #KEYS / 2 do
  local failures = KEYS[i * 2 - 1]
  local lock = KEYS[i * 2]
  local limit = tonumber(ARGV[i * 3])
  local window = tonumber(ARGV[i * 3 + 1])
  local lock_ms = tonumber(ARGV[i * 3 + 2])
  redis.call('ZREMRANGEBYSCORE', failures, '-inf', now - window)
  redis.call('ZADD', failures, now, member)
  redis.call('PEXPIRE', failures, window)
  if redis.call('ZCARD', failures) >= limit then
    redis.call('SET', lock, now + lock_ms, 'PX', lock_ms)
    redis.call('DEL', failures)
    locked = 1
  end
end
return locked
`;

type Client = ReturnType<typeof createClient>;

const keyName = (key: LockoutKey, part: 'failures' | 'lock') => `notebooks:login:${key.rule.name}:${part}:${key.key}`;

export class RedisLoginAttempts implements LoginAttempts {
  readonly #client: Client;

  private constructor(client: Client) {
    this.#client = client;
  }

  static async connect(url: string): Promise<RedisLoginAttempts> {
    const client = createClient({ url });
    client.on('error', () => {
      // Reconnects on its own; a sign-in during an outage fails with the generic 500.
    });
    await client.connect();
    return new RedisLoginAttempts(client);
  }

  async isLocked(keys: readonly LockoutKey[], now: number): Promise<boolean> {
    if (keys.length === 0) return false;
    const ends = await this.#client.mGet(keys.map((key) => keyName(key, 'lock')));
    return ends.some((end) => end !== null && Number(end) > now);
  }

  async recordFailure(keys: readonly LockoutKey[], now: number): Promise<boolean> {
    if (keys.length === 0) return false;
    const locked = await this.#client.eval(RECORD_FAILURE, {
      keys: keys.flatMap((key) => [keyName(key, 'failures'), keyName(key, 'lock')]),
      arguments: [
        String(now),
        `${now}:${randomUUID()}`,
        ...keys.flatMap((key) => [String(key.rule.limit), String(key.rule.windowMs), String(key.rule.lockMs)]),
      ],
    });
    return Number(locked) === 1;
  }

  async close(): Promise<void> {
    if (this.#client.isOpen) await this.#client.quit();
  }
}
