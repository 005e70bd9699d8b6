import { isIP } from 'node:net';
import { type DatabaseTarget, parseDatabaseUrl } from './db/database.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface RateLimitConfig {
  /** Requests allowed per window, per personal API key; empty means rate limiting is off. */
  windows: Array<{ name: string; limit: number; seconds: number }>;
}

export interface Config {
  database: DatabaseTarget;
  host: string;
  port: number;
  logLevel: LogLevel;
  bodyLimit: number;
  rateLimits: RateLimitConfig;
  redisUrl: string | null;
  /** SQLite's durability: FULL (default) syncs every commit; NORMAL survives crashes, not power loss. */
  sqliteSynchronous: 'FULL' | 'NORMAL';
  /** PostgreSQL: run queries as named prepared statements (off behind a transaction-mode pooler). */
  pgPreparedStatements: boolean;
  /** Bytes of rendered list pages kept for repeated requests (cache/response-cache.ts); 0: none. */
  listCacheBytes: number;
  /** The change stream's heartbeat comment, every this many milliseconds. */
  eventsHeartbeatMs: number;
  /**
   * Fastify's trustProxy: the proxies whose X-Forwarded-For (and -Proto, -Host) to believe, as
   * addresses or CIDR ranges, a number of hops, or true for any; false: the socket's address.
   */
  trustProxy: boolean | number | string[];
  /** Cookies always carry Secure (otherwise only on requests that came over https). */
  secureCookies: boolean;
  /** Origins besides the server's own from which a signed-in browser may send unsafe requests. */
  trustedOrigins: string[];
  /** How long a session lasts without being used, in seconds. */
  sessionCookieAgeSeconds: number;
  /** How recent a sign-in must be for a sensitive action, in seconds. */
  sensitiveActionAgeSeconds: number;
  /**
   * A PostHog instance the web app links PostHog's own notebook nodes to (e.g.
   * https://us.posthog.com); null: no links.
   */
  posthogUrl: string | null;
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const DEFAULT_DATABASE_URL = 'sqlite:./data/notebooks.db';
const DEFAULT_RATE_LIMITS = '480/minute,4800/hour';
const PERIODS: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86400 };

/** "480/minute,4800/hour" → windows; "off" → none. */
export function parseRateLimits(value: string): RateLimitConfig {
  if (value.trim().toLowerCase() === 'off') return { windows: [] };
  const windows = value.split(',').map((part) => {
    const match = /^\s*(\d+)\s*\/\s*(second|minute|hour|day)\s*$/.exec(part);
    if (!match)
      throw new Error(
        `RATE_LIMITS: "${part.trim()}" is not of the form <count>/<second|minute|hour|day>, and the whole value may be "off"`,
      );
    return { name: match[2], limit: Number(match[1]), seconds: PERIODS[match[2]] };
  });
  return { windows };
}

/** TRUST_PROXY: unset/false, true, a number of hops, or comma-separated addresses and CIDR ranges. */
export function parseTrustProxy(value: string | undefined): boolean | number | string[] {
  const text = (value ?? '').trim();
  if (text === '' || text.toLowerCase() === 'false') return false;
  if (text.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const [address, bits, ...rest] = entry.split('/');
    const family = isIP(address);
    const maxBits = family === 6 ? 128 : 32;
    const validBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits);
    if (family === 0 || !validBits || rest.length > 0) {
      throw new Error(
        `TRUST_PROXY: "${entry}" is not an IP address or CIDR range ` +
          '(use true, a number of hops, or addresses and ranges separated by commas)',
      );
    }
  }
  return entries;
}

/** TRUSTED_ORIGINS: comma-separated scheme://host[:port], the host optionally starting with "*." (subdomains). */
export function parseTrustedOrigins(value: string | undefined): string[] {
  const text = (value ?? '').trim();
  if (text === '') return [];
  return text.split(',').map((entry) => {
    const origin = entry.trim();
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin.replace('://*.', '://wildcard.'));
    } catch {
      parsed = undefined;
    }
    const bare =
      parsed !== undefined && `${parsed.protocol}//${parsed.host}` === origin.replace('://*.', '://wildcard.');
    if (!parsed || !bare || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
      throw new Error(`TRUSTED_ORIGINS: "${origin}" is not an origin like https://app.example.com`);
    return origin;
  });
}

/** POSTHOG_URL: unset, or an http(s) URL without query or fragment; kept without a trailing slash. */
export function parsePosthogUrl(value: string | undefined): string | null {
  const text = (value ?? '').trim();
  if (text === '') return null;
  let parsed: URL | undefined;
  try {
    parsed = new URL(text);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.search || parsed.hash)
    throw new Error(`POSTHOG_URL: "${text}" is not an http(s) URL like https://us.posthog.com`);
  return text.replace(/\/+$/, '');
}

