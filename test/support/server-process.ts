import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The repository root: the real server is started from here, as `npm start` does. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const BOOTSTRAP_KEY = /^\s+(phx_[A-Za-z0-9]+)\s*$/m;
const BOOTSTRAP_PASSWORD = /^\s+password: (\S+)\s*$/m;
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * A command a person or a process manager runs from the repository root to start the server,
 * such as `npm start` or `npx notebooks serve`. It leads its own process group, as a service or
 * a terminal's foreground job does, and sees the environment of a shell outside npm
 * (`outsideNpmEnv`): the `node` on its PATH is the system's, whatever version that is.
 */
export interface StartCommand {
  argv: string[];
  /** Variables the person or the unit file sets; the test's DATABASE_URL, HOST and PORT win. */
  env?: Record<string, string>;
}

export interface ServerProcessOptions {
  databaseUrl: string;
  logLevel?: string;
  rateLimits?: string;
  redisUrl?: string;
  /** An empty database prints its first key; a restarted one prints none. Default true. */
  expectBootstrapKey?: boolean;
  /** Default: this test's Node runs `src/cli.ts serve` as a direct child. */
  command?: StartCommand;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  /** The process that was started: the server itself, or the npm that runs it for a StartCommand. */
  child: ChildProcess;
  /** The process group a StartCommand leads (a terminal's Ctrl-C signals all of it); null otherwise. */
  processGroup: number | null;
  port: number;
  url: string;
  /** The key printed on first start, or null when the database was not empty. */
  key: string | null;
  /** The password of admin@localhost printed on first start, or null when the database was not empty. */
  password: string | null;
  stdout(): string;
  stderr(): string;
  /** Resolves once the started process has exited. */
  exited: Promise<Exit>;
  /** Resolves when stdout+stderr match, rejects after timeoutMs or when the process exits first. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited within the timeout; resolves with the exit. */
  stop(timeoutMs?: number): Promise<Exit>;
  /**
   * Processes of this server still running, as `pid state command` (none once it is gone): the
   * whole process group of a StartCommand, where a server left behind by its npm would show.
   */
  survivors(): string[];
}

// Every child still running when this test process exits is killed (with its process group when
// it leads one), so none outlives a test.
const running = new Map<ChildProcess, () => void>();
process.on('exit', () => {
  for (const kill of running.values()) kill();
});

/**
 * The environment of a shell that did not come from npm: this test runs under `npm test`, whose
 * PATH starts with node_modules/.bin (the pinned Node) and whose npm_* variables would steer an
 * npm started from here. A process manager or a new terminal has neither.
 */
function outsideNpmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(name) || ['NODE', 'INIT_CWD', 'NODE_TEST_CONTEXT'].includes(name)) continue;
    env[name] = value;
  }
  const npmBins = (entry: string) =>
    entry.endsWith(`${sep}node_modules${sep}.bin`) || entry.endsWith(`${sep}node-gyp-bin`);
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => !npmBins(entry))
    .join(delimiter);
  // npm's weekly check for a newer npm asks the registry and prints to stderr, which these tests
  // keep for the server's own messages.
  env.npm_config_update_notifier = 'false';
  return env;
}

/**
 * Processes still running (zombies aside) whose process group is pgid, or just the process pid
 * when pgid is null, as `pid state command`.
 */
function runningProcesses(pid: number, pgid: number | null): string[] {
  if (!existsSync('/proc')) {
    try {
      process.kill(pgid === null ? pid : -pgid, 0);
      return [pgid === null ? `${pid}` : `a process of group ${pgid}`];
    } catch {
      return [];
    }
  }
  const found: string[] = [];
  const candidates = pgid === null ? [String(pid)] : readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  for (const entry of candidates) {
    let stat: string;
    let command: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue; // it exited while we looked
    }
    // pid (comm) state ppid pgrp …; comm may itself hold spaces and parentheses.
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const member = pgid === null ? Number(entry) === pid : Number(group) === pgid;
    if (member && state !== 'Z') found.push(`${entry} ${state} ${command}`);
  }
  return found;
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** Spawns the server as the options say; the caller reads its output and waits for its exit. */
function spawnServer(options: ServerProcessOptions, port: number): ChildProcess {
  const stdio: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe'];
  const settings: Record<string, string> = {
    DATABASE_URL: options.databaseUrl,
    LOG_LEVEL: options.logLevel ?? 'warn',
  };
  if (options.rateLimits !== undefined) settings.RATE_LIMITS = options.rateLimits;
  if (options.redisUrl !== undefined) settings.REDIS_URL = options.redisUrl;
  const unset = (env: NodeJS.ProcessEnv) => {
    for (const name of ['NODE_TEST_CONTEXT', 'REDIS_URL', 'RATE_LIMITS', 'HOST', 'PORT']) delete env[name];
    return env;
  };

  if (options.command === undefined) {
    const env = { ...unset({ ...process.env }), ...settings };
    const args = ['src/cli.ts', 'serve', '--host', '127.0.0.1', '--port', String(port)];
    return spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio });
  }
  const [program, ...args] = options.command.argv;
  const env: NodeJS.ProcessEnv = {
    ...unset(outsideNpmEnv()),
    ...options.command.env,
    ...settings,
    HOST: '127.0.0.1',
    PORT: String(port),
  };
  return spawn(program, args, { cwd: REPO_ROOT, env, stdio, detached: true });
}

