import { type ChildProcess, spawn } from 'node:child_process';
import { REPO_ROOT } from './server-process.ts';

const CLI_TIMEOUT_MS = 120_000;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real command line (`bin/notebooks.js`, what `npx notebooks` runs) on a database, with
 * only DATABASE_URL (and `env`) deciding its behaviour; resolves when it exits.
 */
export function runCli(
  args: string[],
  databaseUrl: string,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return spawnCli(args, databaseUrl, options).finished;
}

/** The same, with the process itself (to signal it) beside the promise of its end. */
export function spawnCli(
  args: string[],
  databaseUrl: string,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): { child: ChildProcess; finished: Promise<CliResult> } {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ...options.env };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, ['bin/notebooks.js', ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const finished = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`notebooks ${args.join(' ')} did not finish\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? CLI_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, finished };
}

/** Runs a `--json` command that must succeed, and returns its one JSON object. */
export async function runCliJson(
  args: string[],
  databaseUrl: string,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Record<string, unknown>> {
  const result = await runCli([...args, '--json'], databaseUrl, options);
  if (result.code !== 0) throw new Error(`notebooks ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  const lines = result.stdout.trimEnd().split('\n');
  if (lines.length !== 1) throw new Error(`expected one line on stdout, got: ${result.stdout}`);
  return JSON.parse(lines[0]) as Record<string, unknown>;
}
