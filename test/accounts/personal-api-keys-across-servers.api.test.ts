import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { createServices } from '../../src/services.ts';
import { createSignedInUser, type SignedIn } from '../support/factories.ts';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

// Two servers on one database: a key rolled, deleted or narrowed through one, or its user
// deactivated or removed from the organization, stops working on the other at once — though
// each server remembers the keys it has seen.

const BOUND_MS = 500;

/** A second server on the test database, as another process would be; closed after fn. */
async function withOtherServer(e: TestEnv, fn: (other: FastifyInstance) => Promise<void>, db?: Db): Promise<void> {
  const otherDb = db ?? (await openDatabase(e.target));
  const other = await buildApp(e.config, createServices(otherDb, e.config));
  try {
    await other.ready();
    await fn(other);
  } finally {
    await other.close();
    await otherDb.close();
  }
}

function withKey(app: FastifyInstance, key: string, method: 'GET' | 'POST', url: string, payload?: object) {
  return app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, payload });
}

/** Asks until the answer has the status, failing if that takes longer than BOUND_MS. */
async function answersWithin(ask: () => Promise<LightMyRequestResponse>, status: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const response = await ask();
    if (response.statusCode === status) return;
    const waited = Date.now() - started;
    assert.ok(waited < BOUND_MS, `still ${response.statusCode} after ${waited} ms: ${response.body}`);
    await sleep(10);
  }
}

async function createKey(e: TestEnv, browser: SignedIn, scopes: string[]): Promise<{ id: string; value: string }> {
  const response = await e.app.inject({
    method: 'POST',
    url: '/api/personal_api_keys/',
    headers: browser.headers(),
    payload: { label: 'Across servers', scopes, scoped_teams: [], scoped_organizations: [] },
  });
  assert.equal(response.statusCode, 201, response.body);
  return json<{ id: string; value: string }>(response);
}

describeEachEngine(
  'a personal API key changed through another server on the same database',
  (env) => {
    it('is refused once rolled, and its new value accepted', async () => {
      const e = env();
      const user = await createSignedInUser(e);
      const key = await createKey(e, user.browser, ['notebook:read']);
      await withOtherServer(e, async (other) => {
        const list = (value: string) => withKey(other, value, 'GET', e.url());
        assert.equal((await list(key.value)).statusCode, 200);
        assert.equal((await list(key.value)).statusCode, 200);
        const rolled = await e.app.inject({
          method: 'POST',
          url: `/api/personal_api_keys/${key.id}/roll/`,
          headers: user.browser.headers(),
        });
        assert.equal(rolled.statusCode, 200, rolled.body);
        await answersWithin(() => list(key.value), 401);
        assert.equal((await list(json<{ value: string }>(rolled).value)).statusCode, 200);
      });
    });

    it('is refused once deleted', async () => {
      const e = env();
      const user = await createSignedInUser(e);
      const key = await createKey(e, user.browser, ['notebook:read']);
      await withOtherServer(e, async (other) => {
        const list = () => withKey(other, key.value, 'GET', e.url());
        assert.equal((await list()).statusCode, 200);
        const deleted = await e.app.inject({
          method: 'DELETE',
          url: `/api/personal_api_keys/${key.id}/`,
          headers: user.browser.headers(),
        });
        assert.equal(deleted.statusCode, 204, deleted.body);
        await answersWithin(list, 401);
      });
    });

    it('loses a scope taken away', async () => {
      const e = env();
      const user = await createSignedInUser(e);
      const key = await createKey(e, user.browser, ['notebook:read', 'notebook:write']);
      await withOtherServer(e, async (other) => {
        const write = () => withKey(other, key.value, 'POST', e.url(), { title: 'Across servers' });
        assert.equal((await write()).statusCode, 201);
        const narrowed = await e.app.inject({
          method: 'PATCH',
          url: `/api/personal_api_keys/${key.id}/`,
          headers: user.browser.headers(),
          payload: { scopes: ['notebook:read'] },
        });
        assert.equal(narrowed.statusCode, 200, narrowed.body);
        await answersWithin(write, 403);
        assert.equal((await withKey(other, key.value, 'GET', e.url())).statusCode, 200, 'the scope it kept');
      });
    });

    it('of a user removed from the organization is refused its projects', async () => {
      const e = env();
      const admin = await createSignedInUser(e, { level: 'admin' });
      const member = await e.createUser({ scopes: ['notebook:read'] });
      await withOtherServer(e, async (other) => {
        const list = () => withKey(other, member.key, 'GET', e.url());
        assert.equal((await list()).statusCode, 200);
        const removed = await e.app.inject({
          method: 'DELETE',
          url: `/api/organizations/@current/members/${member.uuid}/`,
          headers: admin.browser.headers(),
        });
        assert.equal(removed.statusCode, 204, removed.body);
        await answersWithin(list, 403);
      });
    });

    it('of a user who joins another organization through an invite reaches its projects', async () => {
      const e = env();
      const elsewhere = await e.accounts.createOrganization('Joined later');
      const project = await e.accounts.createProject({ name: 'Theirs', organizationId: elsewhere.id });
      const admin = await createSignedInUser(e, { org: elsewhere.id, level: 'admin' });
      const joiner = await createSignedInUser(e);
      const key = await createKey(e, joiner.browser, ['notebook:read']);
      const invited = await e.app.inject({
        method: 'POST',
        url: `/api/organizations/${elsewhere.id}/invites/`,
        headers: admin.browser.headers(),
        payload: { target_email: joiner.email },
      });
      assert.equal(invited.statusCode, 201, invited.body);
      await withOtherServer(e, async (other) => {
        const list = () => withKey(other, key.value, 'GET', e.url('', project.id));
        assert.equal((await list()).statusCode, 403, 'not a member yet (and now remembered so)');
        const joined = await e.app.inject({
          method: 'POST',
          url: `/api/signup/${json<{ id: string }>(invited).id}/`,
          headers: joiner.browser.headers(),
          payload: {},
        });
        assert.equal(joined.statusCode, 201, joined.body);
        assert.equal((await withKey(e.app, key.value, 'GET', e.url('', project.id))).statusCode, 200, 'at once here');
        await answersWithin(list, 200);
      });
    });

    it('of a user deactivated is refused', async () => {
      const e = env();
      const user = await e.createUser({ scopes: ['notebook:read'] });
      await withOtherServer(e, async (other) => {
        const list = () => withKey(other, user.key, 'GET', e.url());
        assert.equal((await list()).statusCode, 200);
        await e.accounts.setUserActive(user.email, false);
        await answersWithin(list, 401);
      });
    });

    it('still works on a server that cannot listen, which forgets its own changes at once', async () => {
      const e = env();
      const user = await createSignedInUser(e);
      const db = await openDatabase(e.target);
      const deaf: Db = {
        ...db,
        listen: async () => {
          throw new Error('no listener');
        },
      };
      await withOtherServer(
        e,
        async (other) => {
          const key = await createKey(e, user.browser, ['notebook:read']);
          const list = () => withKey(other, key.value, 'GET', e.url());
          assert.equal((await list()).statusCode, 200);
          const deleted = await other.inject({
            method: 'DELETE',
            url: `/api/personal_api_keys/${key.id}/`,
            headers: user.browser.headers(),
          });
          assert.equal(deleted.statusCode, 204, deleted.body);
          assert.equal((await list()).statusCode, 401);
        },
        deaf,
      );
    });
  },
  {},
  { sqliteFile: true },
);
