import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openDatabase, parseDatabaseUrl } from '../src/db/database.ts';
import type { Engine } from '../src/db/dialect.ts';
import { createTestDatabase, ENGINES, postgresAvailable } from './support/harness.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const COMMAND_TIMEOUT_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Children still running; `after` kills their process groups. */
const running = new Set<ChildProcess>();

/** The environment of a CLI run: only DATABASE_URL (and info logs) decide its behaviour. */
function cliEnv(databaseUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'info' };
  for (const name of ['HOST', 'PORT', 'REDIS_URL', 'RATE_LIMITS', 'BODY_LIMIT']) delete env[name];
  return env;
}

/**
 * Spawns `npx notebooks …` from the repository root in its own process group (npx runs the CLI
 * as a child of npm, so the whole group is what a timeout or cleanup must end).
 */
function spawnCli(
  args: string[],
  databaseUrl: string,
): { child: ChildProcess; output: { stdout: string; stderr: string }; finished: Promise<Finished> } {
  const child = spawn('npx', ['notebooks', ...args], {
    cwd: REPO_ROOT,
    env: cliEnv(databaseUrl),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const output = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const finished = new Promise<Finished>((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(
        new Error(
          `npx notebooks ${args.join(' ')} did not finish in ${COMMAND_TIMEOUT_MS} ms\nstdout: ${output.stdout}\nstderr: ${output.stderr}`,
        ),
      );
    }, COMMAND_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, ...output });
    });
  });
  return { child, output, finished };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

function runCli(args: string[], databaseUrl: string): Promise<Finished> {
  return spawnCli(args, databaseUrl).finished;
}

/** Runs a --json command, expects exit 0 and exactly one JSON object (one line) on stdout. */
async function runJson(args: string[], databaseUrl: string): Promise<Record<string, unknown>> {
  const result = await runCli([...args, '--json'], databaseUrl);
  assert.equal(result.code, 0, `exit ${result.code}; stderr: ${result.stderr}`);
  assert.ok(result.stdout.endsWith('\n'), `stdout does not end with a newline: ${JSON.stringify(result.stdout)}`);
  const lines = result.stdout.slice(0, -1).split('\n');
  assert.equal(lines.length, 1, `expected one line on stdout, got: ${result.stdout}`);
  const parsed: unknown = JSON.parse(lines[0]);
  assert.ok(parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed), `not a JSON object: ${lines[0]}`);
  return parsed as Record<string, unknown>;
}

/** Expects a non-zero exit, nothing on stdout and exactly one line on stderr; returns that line. */
async function runFailing(args: string[], databaseUrl: string): Promise<string> {
  const result = await runCli(args, databaseUrl);
  assert.notEqual(result.code, 0, `expected a failure, got exit 0; stdout: ${result.stdout}`);
  assert.equal(result.stdout, '');
  assert.ok(result.stderr.endsWith('\n'), `stderr does not end with a newline: ${JSON.stringify(result.stderr)}`);
  const lines = result.stderr.slice(0, -1).split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got: ${result.stderr}`);
  assert.notEqual(lines[0].trim(), '');
  return lines[0];
}

/** Resolves once the accumulated output satisfies `ready`; rejects if the process ends first. */
function waitFor(server: ReturnType<typeof spawnCli>, ready: (stdout: string) => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(
        new Error(`timed out waiting for ${what}\nstdout: ${server.output.stdout}\nstderr: ${server.output.stderr}`),
      );
    }, COMMAND_TIMEOUT_MS);
    const poll = setInterval(() => {
      if (ready(server.output.stdout)) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve();
      }
    }, 50);
    server.finished.then(
      (result) => {
        clearInterval(poll);
        clearTimeout(timer);
        if (ready(result.stdout)) resolve();
        else
          reject(
            new Error(
              `the server exited (${result.code}) before ${what}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
            ),
          );
      },
      (error: unknown) => reject(error),
    );
  });
}

/** The pino log line with msg "listening", if printed yet. */
function listeningLog(stdout: string): { pid: number; url: string } | undefined {
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; pid?: number; url?: string };
    if (entry.msg === 'listening' && typeof entry.pid === 'number' && typeof entry.url === 'string')
      return { pid: entry.pid, url: entry.url };
  }
  return undefined;
}

/** SIGTERM to the npx process, as a process manager sends it: npm hands it to the server. */
async function stopServer(server: ReturnType<typeof spawnCli>): Promise<Finished> {
  server.child.kill('SIGTERM');
  return server.finished;
}

const occurrences = (text: string, needle: string): number => text.split(needle).length - 1;

