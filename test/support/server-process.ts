import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The repository root: the real server is started from here, as `npm start` does. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const BOOTSTRAP_KEY = /^\s+(phx_[A-Za-z0-9]+)\s*$/m;
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 10_000;

export interface ServerProcessOptions {
  databaseUrl: string;
  logLevel?: string;
  rateLimits?: string;
  redisUrl?: string;
  /** An empty database prints its first key; a restarted one prints none. Default true. */
  expectBootstrapKey?: boolean;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** The key printed on first start, or null when the database was not empty. */
  key: string | null;
  stdout(): string;
  stderr(): string;
  /** Resolves once the process has exited. */
  exited: Promise<Exit>;
  /** Resolves when stdout+stderr match, rejects after timeoutMs or when the process exits first. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited within the timeout; resolves with the exit. */
  stop(timeoutMs?: number): Promise<Exit>;
}

// Every child still running when this test process exits is killed, so none outlives a test.
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

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

/** Starts `node src/cli.ts serve` on a free port and waits until /_readyz answers 200. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    LOG_LEVEL: options.logLevel ?? 'warn',
  };
  delete env.NODE_TEST_CONTEXT;
  delete env.REDIS_URL;
  delete env.RATE_LIMITS;
  if (options.rateLimits !== undefined) env.RATE_LIMITS = options.rateLimits;
  if (options.redisUrl !== undefined) env.REDIS_URL = options.redisUrl;

  const child = spawn(process.execPath, ['src/cli.ts', 'serve', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
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
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      running.delete(child);
      notify();
      resolve(exit);
    });
  });

  const describeState = () =>
    `exit: ${exit ? JSON.stringify(exit) : 'still running'}\nstdout:\n${out}\nstderr:\n${err}`;

  const waitForOutput = (pattern: RegExp, timeoutMs = READY_TIMEOUT_MS) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(out + err)) return finish();
        if (exit) return finish(new Error(`server exited before printing ${pattern}\n${describeState()}`));
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
    if (exit) return exit;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (exit) throw new Error(`server exited during startup\n${describeState()}`);
      if (Date.now() > deadline) throw new Error(`server not ready within ${READY_TIMEOUT_MS} ms\n${describeState()}`);
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
    if (options.expectBootstrapKey ?? true) {
      await waitForOutput(BOOTSTRAP_KEY, 5000);
      key = (BOOTSTRAP_KEY.exec(out) as RegExpExecArray)[1];
    }
    return { child, port, url, key, stdout: () => out, stderr: () => err, exited, waitForOutput, stop };
  } catch (error) {
    child.kill('SIGKILL');
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
