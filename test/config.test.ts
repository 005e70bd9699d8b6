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

describe('configuration of sign-in and sessions', () => {
  it('believes no proxy unless TRUST_PROXY names some (true, a hop count, or addresses and ranges)', () => {
    assert.equal(loadConfig({}).trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true);
    assert.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2);
    assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,::1' }).trustProxy, [
      '10.0.0.1',
      '192.168.0.0/16',
      '::1',
    ]);
    assert.throws(() => loadConfig({ TRUST_PROXY: 'proxy.local' }), /TRUST_PROXY: "proxy.local" is not an IP address/);
    assert.throws(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' }), /TRUST_PROXY/);
  });

  it('reads SECURE_COOKIES, TRUSTED_ORIGINS and the session ages', () => {
    const defaults = loadConfig({});
    assert.equal(defaults.secureCookies, false);
    assert.deepEqual(defaults.trustedOrigins, []);
    assert.equal(defaults.sessionCookieAgeSeconds, 1209600);
    assert.equal(defaults.sensitiveActionAgeSeconds, 7200);
    const set = loadConfig({
      SECURE_COOKIES: 'true',
      TRUSTED_ORIGINS: 'https://app.example.com,https://*.example.org:8443',
      SESSION_COOKIE_AGE: '3600',
      SESSION_SENSITIVE_ACTIONS_AGE: '600',
    });
    assert.equal(set.secureCookies, true);
    assert.deepEqual(set.trustedOrigins, ['https://app.example.com', 'https://*.example.org:8443']);
    assert.equal(set.sessionCookieAgeSeconds, 3600);
    assert.equal(set.sensitiveActionAgeSeconds, 600);
  });

  it('names every bad variable in one error', () => {
    assert.throws(
      () =>
        loadConfig({
          SECURE_COOKIES: 'yes',
          TRUSTED_ORIGINS: 'https://app.example.com/path',
          SESSION_COOKIE_AGE: '0',
          SESSION_SENSITIVE_ACTIONS_AGE: 'soon',
        }),
      (error: Error) =>
        ['SECURE_COOKIES', 'TRUSTED_ORIGINS', 'SESSION_COOKIE_AGE', 'SESSION_SENSITIVE_ACTIONS_AGE'].every((name) =>
          error.message.includes(name),
        ),
    );
  });
});
