import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createTestDatabase, ENGINES, postgresAvailable } from '../support/harness.ts';
import { callApi, REPO_ROOT, type ServerProcess, startServerProcess } from '../support/server-process.ts';

// Two server processes on one database: a session is looked up on every request, so signing out
// (or a new password) in one ends it in the other at once.

const POSTGRES = await postgresAvailable();

/** Signs admin@localhost in on a server; returns the Cookie header and the CSRF token of the browser. */
async function signIn(server: ServerProcess, password: string | null): Promise<{ cookie: string; csrf: string }> {
  const response = await fetch(`${server.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@localhost', password }),
  });
  assert.equal(response.status, 200, await response.text());
  const cookies = new Map(
    response.headers.getSetCookie().map((line) => {
      const [pair] = line.split(';');
      const equals = pair.indexOf('=');
      return [pair.slice(0, equals), pair.slice(equals + 1)] as const;
    }),
  );
  const session = cookies.get('sessionid');
  const csrf = cookies.get('posthog_csrftoken');
  assert.ok(session && csrf);
  return { cookie: `sessionid=${session}; posthog_csrftoken=${csrf}`, csrf };
}

const me = (server: ServerProcess, cookie: string) => callApi(`${server.url}/api/users/@me/`, { headers: { cookie } });

for (const engine of ENGINES) {
  describe(`two server processes sharing one database [${engine}]`, {
    skip: engine === 'postgres' && !POSTGRES ? 'PostgreSQL not reachable' : false,
  }, () => {
    const servers: ServerProcess[] = [];
    let drop: (() => Promise<void>) | undefined;
    let first: ServerProcess;
    let second: ServerProcess;
    let databaseUrl: string;

    after(async () => {
      for (const server of servers) await server.stop();
      await drop?.();
    });

    it('start on one database, and a session made on one works on the other', { timeout: 60_000 }, async () => {
      const database = await createTestDatabase(engine, { sqliteFile: true });
      drop = database.drop;
      databaseUrl = database.url;
      first = await startServerProcess({ databaseUrl });
      servers.push(first);
      second = await startServerProcess({ databaseUrl, expectBootstrapKey: false });
      servers.push(second);
      const browser = await signIn(first, first.password);
      assert.equal((await me(second, browser.cookie)).status, 200);
    });

    it('end a session on both when it signs out on one', { timeout: 30_000 }, async () => {
      const browser = await signIn(first, first.password);
      assert.equal((await me(second, browser.cookie)).status, 200);
      const out = await fetch(`${first.url}/logout`, {
        method: 'POST',
        headers: { cookie: browser.cookie, 'x-csrftoken': browser.csrf },
        redirect: 'manual',
      });
      assert.equal(out.status, 302);
      assert.equal(out.headers.get('location'), '/login');
      assert.equal((await me(second, browser.cookie)).status, 401);
      assert.equal((await me(first, browser.cookie)).status, 401);
    });

    it('end the user’s other sessions on both when the password changes through one', { timeout: 30_000 }, async () => {
      const changing = await signIn(first, first.password);
      const other = await signIn(second, first.password);
      assert.equal((await me(first, other.cookie)).status, 200);
      const changed = await callApi(`${first.url}/api/users/@me/`, {
        method: 'PATCH',
        headers: { cookie: changing.cookie, 'x-csrftoken': changing.csrf },
        body: { password: 'brand new lantern 88', current_password: first.password },
      });
      assert.equal(changed.status, 200, changed.body);
      assert.equal((await me(second, other.cookie)).status, 401, 'the other session, on the other process');
      assert.equal((await me(first, other.cookie)).status, 401);
      assert.equal((await me(second, changing.cookie)).status, 200, 'the session it was changed in goes on');
      // Put the first password back for the tests after this one.
      const restored = await callApi(`${first.url}/api/users/@me/`, {
        method: 'PATCH',
        headers: { cookie: changing.cookie, 'x-csrftoken': changing.csrf },
        body: { password: first.password, current_password: 'brand new lantern 88' },
      });
      assert.equal(restored.status, 200, restored.body);
    });

    it('end every session of a user on both when their password is set from the command line', {
      timeout: 60_000,
    }, async () => {
      const browser = await signIn(first, first.password);
      assert.equal((await me(second, browser.cookie)).status, 200);
      const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl };
      delete env.NODE_TEST_CONTEXT;
      const child = promisify(execFile)(
        process.execPath,
        ['src/cli.ts', 'users', 'set-password', '--email', 'admin@localhost'],
        { cwd: REPO_ROOT, env, timeout: 30_000 },
      );
      child.child.stdin?.end('another quiet lantern 77\n');
      await child;
      assert.equal((await me(first, browser.cookie)).status, 401);
      assert.equal((await me(second, browser.cookie)).status, 401);
    });
  });
}
