import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { safeRelativeUrl } from '../../src/accounts/redirects.ts';
import {
  browserWith,
  createNotebook,
  createSignedInUser,
  STRONG_PASSWORD,
  setCookiesOf,
  signIn,
} from '../support/factories.ts';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

// PostHog's sign-in (POST /api/login), its lockout (django-axes) and sign-out (POST /logout).

const INVALID_CREDENTIALS =
  '{"type":"validation_error","code":"invalid_credentials","detail":"Invalid email or password.","attr":null}';
const LOCKED_OUT =
  '{"type":"authentication_error","code":"too_many_failed_attempts","detail":"Too many failed login attempts. Please try again in 10 minutes.","attr":null}';
const TEN_MINUTES = 600_000;

function login(env: TestEnv, payload: unknown, remoteAddress = '127.0.0.1'): Promise<LightMyRequestResponse> {
  return env.app.inject({ method: 'POST', url: '/api/login', payload: payload as object, remoteAddress });
}

function me(env: TestEnv, cookie: string): Promise<LightMyRequestResponse> {
  return env.app.inject({ method: 'GET', url: '/api/users/@me/', headers: { cookie } });
}

/** A user with a password, of a fresh email each time (the lockout counts per account). */
function userWithPassword(env: TestEnv) {
  return env.createUser({ password: STRONG_PASSWORD });
}

