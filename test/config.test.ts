import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config.ts';

describe('configuration of the database engines', () => {
  it('runs PostgreSQL queries as prepared statements unless PG_PREPARED_STATEMENTS=off', () => {
    assert.equal(loadConfig({}).pgPreparedStatements, true);
    assert.equal(loadConfig({ PG_PREPARED_STATEMENTS: 'on' }).pgPreparedStatements, true);
    assert.equal(loadConfig({ PG_PREPARED_STATEMENTS: 'OFF' }).pgPreparedStatements, false);
    assert.throws(
      () => loadConfig({ PG_PREPARED_STATEMENTS: 'no' }),
      /PG_PREPARED_STATEMENTS must be on or off \(got "no"\)/,
    );
  });

  it('syncs every SQLite commit unless SQLITE_SYNCHRONOUS=normal', () => {
    assert.equal(loadConfig({}).sqliteSynchronous, 'FULL');
    assert.equal(loadConfig({ SQLITE_SYNCHRONOUS: 'normal' }).sqliteSynchronous, 'NORMAL');
    assert.throws(() => loadConfig({ SQLITE_SYNCHRONOUS: 'off' }), /SQLITE_SYNCHRONOUS must be full or normal/);
  });

  it('keeps 64 MB of rendered list pages unless LIST_CACHE_MB says otherwise (0: none)', () => {
    assert.equal(loadConfig({}).listCacheBytes, 64 * 1024 * 1024);
    assert.equal(loadConfig({ LIST_CACHE_MB: '0' }).listCacheBytes, 0);
    assert.equal(loadConfig({ LIST_CACHE_MB: '256' }).listCacheBytes, 256 * 1024 * 1024);
    assert.throws(
      () => loadConfig({ LIST_CACHE_MB: '-1' }),
      /LIST_CACHE_MB must be a whole number of megabytes from 0 to 65536 \(got "-1"\)/,
    );
    assert.throws(() => loadConfig({ LIST_CACHE_MB: '1.5' }), /LIST_CACHE_MB must be a whole number/);
  });
});