/** Two fresh, empty databases of one engine (one for the admin commands, one for serve). */
async function freshDatabases(engine: Engine): Promise<{ admin: string; serve: string; drop(): Promise<void> }> {
  if (engine === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'notebooks-cli-'));
    return {
      admin: `sqlite:${join(dir, 'admin.db')}`,
      serve: `sqlite:${join(dir, 'serve.db')}`,
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const admin = await createTestDatabase('postgres');
  const serve = await createTestDatabase('postgres');
  return {
    admin: admin.url,
    serve: serve.url,
    async drop() {
      await admin.drop();
      await serve.drop();
    },
  };
}

after(() => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

for (const engine of ENGINES) {
  describe(`notebooks CLI [${engine}]`, async () => {
    const reachable = engine === 'sqlite' || (await postgresAvailable());
    if (!reachable) {
      describe('PostgreSQL', {
        skip: 'PostgreSQL not reachable (set TEST_DATABASE_URL); required under CI=true',
      }, () => {});
      return;
    }
    let databases: Awaited<ReturnType<typeof freshDatabases>>;
    before(async () => {
      databases = await freshDatabases(engine);
    });
    after(async () => {
      for (const child of running) killGroup(child, 'SIGKILL');
      await databases?.drop();
    });

    describe('account commands', () => {
      let orgId: string;
      let projectId: number;
      let email: string;

      it('migrate --json applies the migrations once and prints one JSON object each time', async () => {
        const first = await runJson(['migrate'], databases.admin);
        assert.ok(Array.isArray(first.applied) && first.applied.length > 0, JSON.stringify(first));
        const second = await runJson(['migrate'], databases.admin);
        assert.deepEqual(second, { applied: [] });
      });

      it('orgs create --name N --json prints {"id":"<uuid>","name":"N"}', async () => {
        const org = await runJson(['orgs', 'create', '--name', 'Acme Inc'], databases.admin);
        assert.deepEqual(Object.keys(org), ['id', 'name']);
        assert.match(String(org.id), UUID);
        assert.equal(org.name, 'Acme Inc');
        orgId = String(org.id);
      });

      it('projects create takes --org and --timezone and prints an integer id', async () => {
        const project = await runJson(
          ['projects', 'create', '--name', 'Web', '--org', orgId, '--timezone', 'Europe/Berlin'],
          databases.admin,
        );
        assert.ok(Number.isInteger(project.id), JSON.stringify(project));
        assert.equal(project.name, 'Web');
        assert.equal(project.organization, orgId);
        assert.equal(project.timezone, 'Europe/Berlin');
        projectId = Number(project.id);
      });

      it('projects create defaults to the first organization and UTC', async () => {
        const project = await runJson(['projects', 'create', '--name', 'Mobile'], databases.admin);
        assert.equal(project.organization, orgId);
        assert.equal(project.timezone, 'UTC');
        assert.ok(Number(project.id) > projectId);
      });

      it('users create --level admin prints the user with an integer id and a uuid', async () => {
        const user = await runJson(
          ['users', 'create', '--email', 'ada@example.com', '--first-name', 'Ada', '--org', orgId, '--level', 'admin'],
          databases.admin,
        );
        assert.ok(Number.isInteger(user.id), JSON.stringify(user));
        assert.match(String(user.uuid), UUID);
        assert.equal(user.email, 'ada@example.com');
        assert.equal(user.first_name, 'Ada');
        email = String(user.email);
        const db = await openDatabase(parseDatabaseUrl(databases.admin));
        try {
          const membership = await db.kysely
            .selectFrom('memberships')
            .select(['level', 'organization_id'])
            .where('user_id', '=', Number(user.id))
            .executeTakeFirstOrThrow();
          assert.deepEqual({ ...membership }, { level: 8, organization_id: orgId });
        } finally {
          await db.close();
        }
      });

      it('keys create --scopes notebook:read --projects prints the raw phx_ value, stored only as its hash', async () => {
        const key = await runJson(
          ['keys', 'create', '--email', email, '--scopes', 'notebook:read', '--projects', String(projectId)],
          databases.admin,
        );
        for (const name of ['id', 'label', 'scopes', 'value'])
          assert.ok(name in key, `missing ${name} in ${JSON.stringify(key)}`);
        assert.deepEqual(key.scopes, ['notebook:read']);
        const value = String(key.value);
        assert.match(value, /^phx_[A-Za-z0-9]{40,}$/);
        const db = await openDatabase(parseDatabaseUrl(databases.admin));
        try {
          const rows = await db.kysely.selectFrom('personal_api_keys').selectAll().execute();
          const stored = rows.find((row) => row.id === key.id);
          assert.ok(stored, 'the key is not stored');
          assert.equal(stored.secure_value, `sha256$${createHash('sha256').update(value).digest('hex')}`);
          // A JSON text on SQLite, already parsed from jsonb on PostgreSQL.
          const scopedTeams: unknown =
            typeof stored.scoped_teams === 'string' ? JSON.parse(stored.scoped_teams) : stored.scoped_teams;
          assert.deepEqual(scopedTeams, [projectId]);
          assert.ok(!JSON.stringify(rows).includes(value), 'the raw key is stored');
        } finally {
          await db.close();
        }
      });

      it('rejects an unknown organization with a non-zero exit and one line on stderr', async () => {
        await runFailing(
          ['projects', 'create', '--name', 'Nowhere', '--org', '00000000-0000-4000-8000-000000000000', '--json'],
          databases.admin,
        );
      });

      it('rejects a bad timezone with a non-zero exit and one line on stderr', async () => {
        const line = await runFailing(
          ['projects', 'create', '--name', 'Mars', '--timezone', 'Mars/Olympus_Mons', '--json'],
          databases.admin,
        );
        assert.match(line, /Mars\/Olympus_Mons/);
      });

      it('rejects a bad membership level with a non-zero exit and one line on stderr', async () => {
        await runFailing(
          ['users', 'create', '--email', 'root@example.com', '--level', 'god', '--json'],
          databases.admin,
        );
      });

      it('rejects empty scopes with a non-zero exit and one line on stderr', async () => {
        await runFailing(['keys', 'create', '--email', email, '--scopes', '', '--json'], databases.admin);
      });

      it('rejects an invalid scope with a non-zero exit and one line on stderr', async () => {
        const line = await runFailing(
          ['keys', 'create', '--email', email, '--scopes', 'notebook:fly', '--json'],
          databases.admin,
        );
        assert.match(line, /notebook:fly/);
      });

      it('rejects a missing required option with a non-zero exit and one line on stderr', async () => {
        await runFailing(['orgs', 'create', '--json'], databases.admin);
      });

      it('created nothing for the rejected commands', async () => {
        const db = await openDatabase(parseDatabaseUrl(databases.admin));
        try {
          const projects = await db.kysely.selectFrom('projects').select('name').orderBy('id').execute();
          assert.deepEqual(
            projects.map((row) => row.name),
            ['Web', 'Mobile'],
          );
          const users = await db.kysely.selectFrom('users').select('email').execute();
          assert.deepEqual(
            users.map((row) => row.email),
            ['ada@example.com'],
          );
        } finally {
          await db.close();
        }
      });
    });

    describe('serve', () => {
      let key: string;

      it('prints a "*" key and a curl line once on the first start, serves requests and exits 0 on SIGTERM', async () => {
        const server = spawnCli(['serve', '--port', '0'], databases.serve);
        await waitFor(
          server,
          (stdout) => listeningLog(stdout) !== undefined && /curl /.test(stdout),
          'the key, the curl line and the listening log',
        );
        const stdout = server.output.stdout;
        const keyLines = stdout.split('\n').filter((line) => /^\s*phx_\S+\s*$/.test(line));
        assert.equal(keyLines.length, 1, stdout);
        key = keyLines[0].trim();
        const curlLines = stdout.split('\n').filter((line) => line.includes('curl '));
        assert.equal(curlLines.length, 1, stdout);
        const curl = /curl -H "Authorization: Bearer (phx_\S+)" (http:\/\/\S+\/api\/projects\/1\/notebooks\/)/.exec(
          curlLines[0],
        );
        assert.ok(curl, curlLines[0]);
        assert.equal(curl[1], key);

        const response = await fetch(curl[2], { headers: { authorization: `Bearer ${key}` } });
        assert.equal(response.status, 200);
        assert.deepEqual(await response.json(), { count: 0, next: null, previous: null, results: [] });
        const byQuery = await fetch(`${curl[2]}?personal_api_key=${key}`);
        assert.equal(byQuery.status, 200);

        const result = await stopServer(server);
        assert.equal(result.code, 0, `exit ${result.code} (${result.signal}); stderr: ${result.stderr}`);
        assert.equal(
          occurrences(result.stdout, key),
          2,
          'the key must appear only on its own line and in the curl line (never in logs)',
        );
      });

      it('prints no key on the second start and still accepts the first key', async () => {
        assert.ok(key, 'the first start did not print a key');
        const server = spawnCli(['serve', '--port', '0'], databases.serve);
        await waitFor(server, (stdout) => listeningLog(stdout) !== undefined, 'the listening log');
        const listening = listeningLog(server.output.stdout);
        assert.ok(listening);
        const response = await fetch(`${listening.url}/api/projects/1/notebooks/`, {
          headers: { authorization: `Bearer ${key}` },
        });
        assert.equal(response.status, 200);
        const result = await stopServer(server);
        assert.equal(result.code, 0, `exit ${result.code} (${result.signal}); stderr: ${result.stderr}`);
        assert.doesNotMatch(result.stdout, /phx_/);
        assert.doesNotMatch(result.stdout, /curl /);
      });
    });
  });
}
