import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResponseCache } from '../../src/http/response-cache.ts';

// The store behind the list cache: exact validation by commit state and deadline, bounded bytes.

const body = (text: string) => Buffer.from(text);

describe('ResponseCache', () => {
  it('answers a body only under the commit state it was rendered under, and before its deadline', () => {
    const cache = new ResponseCache(1024);
    cache.set('page', 'state-1', body('one'), 2_000);
    assert.equal(cache.get('page', 'state-1', 1_000)?.toString(), 'one');
    assert.equal(cache.get('page', 'state-2', 1_000), undefined, 'something was committed since');
    assert.equal(cache.size.entries, 0, 'a stale body is dropped when found');
    cache.set('page', 'state-2', body('two'), 2_000);
    assert.equal(cache.get('page', 'state-2', 2_000), undefined, 'expired at its deadline');
    assert.deepEqual(cache.size, { entries: 0, bytes: 0 });
  });

  it('keeps at most maxBytes, dropping the least recently used first', () => {
    const cache = new ResponseCache(800);
    for (const key of ['a', 'b', 'c', 'd']) cache.set(key, 's', Buffer.alloc(100, key), 10);
    assert.ok(cache.get('a', 's', 0), 'a is now the most recently used');
    for (const key of ['e', 'f', 'g', 'h', 'i']) cache.set(key, 's', Buffer.alloc(100, key), 10);
    assert.deepEqual(cache.size, { entries: 8, bytes: 800 });
    assert.equal(cache.get('b', 's', 0), undefined, 'b was the least recently used');
    assert.ok(cache.get('a', 's', 0));
    assert.ok(cache.get('i', 's', 0));
  });

  it('replaces a key in place and refuses a body over an eighth of the cache', () => {
    const cache = new ResponseCache(800);
    cache.set('a', 's1', Buffer.alloc(100), 10);
    cache.set('a', 's2', Buffer.alloc(50), 10);
    assert.deepEqual(cache.size, { entries: 1, bytes: 50 });
    cache.set('a', 's3', Buffer.alloc(101), 10);
    assert.deepEqual(cache.size, { entries: 0, bytes: 0 }, 'too big: not kept, and the old body is gone');
  });

  it('keeps nothing when its size is 0', () => {
    const cache = new ResponseCache(0);
    assert.equal(cache.enabled, false);
  });
});
