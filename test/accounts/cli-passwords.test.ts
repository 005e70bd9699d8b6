import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { openDatabase } from '../../src/db/database.ts';
import { createServices, migrateDatabase } from '../../src/services.ts';
import { createTestDatabase } from '../support/harness.ts';
import { REPO_ROOT } from '../support/server-process.ts';

// `notebooks users create --password-stdin` and `users set-password`: the password comes on
// stdin (never in the arguments, where `ps` would show it), checked as sign-up checks it.

/** Runs the CLI with `input` on stdin; resolves with its exit code and output. */
async function cli(args: string[], databaseUrl: string, input: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl };
  delete env.NODE_TEST_CONTEXT;
  const running = promisify(execFile)(process.execPath, ['src/cli.ts', ...args], {
    cwd: REPO_ROOT,
    env,
    timeout: 30_000,
  });
  running.child.stdin?.end(input);
  try {
    const { stdout, stderr } = await running;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('passwords from the command line [sqlite]', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  before(async () => {
    database = await createTestDatabase('sqlite', { sqliteFile: true });
  });
  after(async () => {
    await database.drop();
  });

  /** Whether the password signs the user in, checked through the sign-in service. */
  async function signsIn(email: string, password: string): Promise<boolean> {
    const db = await openDatabase(database.target);
    try {
      await migrateDatabase(db);
      await createServices(db, { listCacheBytes: 0, rateLimits: { windows: [] } }).signIn.signIn(
        { email, password },
        { clientAddress: '127.0.0.1' },
      );
      return true;
    } catch {
      return false;
    } finally {
      await db.close();
    }
  }

  it('creates a user who can sign in with the password read from stdin', { timeout: 60_000 }, async () => {
    const created = await cli(
      ['users', 'create', '--email', 'ada@example.com', '--password-stdin', '--json'],
      database.url,
      'wobbly hedgehog lantern 42\n',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).email, 'ada@example.com');
    assert.ok(!created.stdout.includes('wobbly'), 'the password is not printed');
    assert.equal(await signsIn('ada@example.com', 'wobbly hedgehog lantern 42'), true);
  });

  it('refuses a weak or short password with PostHog’s message, and creates no one', { timeout: 60_000 }, async () => {
    const weak = await cli(
      ['users', 'create', '--email', 'weak@example.com', '--password-stdin'],
      database.url,
      'password1\n',
    );
    assert.equal(weak.code, 1);
    assert.equal(weak.stderr, 'notebooks: password: This password is too weak.\n');
    const short = await cli(
      ['users', 'create', '--email', 'short@example.com', '--password-stdin'],
      database.url,
      'abc\n',
    );
    assert.equal(
      short.stderr,
      'notebooks: password: This password is too short. It must contain at least 8 characters.\n',
    );
    assert.equal(await signsIn('weak@example.com', 'password1'), false);
  });

  it('sets a new password: the old one no longer signs in', { timeout: 60_000 }, async () => {
    const set = await cli(
      ['users', 'set-password', '--email', 'ada@example.com'],
      database.url,
      'another quiet lantern 77',
    );
    assert.equal(set.code, 0, set.stderr);
    assert.equal(await signsIn('ada@example.com', 'wobbly hedgehog lantern 42'), false);
    assert.equal(await signsIn('ada@example.com', 'another quiet lantern 77'), true);
  });
});
