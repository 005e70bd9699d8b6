import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Kysely, Transaction } from 'kysely';
import { AccountsRepository, emailKey, isEmailTaken, type User } from '../../src/accounts/accounts.repository.ts';
import { AccountsService } from '../../src/accounts/accounts.service.ts';
import { SessionsRepository } from '../../src/accounts/sessions.repository.ts';
import { UsersService } from '../../src/accounts/users.service.ts';
import type { Dialect } from '../../src/db/dialect.ts';
import type { Database } from '../../src/db/schema.ts';
import { ApiError } from '../../src/http/errors.ts';
import { MemoryRateLimiter } from '../../src/http/rate-limit.ts';
import { createSignedInUser, newUserRow, type SignedIn, STRONG_PASSWORD } from '../support/factories.ts';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

// Emails are unique whatever their case in the database itself (users.email_key's unique index),
// so that two requests that both pass the service's check cannot both write the same address.

const EMAIL_TAKEN = {
  type: 'validation_error',
  code: 'unique',
  detail: 'There is already an account with this email address.',
  attr: 'email',
};

/** The accounts repository of a request whose "is this email taken" check ran before a concurrent write. */
class RacedEmailCheck extends AccountsRepository {
  readonly #dialect: Dialect;

  constructor(db: Kysely<Database>, dialect: Dialect) {
    super(db, dialect);
    this.#dialect = dialect;
  }

  override async findUserByEmail(): Promise<User | undefined> {
    return undefined;
  }