describeEachEngine('signing in', (env) => {
  it('answers 200 {"success": true} and sets the session and CSRF cookies with Django’s flags', async () => {
    const user = await userWithPassword(env());
    const response = await login(env(), { email: user.email, password: STRONG_PASSWORD });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.body, '{"success":true}');
    const cookies = setCookiesOf(response);
    const session = cookies.get('sessionid');
    const csrf = cookies.get('posthog_csrftoken');
    assert.ok(session && csrf);
    assert.match(session.value, /^[A-Za-z0-9]{40,}$/);
    assert.match(csrf.value, /^[A-Za-z0-9]{32}$/);
    for (const flag of ['HttpOnly', 'Max-Age=1209600', 'Path=/', 'SameSite=Lax'])
      assert.ok(session.attributes.includes(flag), `sessionid has ${flag}: ${session.attributes}`);
    assert.ok(!session.attributes.includes('Secure'), 'no Secure over plain http');
    assert.ok(!csrf.attributes.includes('HttpOnly'), 'the page reads the CSRF cookie');
    for (const flag of ['Path=/', 'SameSite=Lax']) assert.ok(csrf.attributes.includes(flag));
  });

  it('accepts the path without its trailing slash and with it', async () => {
    const user = await userWithPassword(env());
    for (const url of ['/api/login', '/api/login/']) {
      const response = await env().app.inject({
        method: 'POST',
        url,
        payload: { email: user.email, password: STRONG_PASSWORD },
      });
      assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
    }
  });

  it('signs the browser in: its session authenticates the API as the user', async () => {
    const user = await userWithPassword(env());
    const browser = await signIn(env(), user);
    const response = await me(env(), browser.cookie);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(json(response).email, user.email);
  });

  it('lets a session read the activity logs and recording comments, and open the change stream', async () => {
    const e = env();
    const user = await userWithPassword(e);
    const browser = await signIn(e, user);
    const recording = { type: 'ph-recording', attrs: { id: 'session-read-recording' } };
    const notebook = await createNotebook(e, {
      title: 'Read by a session',
      content: { type: 'doc', content: [recording] },
    });
    const read = (suffix: string) =>
      e.app.inject({ method: 'GET', url: e.url(suffix), headers: { cookie: browser.cookie } });
    const all = await read('activity/');
    assert.equal(all.statusCode, 200, all.body);
    assert.ok(json<{ results: Array<{ item_id: string }> }>(all).results.some((a) => a.item_id === notebook.short_id));
    const one = await read(`${notebook.short_id}/activity/`);
    assert.equal(one.statusCode, 200, one.body);
    assert.equal(json<{ results: unknown[] }>(one).results.length, 1);
    const comments = await read('recording_comments/?recording_id=session-read-recording');
    assert.equal(comments.statusCode, 200, comments.body);

    // The stream is read over a real connection: it never ends by itself.
    await e.app.listen({ host: '127.0.0.1', port: 0 });
    const address = e.app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const controller = new AbortController();
    try {
      const stream = await fetch(`http://127.0.0.1:${port}${e.url('events/')}`, {
        headers: { cookie: browser.cookie },
        signal: controller.signal,
      });
      assert.equal(stream.status, 200);
      assert.equal(stream.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      const reader = stream.body?.getReader();
      const first = await reader?.read();
      assert.match(new TextDecoder().decode(first?.value), /^retry: 2000/);
    } finally {
      controller.abort();
    }
    const anonymous = await fetch(`http://127.0.0.1:${port}${e.url('events/')}`);
    assert.equal(anonymous.status, 401, 'without the session it is refused');
    await anonymous.body?.cancel();
  });

  it('matches the email whatever its case', async () => {
    const user = await userWithPassword(env());
    const response = await login(env(), { email: user.email.toUpperCase(), password: STRONG_PASSWORD });
    assert.equal(response.statusCode, 200, response.body);
  });

  it('answers 400 required, naming the missing field, email first', async () => {
    for (const [payload, attr] of [
      [{}, 'email'],
      [{ password: 'x' }, 'email'],
      [{ email: 'someone@example.com' }, 'password'],
    ] as const) {
      const response = await login(env(), payload);
      assert.equal(response.statusCode, 400);
      assert.equal(
        response.body,
        JSON.stringify({ type: 'validation_error', code: 'required', detail: 'This field is required.', attr }),
      );
    }
  });

  it('answers 400 for a blank field and for an address that is not one', async () => {
    const blank = await login(env(), { email: 'someone@example.com', password: '   ' });
    assert.equal(
      blank.body,
      '{"type":"validation_error","code":"blank","detail":"This field may not be blank.","attr":"password"}',
    );
    const invalid = await login(env(), { email: 'not an email', password: 'x' });
    assert.equal(
      invalid.body,
      '{"type":"validation_error","code":"invalid_input","detail":"Enter a valid email address.","attr":"email"}',
    );
  });

  it('answers the same 400 for a wrong password, an unknown email and a deactivated user', async () => {
    const user = await userWithPassword(env());
    const wrong = await login(env(), { email: user.email, password: 'not the password' }, '10.0.0.1');
    const unknown = await login(env(), { email: 'nobody-here@example.com', password: STRONG_PASSWORD }, '10.0.0.1');
    const deactivated = await userWithPassword(env());
    await env().accounts.setUserActive(deactivated.email, false);
    const inactive = await login(env(), { email: deactivated.email, password: STRONG_PASSWORD }, '10.0.0.1');
    for (const response of [wrong, unknown, inactive]) {
      assert.equal(response.statusCode, 400);
      assert.equal(response.body, INVALID_CREDENTIALS);
      assert.equal(response.headers['set-cookie'], undefined, 'no cookie is set');
    }
  });

  it('takes about as long for an unknown email as for a wrong password (a hash is checked either way)', async () => {
    const user = await userWithPassword(env());
    const median = async (email: string) => {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await login(env(), { email, password: 'wrong password here' }, '10.0.0.2');
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b)[2];
    };
    const known = await median(user.email);
    const unknown = await median('nobody-at-all@example.com');
    const ratio = Math.max(known, unknown) / Math.min(known, unknown);
    assert.ok(ratio < 5, `known ${known.toFixed(1)} ms, unknown ${unknown.toFixed(1)} ms`);
  });

  it('refuses a user without a password with the same answer', async () => {
    const user = await env().createUser();
    const response = await login(env(), { email: user.email, password: STRONG_PASSWORD }, '10.0.0.3');
    assert.equal(response.body, INVALID_CREDENTIALS);
  });

  it('answers 405 to any other method', async () => {
    const response = await env().app.inject({ method: 'GET', url: '/api/login' });
    assert.equal(response.statusCode, 405);
    assert.equal(
      response.body,
      '{"type":"invalid_request","code":"method_not_allowed","detail":"Method \\"GET\\" not allowed.","attr":null}',
    );
  });
});

