import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { type AccountsService, MEMBERSHIP_LEVELS, type MembershipLevelName } from '../accounts/accounts.service.ts';
import { exportToFile, fileLines } from '../backup/backup-files.ts';
import { BackupFileError } from '../backup/backup-format.ts';
import { type ImportSummary, importDatabase } from '../backup/backup-importer.ts';
import { PosthogClient } from '../backup/posthog-client.ts';
import { copyFromPosthog, DEFAULT_PAGE_SIZE } from '../backup/posthog-copier.ts';
import { loadConfig } from '../config.ts';
import { type Db, openDatabase } from '../db/database.ts';
import { ApiError } from '../http/errors.ts';
import { startServer } from '../server.ts';
import { createServices, migrateDatabase } from '../services.ts';
import { progressBar } from './progress-bar.ts';

const list = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** The password piped to the command: all of stdin, less one trailing newline. */
async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new Error('pipe the password on stdin (e.g. printf %s "$PASSWORD" | …)');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function print(json: boolean, object: Record<string, unknown>, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(object)}\n` : `${text}\n`);
}

/** A positive integer option (a project id), or an error naming the option. */
function idOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new Error(`${name}: "${value}" is not a project id`);
  return Number(value);
}

/** `--page-size`: a whole number of notebooks above 0, or an error naming the option. */
function pageSizeOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < 1)
    throw new Error(`--page-size: "${value}" is not a whole number of notebooks above 0`);
  return Number(value);
}

/** Opens DATABASE_URL, runs fn, closes; `migrate` first for the commands that write. */
async function withDatabase<T>(migrate: boolean, fn: (db: Db) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase(config.database, { poolSize: 2 });
  try {
    if (migrate) await migrateDatabase(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

function describeImport(summary: ImportSummary, path: string): string {
  const imported = Object.entries(summary.tables).map(([name, outcome]) => `${name} ${outcome.imported}`);
  const lines = [`Imported ${path} (${summary.source.engine}, ${summary.source.created_at}): ${imported.join(', ')}.`];
  const skipped = Object.entries(summary.tables).filter(([, outcome]) => outcome.skipped > 0);
  for (const [name, outcome] of skipped) {
    const keys = summary.skipped[name] ?? [];
    const more = outcome.skipped > keys.length ? `, … (${outcome.skipped - keys.length} more)` : '';
    lines.push(`Skipped ${plural(outcome.skipped, `${name} row`)} already in the database: ${keys.join(', ')}${more}`);
  }
  if (summary.cleared_user_references > 0)
    lines.push(
      `Cleared ${plural(summary.cleared_user_references, 'reference')} to users this database does not have (set to null).`,
    );
  return lines.join('\n');
}

interface ImportCommandOptions {
  merge?: boolean;
  fromPosthog?: string;
  project?: string;
  key?: string;
  intoProject?: string;
  pageSize?: string;
  json?: boolean;
}

/** `import --from-posthog URL`: copies a project's notebooks here; exits 1 when some could not be copied. */
async function copyCommand(url: string, options: ImportCommandOptions): Promise<void> {
  if (options.merge) throw new Error('--merge goes with a FILE: a copy from PostHog never overwrites anyway');
  const sourceProject = idOption('--project', options.project);
  if (sourceProject === undefined) throw new Error('--from-posthog needs --project, the project to copy from');
  if (options.key === undefined || options.key === '')
    throw new Error('--from-posthog needs --key, a personal API key of the source');
  const intoId = idOption('--into-project', options.intoProject) ?? sourceProject;
  const pageSize = pageSizeOption(options.pageSize) ?? DEFAULT_PAGE_SIZE;
  const config = loadConfig();
  let rateLimited = 0;
  const client = new PosthogClient({ baseUrl: url, key: options.key, onRateLimited: () => (rateLimited += 1) });
  const summary = await withDatabase(true, async (db) => {
    const services = createServices(db, config);
    const into = await services.accountsRepository.findProject(intoId);
    if (into === undefined)
      throw new Error(
        `there is no project ${intoId} here: create one with \`npx notebooks projects create\`, or name another with --into-project`,
      );
    const bar = progressBar('Copying notebooks');
    try {
      return await copyFromPosthog(services.notebooks, services.accountsRepository, {
        client,
        sourceProject,
        into,
        pageSize,
        onProgress: (progress) => bar?.update(progress.done, progress.total),
      });
    } finally {
      bar?.stop();
    }
  });
  const failures = summary.failed.map((failure) => `\n  ${failure.short_id}: ${failure.reason}`).join('');
  print(
    Boolean(options.json),
    { source: url, ...summary, rate_limited: rateLimited },
    `Copied ${plural(summary.copied, 'notebook')} of project ${sourceProject} at ${url} into project ${intoId}; ` +
      `skipped ${summary.skipped} already here; waited ${plural(rateLimited, 'time')} when rate limited` +
      (summary.failed.length > 0 ? `; could not copy ${summary.failed.length}:${failures}` : '.'),
  );
  if (summary.failed.length > 0) process.exitCode = 1;
}

