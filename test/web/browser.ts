import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Config } from '../../src/config.ts';
import type { Engine } from '../../src/db/dialect.ts';
import { WEB_DIST } from '../../src/http/plugins/web-app.ts';
import { createTestEnv, postgresAvailable, type TestEnv, type TestUser } from '../support/harness.ts';

/** Debian's chromium on PATH (or at /usr/bin/chromium); undefined when it is not installed. */
export function chromiumExecutable(): string | undefined {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (found) return found;
    } catch {
      // not on PATH
    }
  }
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

const CHROMIUM = chromiumExecutable();
const BUILT = existsSync(join(WEB_DIST, 'index.html'));
const POSTGRES = await postgresAvailable();

/** Where a failing browser test leaves its screenshot (gitignored). */
export const RESULTS_DIR = resolve(import.meta.dirname, '../../test-results');

/**
 * Where a test saves a README screenshot: docs/screenshots/ under `npm run screenshots`
 * (UPDATE_SCREENSHOTS=1), else test-results/screenshots/, so that a test run leaves the
 * repository's images as they are (they differ from run to run in times and ids).
 */
export function screenshotPath(name: string): string {
  const directory =
    process.env.UPDATE_SCREENSHOTS === '1'
      ? resolve(import.meta.dirname, '../../docs/screenshots')
      : join(RESULTS_DIR, 'screenshots');
  mkdirSync(directory, { recursive: true });
  return join(directory, name);
}

/** Chromium, headless, kept off the network (this machine has none beyond loopback). */
export function launchChromium(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('chromium is not installed');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** A password zxcvbn scores as strong, for the users the browser signs in as. */
export const PASSWORD = 'Quiet-Harbor-Lantern-42';

export interface BrowserEnv {
  env: TestEnv;
  /** http://127.0.0.1:<port> of the real server. */
  baseUrl: string;
  browser: Browser;
  /** A new browser context (its own cookies), optionally at a viewport width. */
  newContext(options?: { width?: number; height?: number; colorScheme?: 'light' | 'dark' }): Promise<BrowserContext>;
  /** A user with a password, in the test organization. */
  createUser(options?: Parameters<TestEnv['createUser']>[0]): Promise<TestUser & { password: string }>;
  /** A new context signed in as the user (through the sign-in page), on the given path. */
  signedIn(user: TestUser & { password: string }, path?: string, width?: number): Promise<Page>;
}

function skipReason(engine: Engine): string | false {
  if (process.env.CI === 'true') return false;
  if (!CHROMIUM) return 'chromium is not installed (apt-get install -y chromium); required under CI=true';
  if (!BUILT) return 'the web app is not built (npm run build); required under CI=true';
  if (engine === 'postgres' && !POSTGRES) return 'PostgreSQL not reachable; required under CI=true';
  return false;
}

/**
 * A suite of browser tests: the real server (on a fresh database of the engine) listening on a
 * port, and a headless Chromium. Without Chromium or a build the suite is skipped, except under
 * CI=true, where it runs (and fails).
 */
export function describeBrowser(
  name: string,
  suite: (get: () => BrowserEnv) => void,
  options: { engine?: Engine; config?: Partial<Config> } = {},
): void {
  const engine = options.engine ?? 'sqlite';
  describe(`${name} [browser, ${engine}]`, { skip: skipReason(engine) }, () => {
    let state: BrowserEnv | undefined;
    let close: (() => Promise<void>) | undefined;
    before(async () => {
      if (!CHROMIUM || !BUILT) {
        throw new Error(!CHROMIUM ? 'chromium is not installed' : 'the web app is not built (npm run build)');
      }
      const env = await createTestEnv(engine, options.config ?? {});
      await env.app.listen({ host: '127.0.0.1', port: 0 });
      const address = env.app.server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      const baseUrl = `http://127.0.0.1:${address.port}`;
      const browser = await launchChromium();
      close = async () => {
        await browser.close();
        await env.close();
      };
      const newContext: BrowserEnv['newContext'] = async (contextOptions = {}) => {
        const context = await browser.newContext({
          baseURL: baseUrl,
          viewport: { width: contextOptions.width ?? 1280, height: contextOptions.height ?? 860 },
          colorScheme: contextOptions.colorScheme ?? 'light',
        });
        context.setDefaultTimeout(10_000);
        return context;
      };
      state = {
        env,
        baseUrl,
        browser,
        newContext,
        createUser: async (userOptions = {}) => {
          const user = await env.createUser({ password: PASSWORD, ...userOptions });
          return { ...user, password: userOptions.password ?? PASSWORD };
        },
        async signedIn(user, path = '/', width) {
          return signInPage(await newContext({ width }), user, path);
        },
      };
    });
    after(async () => {
      await close?.();
    });
    suite(() => {
      if (!state) throw new Error('browser environment not ready');
      return state;
    });
  });
}

/** A new page of the context, signed in as the user through the sign-in page, then at `path`. */
export async function signInPage(
  context: BrowserContext,
  user: { email: string; password: string },
  path: string,
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`/login?next=${encodeURIComponent(path)}`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  return page;
}

/**
 * A browser test: on failure it saves a screenshot of every open page to test-results/ and
 * fails with the original error.
 */
export function browserIt(name: string, get: () => BrowserEnv, fn: () => Promise<void>): void {
  it(name, async () => {
    try {
      await fn();
    } catch (error) {
      mkdirSync(RESULTS_DIR, { recursive: true });
      const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 80);
      let index = 0;
      for (const context of get().browser.contexts()) {
        for (const page of context.pages()) {
          index += 1;
          await page
            .screenshot({ path: join(RESULTS_DIR, `${slug}-${index}.png`), fullPage: true })
            .catch(() => undefined);
        }
      }
      throw error;
    }
  });
}