/**
 * Starts the server (`src/cli.ts serve` on this test's Node, or options.command) on a free port
 * and waits until /_readyz answers 200.
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawnServer(options, port);
  const processGroup = options.command === undefined ? null : (child.pid ?? null);
  const kill = (signal: NodeJS.Signals) => {
    try {
      if (processGroup !== null) process.kill(-processGroup, signal);
      else child.kill(signal);
    } catch {
      // already gone
    }
  };
  const survivors = () => (child.pid === undefined ? [] : runningProcesses(child.pid, processGroup));
  running.set(child, () => kill('SIGKILL'));
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    notify();
  });
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    const ended = (code: number | null, signal: NodeJS.Signals | null) => {
      if (exit) return;
      exit = { code, signal };
      if (survivors().length === 0) running.delete(child);
      notify();
      resolve(exit);
    };
    child.once('exit', ended);
    // A command that cannot be started (not on PATH) never exits: it fails to spawn.
    child.once('error', (error) => {
      err += `${error.message}\n`;
      ended(null, null);
    });
  });

  const describeState = () =>
    `exit: ${exit ? JSON.stringify(exit) : 'still running'}\nstdout:\n${out}\nstderr:\n${err}`;

  const waitForOutput = (pattern: RegExp, timeoutMs = READY_TIMEOUT_MS) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(out + err)) return finish();
        if (exit) return finish(new Error(`the process exited before printing ${pattern}\n${describeState()}`));
      };
      const timer = setTimeout(
        () => finish(new Error(`server did not print ${pattern} within ${timeoutMs} ms\n${describeState()}`)),
        timeoutMs,
      );
      const finish = (error?: Error) => {
        clearTimeout(timer);
        listeners.delete(check);
        if (error) reject(error);
        else resolve();
      };
      listeners.add(check);
      check();
    });

  const stop = async (timeoutMs = STOP_TIMEOUT_MS): Promise<Exit> => {
    if (!exit) child.kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), timeoutMs);
    try {
      const result = await exited;
      // A server its npm left behind is ended too, so that none outlives the test.
      if (survivors().length > 0) kill('SIGKILL');
      running.delete(child);
      return result;
    } finally {
      clearTimeout(timer);
    }
  };

  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (exit) throw new Error(`server exited during startup\n${describeState()}`);
      if (Date.now() > deadline) {
        throw new Error(`server not ready within ${READY_TIMEOUT_MS} ms\n${describeState()}`);
      }
      try {
        const response = await fetch(`${url}/_readyz`, { signal: AbortSignal.timeout(1000) });
        await response.arrayBuffer();
        if (response.status === 200) break;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    let key: string | null = null;
    let password: string | null = null;
    if (options.expectBootstrapKey ?? true) {
      await waitForOutput(BOOTSTRAP_PASSWORD, 5000);
      key = (BOOTSTRAP_KEY.exec(out) as RegExpExecArray)[1];
      password = (BOOTSTRAP_PASSWORD.exec(out) as RegExpExecArray)[1];
    }
    const stdout = () => out;
    const stderr = () => err;
    return { child, processGroup, port, url, key, password, stdout, stderr, exited, waitForOutput, stop, survivors };
  } catch (error) {
    kill('SIGKILL');
    await exited;
    throw error;
  }
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: string;
}

/** One HTTP call to a server process, bounded in time; `body` is sent as JSON, `rawBody` as given. */
export async function callApi(
  url: string,
  options: {
    method?: string;
    key?: string;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
    timeoutMs?: number;
  } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
  if (options.body !== undefined || options.rawBody !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers,
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    signal: AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}
