import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uuidv7 } from '../../src/db/ids.ts';

describe('uuidv7', () => {
  it('gives distinct version-7 ids in creation order, across many refills of its random pool', () => {
    const seen = new Set<string>();
    let previous = '';
    for (let i = 0; i < 5000; i++) {
      const id = uuidv7();
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.ok(id > previous, `${id} after ${previous}`);
      seen.add(id);
      previous = id;
    }
    assert.equal(seen.size, 5000);
    // The random part differs between ids of one millisecond (not only the counter).
    const tails = new Set(Array.from({ length: 50 }, () => uuidv7(Date.now()).slice(24)));
    assert.equal(tails.size, 50);
  });

  it('carries the given time in its first 48 bits', () => {
    const at = Date.UTC(2030, 0, 2, 3, 4, 5, 678);
    const id = uuidv7(at);
    assert.equal(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16) >= at, true);
  });
});
