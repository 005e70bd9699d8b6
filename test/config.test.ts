import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config.ts';

describe('configuration of the database engines', () => {
  it('runs PostgreSQL queries as prepared statements unless PG_PREPARED_STATEMENTS=off', () => {
    assert.equal(loadConfig({}).pgPreparedStatements, true);
    assert.equal(loadConfig({ PG_PREPARED_STATEMENTS: 'on' }).pgPreparedStatements, true);
    assert.equal(loadConfig({ PG_PREPARED_STATEMENTS: 'OFF' }).pgPreparedStatements, false);
    assert.throws(() => loadConfig({ PG_PREPARED_STATEMENTS: 'no' }), /PG_PREPARED_STATEMENTS must be on or off \(got "no"\)/);
  });

  it('syncs every SQLite commit unless SQLITE_SYNCHRONOUS=normal', () => {
    assert.equal(loadConfig({}).sqliteSynchronous, 'FULL');
    assert.equal(loadConfig({ SQLITE_SYNCHRONOUS: 'normal' }).sqliteSynchronous, 'NORMAL');
    assert.throws(() => loadConfig({ SQLITE_SYNCHRONOUS: 'off' }), /SQLITE_SYNCHRONOUS must be full or normal/);
  });
});
