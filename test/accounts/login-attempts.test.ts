import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import {
  ACCOUNT_RULE,
  CLIENT_ADDRESS_RULE,
  type LockoutKey,
  type LoginAttempts,
  MemoryLoginAttempts,
} from '../../src/accounts/login-attempts.ts';
import { RedisLoginAttempts } from '../../src/accounts/redis-login-attempts.ts';
import { REDIS_URL, redisSkip } from '../support/redis.ts';

// The sign-in lockout's counters, in memory and in Redis, on an injected clock.

const T = 1_000_000_000;
const address = (): LockoutKey => ({ rule: CLIENT_ADDRESS_RULE, key: `10.0.0.${randomUUID()}` });

function lockoutSuite(name: string, create: () => Promise<LoginAttempts>, skip: string | false): void {
  describe(name, () => {
    const created: LoginAttempts[] = [];
    const attempts = async () => {
      const made = await create();
      created.push(made);
      return made;
    };
    after(async () => {
      for (const made of created) await made.close();
    });

    it('locks a key at its limit-th failure within the window, for the lock time', { skip }, async () => {
      const counters = await attempts();
      const key = address();
      for (let i = 1; i < 30; i++) assert.equal(await counters.recordFailure([key], T + i), false, `failure ${i}`);
      assert.equal(await counters.isLocked([key], T + 30), false);
      assert.equal(await counters.recordFailure([key], T + 30), true, 'the 30th failure locks');
      assert.equal(await counters.isLocked([key], T + 31), true);
      assert.equal(await counters.isLocked([key], T + 30 + CLIENT_ADDRESS_RULE.lockMs - 1), true);
      assert.equal(await counters.isLocked([key], T + 30 + CLIENT_ADDRESS_RULE.lockMs), false, 'and then not');
      assert.equal(await counters.recordFailure([key], T + 30 + CLIENT_ADDRESS_RULE.lockMs), false, 'counting anew');
    });

    it('forgets failures that left the window', { skip }, async () => {
      const counters = await attempts();
      const key = address();
      for (let i = 0; i < 29; i++) await counters.recordFailure([key], T);
      assert.equal(await counters.recordFailure([key], T + CLIENT_ADDRESS_RULE.windowMs), false);
    });

    it('counts each key of a failure under its own rule, and is locked when any key is', { skip }, async () => {
      const counters = await attempts();
      const account: LockoutKey = { rule: ACCOUNT_RULE, key: randomUUID() };
      for (let i = 0; i < 99; i++) assert.equal(await counters.recordFailure([address(), account], T + i), false);
      assert.equal(await counters.recordFailure([address(), account], T + 100), true);
      assert.equal(await counters.isLocked([address(), account], T + 101), true);
      assert.equal(await counters.isLocked([address()], T + 101), false);
    });
  });
}

lockoutSuite('MemoryLoginAttempts', async () => new MemoryLoginAttempts(), false);
lockoutSuite('RedisLoginAttempts', () => RedisLoginAttempts.connect(REDIS_URL), redisSkip);

describe('two processes sharing Redis', () => {
  it('lock a client out together', { skip: redisSkip }, async () => {
    const [one, two] = [await RedisLoginAttempts.connect(REDIS_URL), await RedisLoginAttempts.connect(REDIS_URL)];
    try {
      const key = address();
      for (let i = 0; i < 15; i++) {
        await one.recordFailure([key], T + i);
        await two.recordFailure([key], T + i);
      }
      assert.equal(await one.isLocked([key], T + 20), true);
      assert.equal(await two.isLocked([key], T + 20), true);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