describeEachEngine('the sign-in lockout', (env) => {
  it('locks an address out at its 30th failure within 10 minutes, right password included, until 10 minutes pass', async () => {
    const user = await userWithPassword(env());
    const address = '10.1.0.1';
    for (let i = 1; i < 30; i++) {
      const response = await login(env(), { email: user.email, password: `wrong ${i}` }, address);
      assert.equal(response.body, INVALID_CREDENTIALS, `failure ${i}`);
    }
    const thirtieth = await login(env(), { email: user.email, password: 'wrong 30' }, address);
    assert.equal(thirtieth.statusCode, 403);
    assert.equal(thirtieth.body, LOCKED_OUT);
    const right = await login(env(), { email: user.email, password: STRONG_PASSWORD }, address);
    assert.equal(right.statusCode, 403);
    assert.equal(right.body, LOCKED_OUT);

    const elsewhere = await login(env(), { email: user.email, password: STRONG_PASSWORD }, '10.1.0.2');
    assert.equal(elsewhere.statusCode, 200, 'another address is not affected');

    env().clock.advance(TEN_MINUTES - 1000);
    const stillLocked = await login(env(), { email: user.email, password: STRONG_PASSWORD }, address);
    assert.equal(stillLocked.statusCode, 403);
    env().clock.advance(2000);
    const afterwards = await login(env(), { email: user.email, password: STRONG_PASSWORD }, address);
    assert.equal(afterwards.statusCode, 200, 'the lockout has ended');
  });

  it('ignores X-Forwarded-For when no proxy is trusted: a client cannot dodge the lockout by naming other addresses', async () => {
    const user = await userWithPassword(env());
    const address = '10.5.0.1';
    const spoofed = (i: number, password: string) =>
      env().app.inject({
        method: 'POST',
        url: '/api/login',
        payload: { email: user.email, password },
        remoteAddress: address,
        headers: { 'x-forwarded-for': `198.51.100.${i}` },
      });
    for (let i = 1; i < 30; i++) assert.equal((await spoofed(i, 'wrong')).body, INVALID_CREDENTIALS, `failure ${i}`);
    assert.equal((await spoofed(30, 'wrong')).body, LOCKED_OUT, 'counted against the socket address');
    assert.equal((await spoofed(31, STRONG_PASSWORD)).body, LOCKED_OUT, 'a new forwarded address does not help');
  });

  it('forgets failures older than 10 minutes', async () => {
    const user = await userWithPassword(env());
    const address = '10.2.0.1';
    for (let i = 0; i < 29; i++) await login(env(), { email: user.email, password: 'wrong' }, address);
    env().clock.advance(TEN_MINUTES + 1000);
    const response = await login(env(), { email: user.email, password: 'wrong' }, address);
    assert.equal(response.body, INVALID_CREDENTIALS);
  });

  it('locks an account out after 100 failures from many addresses within an hour, for every address', async () => {
    const user = await userWithPassword(env());
    for (let i = 1; i < 100; i++) {
      const response = await login(env(), { email: user.email, password: 'wrong' }, `10.3.${i % 5}.1`);
      assert.equal(response.statusCode, 400, `failure ${i}`);
    }
    const hundredth = await login(env(), { email: user.email, password: 'wrong' }, '10.3.9.9');
    assert.equal(hundredth.body, LOCKED_OUT);
    const fresh = await login(env(), { email: user.email, password: STRONG_PASSWORD }, '10.3.200.1');
    assert.equal(fresh.body, LOCKED_OUT, 'a new address with the right password is refused too');
    const otherAccount = await userWithPassword(env());
    const other = await login(env(), { email: otherAccount.email, password: STRONG_PASSWORD }, '10.3.9.9');
    assert.equal(other.statusCode, 200, 'other accounts are not affected');
    env().clock.advance(TEN_MINUTES + 1000);
    const afterwards = await login(env(), { email: user.email, password: STRONG_PASSWORD }, '10.3.200.1');
    assert.equal(afterwards.statusCode, 200, afterwards.body);
  });

  it('counts unknown emails per account too, so that a lockout tells nothing about who has an account', async () => {
    const address = (i: number) => `10.4.${i % 5}.1`;
    for (let i = 1; i < 100; i++) await login(env(), { email: 'ghost@example.com', password: 'x' }, address(i));
    const response = await login(env(), { email: 'ghost@example.com', password: 'x' }, '10.4.9.9');
    assert.equal(response.body, LOCKED_OUT);
  });
});

describeEachEngine('signing out', (env) => {
  it('ends the session and redirects to /login', async () => {
    const user = await createSignedInUser(env());
    const response = await env().app.inject({ method: 'POST', url: '/logout', headers: user.browser.headers() });
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, '/login');
    const cleared = setCookiesOf(response).get('sessionid');
    assert.ok(cleared);
    assert.equal(cleared.value, '');
    assert.ok(cleared.attributes.includes('Max-Age=0'));
    assert.equal((await me(env(), user.browser.cookie)).statusCode, 401, 'the old cookie signs no one in');
  });

  it('keeps a safe relative next and drops any other', async () => {
    const cases: Array<[string, string]> = [
      ['/notebooks/abc?x=1', '/login?next=%2Fnotebooks%2Fabc%3Fx%3D1'],
      ['//evil.example.com/', '/login'],
      ['https://evil.example.com/', '/login'],
      ['javascript:alert(1)', '/login'],
      ['/\\evil.example.com', '/login'],
    ];
    for (const [next, location] of cases) {
      const user = await createSignedInUser(env());
      const response = await env().app.inject({
        method: 'POST',
        url: `/logout?next=${encodeURIComponent(next)}`,
        headers: user.browser.headers(),
      });
      assert.equal(response.headers.location, location, next);
    }
  });

  it('needs the CSRF token, as Django’s csrf_protect does', async () => {
    const user = await createSignedInUser(env());
    const response = await env().app.inject({
      method: 'POST',
      url: '/logout',
      headers: { cookie: user.browser.cookie },
    });
    assert.equal(response.statusCode, 403);
    assert.equal(
      response.body,
      '{"type":"authentication_error","code":"permission_denied","detail":"CSRF Failed: CSRF token missing.","attr":null}',
    );
    assert.equal((await me(env(), user.browser.cookie)).statusCode, 200, 'the session goes on');
  });

  it('ends only the session it was sent with', async () => {
    const user = await createSignedInUser(env());
    const second = await signIn(env(), user);
    await env().app.inject({ method: 'POST', url: '/logout', headers: user.browser.headers() });
    assert.equal((await me(env(), second.cookie)).statusCode, 200);
  });
});

