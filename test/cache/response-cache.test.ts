import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResponseCache } from '../../src/cache/response-cache.ts';

// The store behind the list cache: exact validation by commit state and deadline, bounded bytes
// (bodies, keys and states all counted).

const body = (text: string) => Buffer.from(text);
// What one entry of a 1-character key and state costs besides its body.
const OVERHEAD = (() => {
  const probe = new ResponseCache(1 << 20);
  probe.set('k', 's', Buffer.alloc(0), 1);
  return probe.size.bytes;
})();

describe('ResponseCache', () => {
  it('answers a body only under the commit state it was rendered under, and before its deadline', () => {
    const cache = new ResponseCache(1 << 20);
    cache.set('page', 'state-1', body('one'), 2_000);
    assert.equal(cache.get('page', 'state-1', 1_000)?.toString(), 'one');
    assert.equal(cache.get('page', 'state-2', 1_000), undefined, 'something was committed since');
    assert.equal(cache.size.entries, 0, 'a stale body is dropped when found');
    cache.set('page', 'state-2', body('two'), 2_000);
    assert.equal(cache.get('page', 'state-2', 2_000), undefined, 'expired at its deadline');
    assert.deepEqual(cache.size, { entries: 0, bytes: 0 });
  });

  it('keeps at most maxBytes, dropping the least recently used first', () => {
    const entry = 1000 + OVERHEAD;
    const cache = new ResponseCache(8 * entry);
    for (const key of ['a', 'b', 'c', 'd']) cache.set(key, 's', Buffer.alloc(1000, key), 10);
    assert.ok(cache.get('a', 's', 0), 'a is now the most recently used');
    for (const key of ['e', 'f', 'g', 'h', 'i']) cache.set(key, 's', Buffer.alloc(1000, key), 10);
    assert.deepEqual(cache.size, { entries: 8, bytes: 8 * entry });
    assert.equal(cache.get('b', 's', 0), undefined, 'b was the least recently used');
    assert.ok(cache.get('a', 's', 0));
    assert.ok(cache.get('i', 's', 0));
  });

  it('charges an entry for its key, so long URLs with empty pages cannot outgrow it', () => {
    const cache = new ResponseCache(1 << 20);
    const longKey = 'x'.repeat(10_000);
    for (let i = 0; i < 1000; i++) cache.set(`${longKey}${i}`, 's', body('[]'), 10);
    assert.ok(cache.size.bytes <= 1 << 20);
    assert.ok(cache.size.entries < 60, `${cache.size.entries} entries of 20 KB keys in 1 MB`);
  });

  it('replaces a key in place and refuses an entry over an eighth of the cache', () => {
    const cache = new ResponseCache(8 * (1000 + OVERHEAD));
    cache.set('a', 'x', Buffer.alloc(1000), 10);
    cache.set('a', 'y', Buffer.alloc(500), 10);
    assert.deepEqual(cache.size, { entries: 1, bytes: 500 + OVERHEAD });
    cache.set('a', 'z', Buffer.alloc(1001), 10);
    assert.deepEqual(cache.size, { entries: 0, bytes: 0 }, 'too big: not kept, and the old body is gone');
  });

  it('keeps nothing when its size is 0', () => {
    assert.equal(new ResponseCache(0).enabled, false);
  });
});