/** Reads the environment into a validated Config; throws one Error naming every bad variable. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: { host?: string; port?: string } = {},
): Config {
  const problems: string[] = [];
  const attempt = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (error) {
      problems.push((error as Error).message);
      return fallback;
    }
  };
  const database = attempt(() => parseDatabaseUrl(env.DATABASE_URL || DEFAULT_DATABASE_URL), {
    engine: 'sqlite' as const,
    location: '',
  });
  const host = overrides.host ?? env.HOST ?? '127.0.0.1';
  const portText = overrides.port ?? env.PORT ?? '8000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    problems.push(`PORT must be an integer from 0 to 65535 (got "${portText}")`);
  const logLevel = (env.LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}")`);
  const bodyLimitText = env.BODY_LIMIT ?? String(20 * 1024 * 1024);
  const bodyLimit = Number(bodyLimitText);
  if (!/^\d+$/.test(bodyLimitText) || bodyLimit < 1)
    problems.push(`BODY_LIMIT must be a positive number of bytes (got "${bodyLimitText}")`);
  const rateLimits = attempt(() => parseRateLimits(env.RATE_LIMITS ?? DEFAULT_RATE_LIMITS), { windows: [] });
  const redisUrl = env.REDIS_URL || null;
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl))
    problems.push('REDIS_URL must start with redis:// or rediss://');
  const synchronousText = (env.SQLITE_SYNCHRONOUS ?? 'full').toUpperCase();
  if (synchronousText !== 'FULL' && synchronousText !== 'NORMAL')
    problems.push(`SQLITE_SYNCHRONOUS must be full or normal (got "${env.SQLITE_SYNCHRONOUS}")`);
  const sqliteSynchronous = synchronousText === 'NORMAL' ? 'NORMAL' : 'FULL';
  const preparedText = (env.PG_PREPARED_STATEMENTS ?? 'on').toLowerCase();
  if (preparedText !== 'on' && preparedText !== 'off')
    problems.push(`PG_PREPARED_STATEMENTS must be on or off (got "${env.PG_PREPARED_STATEMENTS}")`);
  const pgPreparedStatements = preparedText !== 'off';
  const listCacheText = env.LIST_CACHE_MB ?? '64';
  if (!/^\d+$/.test(listCacheText) || Number(listCacheText) > 65536)
    problems.push(`LIST_CACHE_MB must be a whole number of megabytes from 0 to 65536 (got "${listCacheText}")`);
  const listCacheBytes = /^\d+$/.test(listCacheText) ? Math.min(Number(listCacheText), 65536) * 1024 * 1024 : 0;
  const heartbeatText = env.EVENTS_HEARTBEAT_SECONDS ?? '15';
  if (!/^\d+(\.\d+)?$/.test(heartbeatText) || Number(heartbeatText) <= 0 || Number(heartbeatText) > 3600)
    problems.push(
      `EVENTS_HEARTBEAT_SECONDS must be a number of seconds above 0, at most 3600 (got "${heartbeatText}")`,
    );
  const eventsHeartbeatMs = Math.round(Number(heartbeatText) * 1000) || 15_000;
  const trustProxy = attempt(() => parseTrustProxy(env.TRUST_PROXY), false);
  const secureText = (env.SECURE_COOKIES ?? 'false').toLowerCase();
  if (secureText !== 'true' && secureText !== 'false')
    problems.push(`SECURE_COOKIES must be true or false (got "${env.SECURE_COOKIES}")`);
  const trustedOrigins = attempt(() => parseTrustedOrigins(env.TRUSTED_ORIGINS), []);
  const seconds = (name: string, fallback: number): number => {
    const text = env[name] ?? String(fallback);
    if (!/^\d+$/.test(text) || Number(text) < 1) {
      problems.push(`${name} must be a positive whole number of seconds (got "${text}")`);
      return fallback;
    }
    return Number(text);
  };
  const sessionCookieAgeSeconds = seconds('SESSION_COOKIE_AGE', 14 * 24 * 3600);
  const sensitiveActionAgeSeconds = seconds('SESSION_SENSITIVE_ACTIONS_AGE', 2 * 3600);
  const posthogUrl = attempt(() => parsePosthogUrl(env.POSTHOG_URL), null);
  if (problems.length > 0) throw new Error(`Invalid configuration:\n- ${problems.join('\n- ')}`);
  return {
    database,
    host,
    port,
    logLevel,
    bodyLimit,
    rateLimits,
    redisUrl,
    sqliteSynchronous,
    pgPreparedStatements,
    listCacheBytes,
    eventsHeartbeatMs,
    trustProxy,
    secureCookies: secureText === 'true',
    trustedOrigins,
    sessionCookieAgeSeconds,
    sensitiveActionAgeSeconds,
    posthogUrl,
  };
}