/** Opens DATABASE_URL, migrates, runs fn with the accounts service, closes. */
async function withAccounts<T>(fn: (service: AccountsService, db: Db) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase(config.database, { poolSize: 2 });
  try {
    await migrateDatabase(db);
    return await fn(createServices(db, config).accounts, db);
  } finally {
    await db.close();
  }
}

export function buildCli(): Command {
  const program = new Command('notebooks')
    .description("A self-hostable server for PostHog's Notebooks API. Every command reads DATABASE_URL.")
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  program
    .command('serve')
    .description('Run the HTTP server (migrates first; on an empty database creates the first user and key)')
    .option('--host <host>', 'interface to listen on (env HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env PORT, default 8000)')
    .action(async (options: { host?: string; port?: string }) => {
      const config = loadConfig(process.env, options);
      const server = await startServer(config, { announce: (text) => process.stdout.write(`${text}\n`) });
      server.app.log.info({ url: server.url, database: config.database.engine }, 'listening');
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        server.app.log.info({ signal }, 'shutting down: finishing in-flight requests');
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            server.app.log.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });

  program
    .command('migrate')
    .description('Apply database migrations')
    .option('--json', 'print one JSON object')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const db = await openDatabase(config.database, { poolSize: 1 });
      try {
        const applied = await migrateDatabase(db);
        print(
          Boolean(options.json),
          { applied },
          applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`,
        );
      } finally {
        await db.close();
      }
    });

  program
    .command('export')
    .description(
      "Write the database (or one project's notebooks and activity) to a JSON-lines file, read in one consistent snapshot while the server keeps running",
    )
    .option('--out <file>', 'the file to write (default: standard output)')
    .option('--project <id>', "only this project's notebooks and activity")
    .option('--json', 'print one JSON object (with --out)')
    .action(async (options: { out?: string; project?: string; json?: boolean }) => {
      if (options.json && options.out === undefined)
        throw new Error('--json needs --out: the export itself goes to standard output');
      if (options.out !== undefined && existsSync(options.out)) throw new Error(`${options.out} already exists`);
      const project = idOption('--project', options.project);
      const summary = await withDatabase(false, (db) => exportToFile(db, options.out, { project }));
      if (options.out === undefined) return;
      const rows = Object.entries(summary.rows).map(([name, n]) => `${name} ${n}`);
      print(
        Boolean(options.json),
        { ...summary },
        `Exported ${summary.engine} as of ${summary.created_at} to ${options.out} (${summary.bytes} bytes): ${rows.join(', ')}.`,
      );
    });

  program
    .command('import')
    .description(
      'Import an export file into an empty database of either engine (or, with --merge, add what it lacks); or copy the notebooks of a PostHog project with --from-posthog',
    )
    .argument('[file]', 'the export file ("-" for standard input)')
    .option('--merge', 'import into a database that has rows: never overwrites, reports what it skipped')
    .option(
      '--from-posthog <url>',
      "copy every notebook of a PostHog project (or of any server speaking PostHog's API)",
    )
    .option('--project <id>', 'with --from-posthog: the project to copy from')
    .option('--key <key>', 'with --from-posthog: a personal API key of the source with notebook:read')
    .option(
      '--into-project <id>',
      'with --from-posthog: the project here to copy into (default: the same id as --project)',
    )
    .option(
      '--page-size <n>',
      `with --from-posthog: notebooks asked for per list request, following the list's next links (default: ${DEFAULT_PAGE_SIZE})`,
    )
    .option('--json', 'print one JSON object')
    .action(async (file: string | undefined, options: ImportCommandOptions) => {
      if (options.fromPosthog !== undefined) {
        if (file !== undefined) throw new Error('import takes either a FILE or --from-posthog, not both');
        await copyCommand(options.fromPosthog, options);
        return;
      }
      for (const [given, name] of [
        [options.project, '--project'],
        [options.key, '--key'],
        [options.intoProject, '--into-project'],
        [options.pageSize, '--page-size'],
      ] as const)
        if (given !== undefined) throw new Error(`${name} goes with --from-posthog`);
      if (file === undefined) throw new Error('import needs a FILE, or --from-posthog URL');
      if (file !== '-' && !existsSync(file)) throw new Error(`${file} does not exist`);
      try {
        const summary = await withDatabase(true, (db) =>
          importDatabase(db, fileLines(file), { merge: Boolean(options.merge) }),
        );
        print(Boolean(options.json), { ...summary }, describeImport(summary, file));
      } catch (error) {
        if (error instanceof BackupFileError)
          throw new Error(`${file}: ${error.message}; nothing was imported (the import is one transaction)`);
        throw error;
      }
    });

  program
    .command('backup')
    .description('SQLite: write a consistent copy of the database file while the server keeps running')
    .requiredOption('--out <file>', 'the new database file')
    .option('--json', 'print one JSON object')
    .action(async (options: { out: string; json?: boolean }) => {
      if (existsSync(options.out)) throw new Error(`${options.out} already exists`);
      const out = resolve(options.out);
      await withDatabase(false, async (db) => {
        if (db.dialect.copyToFile === undefined)
          throw new Error(
            'backup copies a SQLite database file; on PostgreSQL use `npx notebooks export --out FILE` (which either engine imports) or pg_dump',
          );
        await db.dialect.copyToFile(db.kysely, out);
      });
      const bytes = statSync(out).size;
      print(Boolean(options.json), { out: options.out, bytes }, `Backed up to ${options.out} (${bytes} bytes).`);
    });

  const orgs = program.command('orgs').description('Organizations');
  orgs
    .command('create')
    .requiredOption('--name <name>', 'organization name')
    .option('--json', 'print one JSON object')
    .action(async (options: { name: string; json?: boolean }) => {
      const org = await withAccounts((s) => s.createOrganization(options.name));
      print(Boolean(options.json), { id: org.id, name: org.name }, `Created organization ${org.id} "${org.name}"`);
    });

  const projects = program.command('projects').description('Projects');
  projects
    .command('create')
    .requiredOption('--name <name>', 'project name')
    .option('--org <id>', 'organization UUID (default: the first organization)')
    .option('--timezone <iana>', 'IANA time zone for relative dates (default UTC)')
    .option('--json', 'print one JSON object')
    .action(async (options: { name: string; org?: string; timezone?: string; json?: boolean }) => {
      const project = await withAccounts((s) =>
        s.createProject({ name: options.name, organizationId: options.org, timezone: options.timezone }),
      );
      print(
        Boolean(options.json),
        { id: project.id, name: project.name, organization: project.organizationId, timezone: project.timezone },
        `Created project ${project.id} "${project.name}" (${project.timezone})`,
      );
    });

  const users = program.command('users').description('Users');
  users
    .command('create')
    .requiredOption('--email <email>', 'email address (unique)')
    .option('--first-name <name>', 'first name', '')
    .option('--last-name <name>', 'last name', '')
    .option('--org <id>', 'organization UUID (default: the first organization)')
    .option('--level <level>', `membership level: ${Object.keys(MEMBERSHIP_LEVELS).join('|')}`, 'member')
    .option('--password-stdin', 'read the password (to sign in with) from stdin')
    .option('--json', 'print one JSON object')
    .action(
      async (options: {
        email: string;
        firstName: string;
        lastName: string;
        org?: string;
        level: string;
        passwordStdin?: boolean;
        json?: boolean;
      }) => {
        if (!(options.level in MEMBERSHIP_LEVELS))
          throw new Error(`--level must be one of ${Object.keys(MEMBERSHIP_LEVELS).join(', ')}`);
        const password = options.passwordStdin ? await readPasswordFromStdin() : undefined;
        const user = await withAccounts((s) =>
          s.createUser({
            email: options.email,
            password,
            firstName: options.firstName,
            lastName: options.lastName,
            organizationId: options.org,
            level: options.level as MembershipLevelName,
          }),
        );
        print(
          Boolean(options.json),
          {
            id: user.id,
            uuid: user.uuid,
            email: user.email,
            first_name: user.firstName,
            last_name: user.lastName,
            organization: user.organizationId,
            level: options.level,
          },
          `Created user ${user.id} ${user.email} (${options.level})`,
        );
      },
    );

  users
    .command('set-password')
    .description("Set a user's password from stdin; every session they had ends")
    .requiredOption('--email <email>', 'the user')
    .option('--json', 'print one JSON object')
    .action(async (options: { email: string; json?: boolean }) => {
      const password = await readPasswordFromStdin();
      await withAccounts((s) => s.setPassword(options.email, password));
      print(Boolean(options.json), { email: options.email }, `Password set for ${options.email}`);
    });

  const keys = program.command('keys').description('Personal API keys');
  keys
    .command('create')
    .requiredOption('--email <email>', 'owner of the key')
    .option('--label <label>', 'label (at most 40 characters)', 'Personal API key')
    .option('--scopes <scopes>', 'comma-separated scopes, or * for all', '*')
    .option('--projects <ids>', 'limit the key to these project ids (comma-separated)')
    .option('--orgs <ids>', 'limit the key to these organization UUIDs (comma-separated)')
    .option('--json', 'print one JSON object')
    .action(
      async (options: {
        email: string;
        label: string;
        scopes: string;
        projects?: string;
        orgs?: string;
        json?: boolean;
      }) => {
        const projectIds =
          options.projects === undefined
            ? []
            : list(options.projects).map((id) => {
                if (!/^\d+$/.test(id)) throw new Error(`--projects: "${id}" is not a project id`);
                return Number(id);
              });
        const key = await withAccounts((s) =>
          s.createKey({
            email: options.email,
            label: options.label,
            scopes: list(options.scopes),
            scopedTeams: projectIds,
            scopedOrganizations: options.orgs === undefined ? [] : list(options.orgs),
          }),
        );
        print(
          Boolean(options.json),
          {
            id: key.id,
            label: key.label,
            scopes: key.scopes,
            scoped_teams: key.scopedTeams,
            scoped_organizations: key.scopedOrganizations,
            value: key.value,
          },
          `Created key ${key.id} "${key.label}" (${key.scopes.join(',')}). Shown only once:\n${key.value}`,
        );
      },
    );

  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode !== 0) process.exitCode = error.exitCode;
      return;
    }
    const message =
      error instanceof ApiError
        ? `${error.envelope.attr ? `${error.envelope.attr}: ` : ''}${error.envelope.detail}`
        : (error as Error).message;
    process.stderr.write(`notebooks: ${message.split('\n').join(' ')}\n`);
    process.exitCode = 1;
  }
}