  override within(trx: Transaction<Database>): AccountsRepository {
    return new RacedEmailCheck(trx, this.#dialect);
  }
}

const racedRepository = (env: TestEnv) => new RacedEmailCheck(env.db.kysely, env.db.dialect);

let counter = 0;
const freshEmail = (prefix: string) => `${prefix}-${Date.now()}-${++counter}@example.com`;

const newUser = (email: string) => newUserRow(email);

/** Whether the promise is refused with the 400 the service's own email check gives. */
function isEmailTakenAnswer(error: unknown): boolean {
  assert.ok(error instanceof ApiError, String(error));
  assert.equal(error.statusCode, 400);
  assert.deepEqual(error.envelope, EMAIL_TAKEN);
  return true;
}

async function usersWithKey(env: TestEnv, email: string): Promise<number> {
  const rows = await env.db.kysely.selectFrom('users').select('id').where('email_key', '=', emailKey(email)).execute();
  return rows.length;
}

function patchEmail(env: TestEnv, browser: SignedIn, email: string) {
  return env.request({
    method: 'PATCH',
    url: '/api/users/@me/',
    key: null,
    headers: browser.headers(),
    payload: { email },
  });
}

describeEachEngine('emails unique whatever their case', (env) => {
  it('refuses, in the database, a second user whose email differs only in case', async () => {
    const accounts = env().services.accountsRepository;
    const email = freshEmail('Case');
    await accounts.insertUser(newUser(email));
    await assert.rejects(accounts.insertUser(newUser(email.toUpperCase())), isEmailTaken);
    await assert.rejects(accounts.insertUser(newUser(email)), isEmailTaken, 'the same email, same case');
    const other = await accounts.insertUser(newUser(freshEmail('other')));
    await assert.rejects(accounts.updateUser(other.id, { email: email.toLowerCase() }), isEmailTaken);
    assert.equal(await usersWithKey(env(), email), 1);
    assert.equal((await accounts.findUserById(other.id))?.email, other.email, 'the refused change wrote nothing');
  });

  it('tells an email taken apart from the other unique values of a user', async () => {
    const accounts = env().services.accountsRepository;
    const first = await accounts.insertUser(newUser(freshEmail('uuid')));
    const sameUuid = { ...newUser(freshEmail('uuid')), uuid: first.uuid };
    await assert.rejects(accounts.insertUser(sameUuid), (error) => !isEmailTaken(error));
  });

  it('answers the 400 when PATCH /api/users/@me/ writes an email its check did not see taken', async () => {
    const e = env();
    const raced = racedRepository(e);
    const users = new UsersService(
      e.db,
      { accounts: raced, sessions: new SessionsRepository(e.db.kysely, e.db.dialect, raced) },
      {
        projectAccess: e.services.projectAccess,
        passwordAttempts: new MemoryRateLimiter({ windows: [] }),
        clock: e.clock.now,
        sensitiveActionAgeSeconds: 2 * 3600,
      },
    );
    const holder = await e.createUser();
    const mover = await e.createUser();
    const caller = { user: (await raced.findUserById(mover.id)) as User, memberships: new Map<string, number>() };
    await assert.rejects(
      users.update(caller, '@me', { email: holder.email.toUpperCase(), first_name: 'Moved' }),
      isEmailTakenAnswer,
    );
    const unchanged = await raced.findUserById(mover.id);
    assert.equal(unchanged?.email, mover.email);
    assert.notEqual(unchanged?.firstName, 'Moved', 'the whole change was refused');
  });

  it('answers 200 to one of two concurrent PATCHes to the same email in two cases, 400 to the other', async () => {
    const e = env();
    const [one, two] = await Promise.all([createSignedInUser(e), createSignedInUser(e)]);
    const email = freshEmail('wanted');
    const answers = await Promise.all([
      patchEmail(e, one.browser, email),
      patchEmail(e, two.browser, email.toUpperCase()),
    ]);
    assert.deepEqual(
      answers.map((answer) => answer.statusCode).sort(),
      [200, 400],
      answers.map((answer) => answer.body).join('\n'),
    );
    assert.deepEqual(json(answers.find((answer) => answer.statusCode === 400) ?? answers[0]), EMAIL_TAKEN);
    assert.equal(await usersWithKey(e, email), 1);
  });

  it('answers the 400 when `users create` writes an email its check did not see taken', async () => {
    const e = env();
    const accounts = new AccountsService(e.db, racedRepository(e));
    const holder = await e.createUser();
    await assert.rejects(
      accounts.createUser({ email: holder.email.toUpperCase(), organizationId: e.org.id }),
      isEmailTakenAnswer,
    );
    assert.equal(await usersWithKey(e, holder.email), 1);
  });

  it('creates one user of two concurrent `users create` for the same email in two cases', async () => {
    const e = env();
    const email = freshEmail('twice');
    const outcomes = await Promise.allSettled([
      e.accounts.createUser({ email, organizationId: e.org.id }),
      e.accounts.createUser({ email: email.toUpperCase(), organizationId: e.org.id }),
    ]);
    assert.deepEqual(outcomes.map((outcome) => outcome.status).sort(), ['fulfilled', 'rejected']);
    const refused = outcomes.find((outcome) => outcome.status === 'rejected');
    assert.ok(refused && isEmailTakenAnswer(refused.reason));
    assert.equal(await usersWithKey(e, email), 1);
  });

  it('signs up one visitor of two concurrent invites for the same email in two cases, and refuses the other', async () => {
    const e = env();
    const elsewhere = await e.accounts.createOrganization('Elsewhere');
    const admins = [
      await createSignedInUser(e, { level: 'admin' }),
      await createSignedInUser(e, { org: elsewhere.id, level: 'admin' }),
    ];
    const email = freshEmail('invitee');
    const targets = [email, email.replace(/^invitee/, 'INVITEE')];
    const invites = await Promise.all(
      admins.map(async (admin, index) => {
        const response = await e.request({
          method: 'POST',
          url: '/api/organizations/@current/invites/',
          key: null,
          headers: admin.browser.headers(),
          payload: { target_email: targets[index] },
        });
        assert.equal(response.statusCode, 201, response.body);
        return json<{ id: string; target_email: string }>(response);
      }),
    );
    const answers = await Promise.all(
      invites.map((invite) =>
        e.app.inject({
          method: 'POST',
          url: `/api/signup/${invite.id}/`,
          payload: { first_name: 'Twin', password: STRONG_PASSWORD },
        }),
      ),
    );
    assert.deepEqual(
      answers.map((answer) => answer.statusCode).sort(),
      [201, 400],
      answers.map((answer) => answer.body).join('\n'),
    );
    const refusedAt = answers.findIndex((answer) => answer.statusCode === 400);
    assert.deepEqual(json(answers[refusedAt]), {
      type: 'validation_error',
      code: 'invalid_input',
      detail: `There already exists an account with email address ${invites[refusedAt].target_email}. Please log in instead.`,
      attr: null,
    });
    assert.equal(await usersWithKey(e, email), 1);
  });
});
