/**
 * One rule of the sign-in lockout: `limit` failures counted under one key within `windowMs` lock
 * that key out for `lockMs`; the failure that reaches the limit is already refused.
 */
export interface LockoutRule {
  name: string;
  limit: number;
  windowMs: number;
  lockMs: number;
}

// django-axes as PostHog sets it up: 30 failures per client address, 10 minutes cool-off. The
// per-account rule stops guessing spread over many addresses; it counts unknown emails too, so
// that a lockout tells nothing about which emails have accounts.
export const CLIENT_ADDRESS_RULE: LockoutRule = { name: 'address', limit: 30, windowMs: 600_000, lockMs: 600_000 };
export const ACCOUNT_RULE: LockoutRule = { name: 'account', limit: 100, windowMs: 3_600_000, lockMs: 600_000 };

/** A key under one rule: e.g. the client address under CLIENT_ADDRESS_RULE. */
export interface LockoutKey {
  rule: LockoutRule;
  key: string;
}

/** Failed sign-in counters, per key, shared by every server process when they live in Redis. */
export interface LoginAttempts {
  /** Whether any of the keys is locked out at `now`. */
  isLocked(keys: readonly LockoutKey[], now: number): Promise<boolean>;
  /** Counts a failure under every key; true when this failure locked any of them out. */
  recordFailure(keys: readonly LockoutKey[], now: number): Promise<boolean>;
  close(): Promise<void>;
}

interface Counter {
  failures: number[];
  lockedUntil: number;
}

/** The counters of this process alone (no REDIS_URL). */
export class MemoryLoginAttempts implements LoginAttempts {
  readonly #counters = new Map<string, Counter>();

  #counter(key: LockoutKey): Counter {
    const name = `${key.rule.name}:${key.key}`;
    let counter = this.#counters.get(name);
    if (!counter) {
      counter = { failures: [], lockedUntil: 0 };
      this.#counters.set(name, counter);
    }
    return counter;
  }

  async isLocked(keys: readonly LockoutKey[], now: number): Promise<boolean> {
    return keys.some((key) => (this.#counters.get(`${key.rule.name}:${key.key}`)?.lockedUntil ?? 0) > now);
  }

  async recordFailure(keys: readonly LockoutKey[], now: number): Promise<boolean> {
    let locked = false;
    for (const key of keys) {
      const counter = this.#counter(key);
      counter.failures = counter.failures.filter((at) => at > now - key.rule.windowMs);
      counter.failures.push(now);
      if (counter.failures.length >= key.rule.limit) {
        counter.lockedUntil = now + key.rule.lockMs;
        counter.failures = [];
        locked = true;
      }
    }
    this.#sweep(now);
    return locked;
  }

  /** Drops counters with nothing left to remember, so that guessing with many emails cannot grow the map forever. */
  #sweep(now: number): void {
    if (this.#counters.size < 10_000) return;
    for (const [name, counter] of this.#counters) {
      const latest = counter.failures[counter.failures.length - 1] ?? 0;
      if (counter.lockedUntil <= now && latest <= now - ACCOUNT_RULE.windowMs) this.#counters.delete(name);
    }
  }

  async close(): Promise<void> {
    this.#counters.clear();
  }
}

/** In memory for one process; shared through Redis when REDIS_URL is set. */
export async function createLoginAttempts(redisUrl: string | null): Promise<LoginAttempts> {
  if (redisUrl === null) return new MemoryLoginAttempts();
  const { RedisLoginAttempts } = await import('./redis-login-attempts.ts');
  return RedisLoginAttempts.connect(redisUrl);
}
