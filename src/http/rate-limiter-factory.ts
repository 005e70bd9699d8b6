import type { Config } from '../config.ts';
import { MemoryRateLimiter, type RateLimiter } from './rate-limit.ts';

/** In memory for one process; shared through Redis when REDIS_URL is set. */
export async function createRateLimiter(config: Config): Promise<RateLimiter> {
  if (config.redisUrl !== null) {
    const { RedisRateLimiter } = await import('./redis-rate-limit.ts');
    return RedisRateLimiter.connect(config.redisUrl, config.rateLimits);
  }
  return new MemoryRateLimiter(config.rateLimits);
}