describeEachEngine('sessions', (env) => {
  it('end when their user is deactivated', async () => {
    const user = await createSignedInUser(env());
    await env().accounts.setUserActive(user.email, false);
    assert.equal((await me(env(), user.browser.cookie)).statusCode, 401);
  });

  it('are renewed for 14 days (with their cookie sent again) while used, at most once an hour', async () => {
    const user = await createSignedInUser(env());
    env().clock.advance(2 * 3600_000);
    const used = await me(env(), user.browser.cookie);
    assert.equal(used.statusCode, 200);
    const renewed = setCookiesOf(used).get('sessionid');
    assert.ok(renewed, 'the used session gets its cookie again');
    assert.equal(renewed.value, user.browser.sessionId);
    env().clock.advance(13 * 24 * 3600_000);
    assert.equal((await me(env(), user.browser.cookie)).statusCode, 200, '15 days after sign-in, renewed on day 0');
  });

  it('answer 401 for a cookie that names no session', async () => {
    const stranger = browserWith('made-up-session-id', 'a'.repeat(32));
    assert.equal((await me(env(), stranger.cookie)).statusCode, 401);
  });
});

describeEachEngine('session expiry', (env) => {
  const sessionRows = async () =>
    Number(
      (
        await env()
          .db.kysely.selectFrom('sessions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('signs no one in once 14 days have passed without use, and the expired row is swept at the next sign-in', async () => {
    const user = await createSignedInUser(env());
    assert.equal(await sessionRows(), 1);
    env().clock.advance(14 * 24 * 3600_000 + 1000);
    assert.equal((await me(env(), user.browser.cookie)).statusCode, 401);
    await signIn(env(), user);
    assert.equal(await sessionRows(), 1, 'only the new session is left');
  });

  it('stores only the hash of a session id', async () => {
    const user = await createSignedInUser(env());
    const rows = await env().db.kysely.selectFrom('sessions').select('id_hash').execute();
    assert.ok(rows.every((row) => /^[0-9a-f]{64}$/.test(row.id_hash)));
    assert.ok(!rows.some((row) => row.id_hash.includes(user.browser.sessionId)));
  });
});

describeEachEngine(
  'cookies behind a trusted proxy',
  (env) => {
    it('carry Secure when the request came over https (X-Forwarded-Proto from a trusted proxy)', async () => {
      const user = await userWithPassword(env());
      const response = await env().app.inject({
        method: 'POST',
        url: '/api/login',
        payload: { email: user.email, password: STRONG_PASSWORD },
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' },
      });
      assert.equal(response.statusCode, 200, response.body);
      for (const cookie of setCookiesOf(response).values()) assert.ok(cookie.attributes.includes('Secure'));
    });

    it('count failures against the address X-Forwarded-For names', async () => {
      const user = await userWithPassword(env());
      const from = (address: string) =>
        env().app.inject({
          method: 'POST',
          url: '/api/login',
          payload: { email: user.email, password: 'wrong' },
          headers: { 'x-forwarded-for': address },
        });
      for (let i = 0; i < 29; i++) await from('203.0.113.8');
      assert.equal((await from('203.0.113.8')).body, LOCKED_OUT);
      assert.equal((await from('203.0.113.9')).body, INVALID_CREDENTIALS, 'another client behind the proxy');
    });
  },
  { trustProxy: ['127.0.0.1'] },
);

describeEachEngine(
  'cookies with SECURE_COOKIES=true',
  (env) => {
    it('always carry Secure', async () => {
      const user = await userWithPassword(env());
      const response = await login(env(), { email: user.email, password: STRONG_PASSWORD });
      for (const cookie of setCookiesOf(response).values()) assert.ok(cookie.attributes.includes('Secure'));
    });
  },
  { secureCookies: true },
);

describe('a next URL after signing out', () => {
  it('is kept only when it is a path on this site', () => {
    assert.equal(safeRelativeUrl('/a/b?c=d#e'), '/a/b?c=d#e');
    for (const unsafe of ['//x.com', '///x.com', '/\\x.com', 'http://x.com', 'javascript:x', 'a/b', '/\u0000x', ''])
      assert.equal(safeRelativeUrl(unsafe), undefined, JSON.stringify(unsafe));
  });
});
