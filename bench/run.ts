import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon, { type AutocannonClient, type AutocannonRequest, type AutocannonResult } from 'autocannon';
import pg from 'pg';
import type { RecordedAnswers, RecordedResponse } from './bare-server.ts';
import { measureChangeStreams } from './change-streams.ts';
import { MIX_KINDS, type MixMeasurement, type MixPlan, measureMix } from './mixed.ts';
import { checkGeneratedSearchText, type SeededData, sampleNotebookBody, seedPostgres, seedSqlite } from './seed.ts';

// `npm run bench`: seeds a fresh database, starts the real server as a child process, drives it
// with autocannon scenario by scenario, measures a bare node:http server answering the same
// bytes in the same run, and prints one markdown report (also written to bench/out/).

type Engine = 'sqlite' | 'postgres';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(ROOT, 'bench', 'out');
const SEED = 20_240_601;

interface Options {
  engine: Engine;
  notebooks: number;
  duration: number;
  warmup: number;
  connections: number;
  quick: boolean;
  scale: number[] | null;
  only: Set<string> | null;
  cpuProf: boolean;
  keep: boolean;
  postgresUrl: string;
  mixConnections: number;
  teamNotebooks: number;
  streams: number;
  /** Another checkout whose server the mixed scenario also measures, on the same database. */
  baselineRoot: string | undefined;
}

const TEAM_PROJECTS = 20;

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string', default: 'sqlite' },
      notebooks: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string', default: '10' },
      quick: { type: 'boolean', default: false },
      scale: { type: 'boolean', default: false },
      'scale-points': { type: 'string' },
      only: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'mix-connections': { type: 'string', default: '32' },
      'team-notebooks': { type: 'string' },
      streams: { type: 'string', default: '200' },
      'baseline-root': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      [
        'npm run bench -- [options]',
        '  --engine sqlite|postgres   database engine (default sqlite)',
        '  --notebooks N              notebooks in the big project (default 100000; --quick 2000)',
        '  --duration S               seconds per measurement (default 10; --quick 2)',
        '  --connections C            concurrent connections (default 10)',
        '  --quick                    small data and short durations: a smoke run',
        '  --scale                    also latency at 1 connection at 10k, 100k and 1M notebooks',
        '  --scale-points a,b,c       notebook counts for --scale',
        '  --only get,list,...        only these scenarios (get list search contains-id contains-any patch post mixed streams)',
        '  --mix-connections C        people in the mixed scenario (default 32)',
        "  --team-notebooks N         notebooks in each of the mixed scenario's 20 projects (default 5000; --quick 250)",
        '  --streams N                open change streams in the streams scenario (default 200)',
        '  --baseline-root DIR        also run the mix against the server of another checkout (npm ci done there)',
        '  --cpu-prof                 run the server with --cpu-prof (profiles in bench/out/)',
        '  --keep                     keep the database (SQLite file / PostgreSQL database) for inspection',
        '  env BENCH_POSTGRES_URL     admin connection (default postgres://postgres@127.0.0.1:5432/postgres)',
        '',
      ].join('\n'),
    );
    process.exit(0);
  }
  const engine = values.engine;
  if (engine !== 'sqlite' && engine !== 'postgres') throw new Error('--engine must be sqlite or postgres');
  const number = (text: string | undefined, fallback: number, name: string): number => {
    if (text === undefined) return fallback;
    const value = Number(text.replaceAll('_', ''));
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
    return value;
  };
  const quick = values.quick;
  const duration = number(values.duration, quick ? 2 : 10, '--duration');
  const scalePoints = values['scale-points']?.split(',').map((p) => number(p, 0, '--scale-points'));
  return {
    engine,
    notebooks: Math.floor(number(values.notebooks, quick ? 2_000 : 100_000, '--notebooks')),
    duration,
    warmup: Math.max(1, Math.round(duration / 5)),
    connections: Math.floor(number(values.connections, 10, '--connections')),
    quick,
    scale:
      values.scale || scalePoints
        ? (scalePoints ?? (quick ? [1_000, 2_000, 5_000] : [10_000, 100_000, 1_000_000]))
        : null,
    only: values.only ? new Set(values.only.split(',')) : null,
    cpuProf: values['cpu-prof'],
    keep: values.keep,
    mixConnections: Math.floor(number(values['mix-connections'], 32, '--mix-connections')),
    teamNotebooks: Math.floor(number(values['team-notebooks'], quick ? 250 : 5_000, '--team-notebooks')),
    streams: Math.floor(number(values.streams, 200, '--streams')),
    baselineRoot: values['baseline-root'] === undefined ? undefined : resolve(values['baseline-root']),
    postgresUrl: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  };
}

// ---------------------------------------------------------------------------------------------
// Databases
// ---------------------------------------------------------------------------------------------

interface BenchDatabase {
  url: string;
  describe: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function createDatabase(engine: Engine, options: Options): Promise<BenchDatabase> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(os.tmpdir(), 'notebooks-bench-'));
    const path = join(dir, 'bench.db');
    return {
      url: `sqlite:${path}`,
      describe: path,
      drop: async () => {
        if (!options.keep) rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `notebooks_bench_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: options.postgresUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    url: withDatabase(options.postgresUrl, name),
    describe: name,
    drop: async () => {
      if (options.keep) return;
      const client = new pg.Client({ connectionString: options.postgresUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

async function seed(
  engine: Engine,
  database: BenchDatabase,
  notebooks: number,
  teamNotebooks: number,
): Promise<SeededData> {
  const plan = { notebooks, seed: SEED, teamProjects: teamNotebooks > 0 ? TEAM_PROJECTS : 0, teamNotebooks };
  if (engine === 'sqlite') return seedSqlite(database.url.slice('sqlite:'.length), plan);
  return seedPostgres(database.url, plan);
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

interface HttpAnswer {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
}

function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<HttpAnswer> {
  return new Promise((resolveAnswer, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const pairs: Array<[string, string]> = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
          resolveAnswer({ status: res.statusCode ?? 0, headers: pairs, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function readStatus(pid: number): { hwmKb: number; rssKb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { hwmKb: field('VmHWM'), rssKb: field('VmRSS') };
  } catch {
    return undefined;
  }
}

/** The Node flags `npm start` runs the server with (its script: `exec node <flags> src/cli.ts serve`). */
const SERVER_NODE_FLAGS: string[] = (() => {
  const start: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;
  const flags = /^exec node((?: --[^ ]+)*) src\/cli\.ts serve$/.exec(start);
  if (flags === null)
    throw new Error(`package.json's start script is not "exec node [flags] src/cli.ts serve": ${start}`);
  return flags[1].split(' ').filter(Boolean);
})();

class ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  coldStartMs = 0;
  peakRssKb = 0;
  #poller: NodeJS.Timeout | undefined;
  #stderr = '';

  private constructor(child: ChildProcess, port: number) {
    this.child = child;
    this.port = port;
    // The server logs (pino, warn and above) to stdout: kept to explain a failure.
    const keep = (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-8000);
    };
    child.stderr?.on('data', keep);
    child.stdout?.on('data', keep);
  }

  /** The end of what the server printed. */
  get output(): string {
    return this.#stderr;
  }

  /** Spawns `node src/cli.ts serve` as `npm start` does and waits for the first 200 on /_readyz. */
  static async start(
    databaseUrl: string,
    options: { cpuProfDir?: string; env?: Record<string, string>; root?: string },
  ): Promise<ServerProcess> {
    const port = await freePort();
    const root = options.root ?? ROOT;
    const args = [
      ...(options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : []),
      ...SERVER_NODE_FLAGS,
      join(root, 'src', 'cli.ts'),
      'serve',
    ];
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        RATE_LIMITS: 'off',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(child, port);
    let exited = false;
    child.once('exit', () => (exited = true));
    for (;;) {
      if (exited) throw new Error(`server exited during start:\n${server.#stderr}`);
      if (performance.now() - started > 60_000) throw new Error(`server not ready after 60 s:\n${server.#stderr}`);
      try {
        const answer = await send(port, 'GET', '/_readyz', {});
        if (answer.status === 200) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    server.coldStartMs = performance.now() - started;
    server.#poll();
    server.#poller = setInterval(() => server.#poll(), 200);
    return server;
  }

  #poll(): void {
    if (this.child.pid === undefined) return;
    const status = readStatus(this.child.pid);
    if (status) this.peakRssKb = Math.max(this.peakRssKb, status.hwmKb);
  }

  async stop(): Promise<void> {
    this.#poll();
    clearInterval(this.#poller);
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

class BareServer {
  readonly child: ChildProcess;
  readonly port: number;

  private constructor(child: ChildProcess, port: number) {
    this.child = child;
    this.port = port;
  }

  static async start(recorded: RecordedAnswers, file: string): Promise<BareServer> {
    writeFileSync(file, JSON.stringify(recorded));
    const child = spawn(process.execPath, [join(ROOT, 'bench', 'bare-server.ts'), file, '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolvePort, reject) => {
      let buffer = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const line = buffer.split('\n')[0];
        if (buffer.includes('\n')) resolvePort((JSON.parse(line) as { port: number }).port);
      });
      child.once('exit', (code) => reject(new Error(`bare server exited (${code})`)));
    });
    return new BareServer(child, port);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

interface RequestSpec {
  method: string;
  path: string;
  body?: string;
}

interface Scenario {
  key: string;
  label: string;
  target: number;
  /** The one request whose real response the bare server replays. */
  sample(): RequestSpec;
  /** Per connection: a request generator (fresh state per measurement). */
  connection(index: number, target: 'ours' | 'bare'): { next(): RequestSpec; answered?(status: number): void };
}

/** The list requests: measured at light load and again with the list cache off. */
const LIST_SCENARIOS: readonly string[] = ['list', 'search', 'contains-id', 'contains-any'];
/** A server that renders every list page anew (cache/response-cache.ts off). */
const UNCACHED = { LIST_CACHE_MB: '0' };

const TARGETS: Record<Engine, { get: number; other: number }> = {
  sqlite: { get: 0.6, other: 0.3 },
  postgres: { get: 0.4, other: 0.15 },
};

/** PATCH bodies as text, alternating two contents so that every save really changes the notebook. */
function patchBodies(): Array<(version: number) => string> {
  return [sampleNotebookBody(SEED + 1), sampleNotebookBody(SEED + 2)].map((body) => {
    const head = `{"title":${JSON.stringify(body.title)},"content":${JSON.stringify(body.content)},"text_content":${JSON.stringify(body.text_content)},"version":`;
    return (version: number) => `${head}${version}}`;
  });
}

function buildScenarios(engine: Engine, data: SeededData, connections: number): Scenario[] {
  const base = `/api/projects/${data.bigProjectId}/notebooks/`;
  const targets = TARGETS[engine];
  const random = Math.random;
  const pickNotebook = () => data.shortIds[Math.floor(random() * data.shortIds.length)];
  const bodies = patchBodies();
  const postBody = JSON.stringify(sampleNotebookBody(SEED + 3));
  // The sample PATCH uses notebook 0; connection i edits notebooks 1 + i, 1 + i + C, 1 + i + 2C, …
  // Each measurement run edits its own notebooks: a request still in flight when a run stops is
  // applied by the server but never answered, which would leave that notebook's version unknown.
  const ownVersions = Array.from(data.versions);
  const perConnection = Math.max(1, Math.min(20, Math.floor((data.shortIds.length - 1) / (connections * 8))));
  let patchRun = -1;
  const list = (key: string, label: string, query: string): Scenario => ({
    key,
    label,
    target: targets.other,
    sample: () => ({ method: 'GET', path: `${base}${query}` }),
    connection: () => ({ next: () => ({ method: 'GET', path: `${base}${query}` }) }),
  });
  return [
    {
      key: 'get',
      label: 'GET a random notebook',
      target: targets.get,
      sample: () => ({ method: 'GET', path: `${base}${data.shortIds[data.typicalIndex]}/` }),
      connection: () => ({ next: () => ({ method: 'GET', path: `${base}${pickNotebook()}/` }) }),
    },
    list('list', 'list, default page', ''),
    list('search', `list ?search=${data.searchWord} (${data.searchMatches} matches)`, `?search=${data.searchWord}`),
    list(
      'contains-id',
      `list ?contains=recording:<id> (${data.recordingMatches} matches)`,
      `?contains=recording:${data.recordingId}`,
    ),
    list('contains-any', `list ?contains=recording:true (${data.recordingAny} matches)`, '?contains=recording:true'),
    {
      key: 'patch',
      label: 'PATCH content with the right version',
      target: targets.other,
      sample: () => ({ method: 'PATCH', path: `${base}${data.shortIds[0]}/`, body: bodies[0](ownVersions[0]++) }),
      connection: (index, target) => {
        // The bare server changes nothing: its connections count versions on a copy.
        const versions = target === 'ours' ? ownVersions : Array.from(ownVersions);
        if (index === 0) patchRun += 1;
        const first =
          1 +
          ((patchRun * connections * perConnection) %
            Math.max(1, data.shortIds.length - 1 - connections * perConnection));
        const mine: number[] = [];
        for (let k = 0; k < perConnection; k++) mine.push(first + index + k * connections);
        let turn = 0;
        let pending = -1;
        return {
          next: () => {
            pending = mine[turn % mine.length];
            const body = bodies[Math.floor(turn / mine.length) % 2](versions[pending]);
            turn += 1;
            return { method: 'PATCH', path: `${base}${data.shortIds[pending]}/`, body };
          },
          answered: (status) => {
            if (status === 200) versions[pending] += 1;
          },
        };
      },
    },
    {
      key: 'post',
      label: 'POST a new notebook',
      target: targets.other,
      sample: () => ({ method: 'POST', path: base, body: postBody }),
      connection: () => ({ next: () => ({ method: 'POST', path: base, body: postBody }) }),
    },
  ];
}

interface Measurement {
  rps: number;
  /** Responses received during the measured seconds. */
  completed: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  statusCodes: string;
}

async function measure(
  port: number,
  apiKey: string,
  scenario: Scenario,
  target: 'ours' | 'bare',
  connections: number,
  duration: number,
): Promise<Measurement> {
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  let clients = 0;
  const result: AutocannonResult = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    timeout: 30,
    headers,
    setupClient: (client: AutocannonClient) => {
      const generator = scenario.connection(clients++, target);
      const request: AutocannonRequest = {
        setupRequest: (req) => {
          const spec = generator.next();
          return {
            ...req,
            method: spec.method,
            path: spec.path,
            headers,
            ...(spec.body === undefined ? {} : { body: spec.body }),
          };
        },
        ...(generator.answered ? { onResponse: (status: number) => generator.answered?.(status) } : {}),
      };
      client.setRequests([request]);
    },
  });
  const codes = Object.entries(result.statusCodeStats)
    .map(([code, stat]) => `${code}×${stat.count}`)
    .join(' ');
  return {
    rps: result.requests.average,
    completed: result.latency.totalCount ?? result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statusCodes: codes,
  };
}

interface ScenarioResult {
  scenario: Scenario;
  ours: Measurement;
  /** List scenarios: the same requests to a server with LIST_CACHE_MB=0, every one through the indexes. */
  uncached?: Measurement;
  bare: Measurement;
  sampleStatus: number;
  sampleBytes: number;
}

/** A warm-up, then the measured run, at `--connections` for `--duration` seconds. */
async function warmAndMeasure(
  port: number,
  data: SeededData,
  scenario: Scenario,
  target: 'ours' | 'bare',
  options: Options,
): Promise<Measurement> {
  await measure(port, data.apiKey, scenario, target, options.connections, options.warmup);
  return measure(port, data.apiKey, scenario, target, options.connections, options.duration);
}

/**
 * Records one real response of the scenario, starts a bare server answering exactly those bytes
 * and headers, and runs `fn` against it; the bare server is stopped afterwards.
 */
async function withBareServer<T>(
  server: ServerProcess,
  data: SeededData,
  scenario: Scenario,
  file: string,
  fn: (bare: BareServer, answer: HttpAnswer) => Promise<T>,
): Promise<T> {
  const spec = scenario.sample();
  const answer = await send(
    server.port,
    spec.method,
    spec.path,
    { authorization: `Bearer ${data.apiKey}`, 'content-type': 'application/json' },
    spec.body,
  );
  if (answer.status >= 300)
    throw new Error(
      `${scenario.key}: sample request answered ${answer.status}: ${answer.body.toString().slice(0, 300)}`,
    );
  const bare = await BareServer.start(
    { status: answer.status, headers: answer.headers, bodyBase64: answer.body.toString('base64') },
    file,
  );
  try {
    return await fn(bare, answer);
  } finally {
    await bare.stop();
  }
}

async function runScenario(
  server: ServerProcess,
  data: SeededData,
  scenario: Scenario,
  options: Options,
  scratch: string,
): Promise<ScenarioResult> {
  log(`  ${scenario.key}: warm-up and ${options.duration} s against the server`);
  const ours = await warmAndMeasure(server.port, data, scenario, 'ours', options);
  return withBareServer(server, data, scenario, join(scratch, `${scenario.key}.json`), async (bare, answer) => {
    log(`  ${scenario.key}: warm-up and ${options.duration} s against the bare server (${answer.body.length} bytes)`);
    const bareResult = await warmAndMeasure(bare.port, data, scenario, 'bare', options);
    return { scenario, ours, bare: bareResult, sampleStatus: answer.status, sampleBytes: answer.body.length };
  });
}

interface LatencyResult {
  key: string;
  label: string;
  p50: number;
  p99: number;
  rps: number;
  samples: number;
  /** The bare server answering the same bytes at 1 connection, measured right after. */
  bare?: { p50: number; p99: number };
}

/**
 * One request at a time for `duration` seconds over one keep-alive connection, timed with
 * microsecond resolution (autocannon's histogram has whole milliseconds).
 */
async function sequentialLatency(
  port: number,
  apiKey: string,
  spec: () => RequestSpec,
  duration: number,
): Promise<{ p50: number; p99: number; rps: number; samples: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const headers = { authorization: `Bearer ${apiKey}` };
  const samples: number[] = [];
  const started = performance.now();
  try {
    while (performance.now() - started < duration * 1000) {
      const { method, path } = spec();
      const t0 = performance.now();
      const status = await new Promise<number>((resolveStatus, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
          res.on('data', () => {});
          res.on('end', () => resolveStatus(res.statusCode ?? 0));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
      samples.push(performance.now() - t0);
      if (status !== 200) throw new Error(`${method} ${path} answered ${status}`);
    }
  } finally {
    agent.destroy();
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return {
    p50: at(0.5),
    p99: at(0.99),
    rps: samples.length / ((performance.now() - started) / 1000),
    samples: samples.length,
  };
}

async function lightLoad(
  server: ServerProcess,
  data: SeededData,
  engine: Engine,
  duration: number,
  bareScratch?: string,
): Promise<LatencyResult[]> {
  const scenarios = buildScenarios(engine, data, 1).filter((s) => LIST_SCENARIOS.includes(s.key));
  const results: LatencyResult[] = [];
  for (const scenario of scenarios) {
    log(`  1 connection: ${scenario.key}`);
    const next = scenario.connection(0, 'ours').next;
    await sequentialLatency(server.port, data.apiKey, next, 1);
    const m = await sequentialLatency(server.port, data.apiKey, next, duration);
    const result: LatencyResult = {
      key: scenario.key,
      label: scenario.label,
      p50: m.p50,
      p99: m.p99,
      rps: m.rps,
      samples: m.samples,
    };
    if (bareScratch !== undefined) {
      // The machine's floor at that moment: the same bytes from a bare server, one at a time.
      result.bare = await withBareServer(
        server,
        data,
        scenario,
        join(bareScratch, `${scenario.key}-1.json`),
        async (bare) => {
          const bareNext = scenario.connection(0, 'bare').next;
          await sequentialLatency(bare.port, data.apiKey, bareNext, 1);
          const b = await sequentialLatency(bare.port, data.apiKey, bareNext, duration);
          return { p50: b.p50, p99: b.p99 };
        },
      );
    }
    results.push(result);
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (kb: number) => `${fmt(kb / 1024, 0)} MB`;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

async function machine(engine: Engine, options: Options): Promise<string> {
  const cpus = os.cpus();
  const sqliteVersion = (new DatabaseSync(':memory:').prepare('select sqlite_version() as v').get() as { v: string }).v;
  let postgresVersion = 'not used';
  if (engine === 'postgres') {
    const client = new pg.Client({ connectionString: options.postgresUrl });
    await client.connect();
    postgresVersion = (await client.query<{ server_version: string }>('show server_version')).rows[0].server_version;
    await client.end();
  }
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const commit = git(['rev-parse', '--short', 'HEAD']) || 'unknown';
  const dirty = git(['status', '--porcelain', '--', 'src']) !== '' ? ' with uncommitted changes in src/' : '';
  return [
    `- CPU: ${cpus[0]?.model ?? 'unknown'}, ${os.availableParallelism()} cores; memory ${fmt(os.totalmem() / 2 ** 30, 1)} GiB; ${os.type()} ${os.release()}`,
    `- Node ${process.version}; SQLite ${sqliteVersion} (node:sqlite); PostgreSQL ${postgresVersion}`,
    `- server code: commit ${commit}${dirty}`,
    `- load average when the run started: ${load} (the load generator, the server and the bare server share these cores)`,
  ].join('\n');
}

function seedLine(data: SeededData, notebooks: number): string {
  const team = data.teamProjects.reduce((sum, project) => sum + project.shortIds.length, 0);
  const teams = team > 0 ? ` and the mixed scenario's ${data.teamProjects.length} projects` : '';
  return `${fmt(data.total)} notebooks (${fmt(notebooks)} in the big project, ${fmt(data.total - notebooks)} in 4 others${teams}; ${fmt(data.contentBytes / 1e6, 0)} MB of content, plus a "created" activity row each) in ${fmt(data.seconds, 1)} s = ${fmt(data.total / data.seconds)} notebooks/s`;
}

function engineReport(
  engine: Engine,
  options: Options,
  machineText: string,
  data: SeededData,
  server: ServerProcess,
  results: ScenarioResult[],
  latency: LatencyResult[],
  secondStartMs: number | undefined,
): string {
  const lines: string[] = [];
  lines.push(
    `## ${engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'} — ${fmt(options.notebooks)} notebooks in the big project`,
  );
  lines.push('');
  lines.push(machineText);
  lines.push(
    `- ${options.connections} connections, ${options.duration} s per measurement after a ${options.warmup} s warm-up; seed ${SEED}`,
  );
  lines.push(`- seeding: ${seedLine(data, options.notebooks)}`);
  lines.push('');
  if (results.length > 0) {
    lines.push(
      '| scenario | ours req/s | bare req/s | ours ÷ bare | target | | ours p50 / p99 ms | bare p50 / p99 ms | response | non-2xx (ours) |',
    );
    lines.push('|---|---:|---:|---:|---:|---|---:|---:|---:|---:|');
  }
  for (const r of results) {
    const ratio = r.bare.rps > 0 ? r.ours.rps / r.bare.rps : 0;
    lines.push(
      `| ${r.scenario.label} | ${fmt(r.ours.rps)} | ${fmt(r.bare.rps)} | ${ratio.toFixed(2)} | ≥ ${r.scenario.target} | ${verdict(ratio >= r.scenario.target)} | ${r.ours.completed === 0 ? 'none completed' : `${fmt(r.ours.p50, 1)} / ${fmt(r.ours.p99, 1)}`} | ${fmt(r.bare.p50, 1)} / ${fmt(r.bare.p99, 1)} | ${r.sampleStatus}, ${fmt(r.sampleBytes)} B | ${r.ours.non2xx + r.ours.errors}${r.ours.non2xx + r.ours.errors > 0 ? ` (${r.ours.statusCodes})` : ''} |`,
    );
  }
  lines.push('');
  const uncached = results.filter((r) => r.uncached !== undefined);
  if (uncached.length > 0) {
    lines.push(
      'The list scenarios again with the list cache off (`LIST_CACHE_MB=0`): every request read and rendered through the indexes; the bare figure is the one above.',
    );
    lines.push('');
    lines.push('| scenario | ours req/s | bare req/s | ours ÷ bare | target | | ours p50 / p99 ms | non-2xx (ours) |');
    lines.push('|---|---:|---:|---:|---:|---|---:|---:|');
    for (const r of uncached) {
      const m = r.uncached as Measurement;
      const ratio = r.bare.rps > 0 ? m.rps / r.bare.rps : 0;
      lines.push(
        `| ${r.scenario.label} | ${fmt(m.rps)} | ${fmt(r.bare.rps)} | ${ratio.toFixed(2)} | ≥ ${r.scenario.target} | ${verdict(ratio >= r.scenario.target)} | ${fmt(m.p50, 1)} / ${fmt(m.p99, 1)} | ${m.non2xx + m.errors} |`,
      );
    }
    lines.push('');
  }
  if (latency.length > 0) {
    lines.push('Latency at light load (1 connection, list cache off):');
    lines.push('');
    lines.push('| query | p50 ms | p99 ms | target p99 | | req/s | requests | bare p50 / p99 ms |');
    lines.push('|---|---:|---:|---:|---|---:|---:|---:|');
    for (const l of latency) {
      const bare = l.bare ? `${fmt(l.bare.p50, 2)} / ${fmt(l.bare.p99, 2)}` : '–';
      lines.push(
        `| ${l.label} | ${fmt(l.p50, 2)} | ${fmt(l.p99, 2)} | ≤ 15 | ${engine === 'sqlite' ? verdict(l.p99 <= 15) : ''} | ${fmt(l.rps, l.rps < 10 ? 1 : 0)} | ${fmt(l.samples)} | ${bare} |`,
      );
    }
    lines.push('');
    lines.push(
      "The bare column is the machine's floor at that moment: the same bytes from a bare node:http server, one request at a time.",
    );
    lines.push('');
  }
  const starts = [
    `${fmt(server.coldStartMs)} ms for the server under test, started straight after seeding (target ≤ 1000: ${verdict(server.coldStartMs <= 1000)})`,
  ];
  if (secondStartMs !== undefined)
    starts.push(
      `${fmt(secondStartMs)} ms for the second, cache-off server started after it (${verdict(secondStartMs <= 1000)})`,
    );
  lines.push(
    `Resources: cold start (spawn → first 200 on /_readyz) ${starts.join('; ')}; peak RSS (VmHWM) of the server under test over the whole run ${mb(server.peakRssKb)}.`,
  );
  lines.push('');
  return lines.join('\n');
}

interface ScalePoint {
  notebooks: number;
  data: SeededData;
  coldStartMs: number;
  peakRssKb: number;
  latency: LatencyResult[];
}

function scaleReport(engine: Engine, points: ScalePoint[]): string {
  const keys = LIST_SCENARIOS;
  const lines = [`### Growth (${engine}): latency at 1 connection with the list cache off, p50 / p99 ms`, ''];
  lines.push(
    '| notebooks in the big project | seeding | list | search | contains=recording:<id> | contains=recording:true | cold start | peak RSS |',
  );
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const p of points) {
    const cells = keys.map((k) => {
      const l = p.latency.find((x) => x.key === k);
      return l ? `${fmt(l.p50, 2)} / ${fmt(l.p99, 2)}` : '–';
    });
    lines.push(
      `| ${fmt(p.notebooks)} | ${fmt(p.data.seconds, 0)} s (${fmt(p.data.total / p.data.seconds)}/s) | ${cells.join(' | ')} | ${fmt(p.coldStartMs)} ms | ${mb(p.peakRssKb)} |`,
    );
  }
  const base = points.find((p) => p.notebooks === 100_000);
  const top = points.find((p) => p.notebooks === 1_000_000);
  if (base && top) {
    lines.push('');
    for (const k of keys) {
      const a = base.latency.find((x) => x.key === k);
      const b = top.latency.find((x) => x.key === k);
      // p50 is printed too: one noisy second can move a p99 either way on a shared machine.
      if (a && b)
        lines.push(
          `- ${k}: p99 at 1M ÷ p99 at 100k = ${(b.p99 / a.p99).toFixed(2)} (target ≤ 2: ${verdict(b.p99 / a.p99 <= 2)}); p50 ratio ${(b.p50 / a.p50).toFixed(2)}`,
        );
    }
    lines.push(
      `- peak RSS during the 1M run: ${mb(top.peakRssKb)} (target ≤ 300 MB: ${verdict(top.peakRssKb <= 300 * 1024)})`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Workloads: the mixed scenario and the change streams
// ---------------------------------------------------------------------------------------------

interface MixedResult {
  connections: number;
  ours: MixMeasurement;
  bare: MixMeasurement;
  /** PostgreSQL: the same mix over two server processes on the one database. */
  twoProcesses?: MixMeasurement;
  /** The same mix against the server of --baseline-root, measured first, and its commit. */
  baseline?: {
    measurement: MixMeasurement;
    commit: string;
    peakRssKb: number;
    rounds: Array<{ baseline: MixMeasurement; ours: MixMeasurement }>;
  };
  samples: Record<string, { status: number; bytes: number; cacheStatus: string }>;
}

/** One real answer for each kind of request in the mix, as the bare server will replay it. */
async function recordMixAnswers(
  server: ServerProcess,
  plan: MixPlan,
): Promise<{ byAnswer: Record<string, RecordedResponse>; samples: MixedResult['samples'] }> {
  const team = plan.teams[0];
  const key = plan.userKeys[0];
  const base = `/api/projects/${team.projectId}/notebooks/`;
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const versions = plan.versions.get(team.projectId) as number[];
  const byAnswer: Record<string, RecordedResponse> = {};
  const samples: MixedResult['samples'] = {};
  const keep = (name: string, answer: HttpAnswer) => {
    if (answer.status >= 300)
      throw new Error(`mixed: sample ${name} answered ${answer.status}: ${answer.body.toString().slice(0, 300)}`);
    byAnswer[name] = { status: answer.status, headers: answer.headers, bodyBase64: answer.body.toString('base64') };
    const cacheStatus = answer.headers.find(([header]) => header.toLowerCase() === 'cache-status')?.[1] ?? '';
    samples[name] = { status: answer.status, bytes: answer.body.length, cacheStatus };
  };
  // The list answers as a person first sees them: rendered (a miss), the cache's own bytes after.
  keep('list', await send(server.port, 'GET', base, headers));
  keep('list-search', await send(server.port, 'GET', `${base}?search=funnel`, headers));
  keep('list-filter', await send(server.port, 'GET', `${base}?contains=recording:true`, headers));
  const notebook = Math.floor(team.shortIds.length / 2);
  keep('get', await send(server.port, 'GET', `${base}${team.shortIds[notebook]}/`, headers));
  const got = JSON.parse(byAnswer.get ? Buffer.from(byAnswer.get.bodyBase64, 'base64').toString() : '{}') as {
    version: number;
  };
  const patched = await send(
    server.port,
    'PATCH',
    `${base}${team.shortIds[notebook]}/`,
    headers,
    plan.patchBodies[0](got.version),
  );
  keep('patch', patched);
  versions[notebook] = got.version + 1;
  return { byAnswer, samples };
}

async function runMixed(
  engine: Engine,
  server: ServerProcess,
  data: SeededData,
  databaseUrl: string,
  options: Options,
  scratch: string,
): Promise<MixedResult> {
  const plan: MixPlan = {
    teams: data.teamProjects,
    userKeys: data.userKeys,
    userUuids: data.userUuids,
    patchBodies: patchBodies(),
    versions: new Map(data.teamProjects.map((team) => [team.projectId, Array.from(team.versions)])),
  };
  const connections = options.mixConnections;
  let run = 0;
  const warmAndMix = async (ports: number[], target: 'ours' | 'bare') => {
    await measureMix(plan, ports, connections, options.warmup, run++, target);
    return measureMix(plan, ports, connections, options.duration, run++, target);
  };
  let baseline: MixedResult['baseline'];
  let ours: MixMeasurement;
  if (options.baselineRoot !== undefined) {
    const root = options.baselineRoot;
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const before = await ServerProcess.start(databaseUrl, { root });
    // Baseline and ours in turns, twice: on a shared machine a single pair can be decided by
    // whatever else ran during one of the two.
    const rounds: NonNullable<MixedResult['baseline']>['rounds'] = [];
    try {
      for (let round = 1; round <= 2; round++) {
        log(`  mixed, round ${round}: warm-up and ${options.duration} s against the baseline server (${commit})`);
        const then = await warmAndMix([before.port], 'ours');
        log(`  mixed, round ${round}: warm-up and ${options.duration} s against the server`);
        const now = await warmAndMix([server.port], 'ours');
        rounds.push({ baseline: then, ours: now });
      }
    } finally {
      await before.stop();
    }
    baseline = { measurement: rounds[0].baseline, commit, peakRssKb: before.peakRssKb, rounds };
    ours = rounds[0].ours;
  } else {
    log(`  mixed: warm-up and ${options.duration} s, ${connections} people in ${plan.teams.length} projects`);
    ours = await warmAndMix([server.port], 'ours');
  }
  const { byAnswer, samples } = await recordMixAnswers(server, plan);
  const file = join(scratch, 'mixed.json');
  const bare = await BareServer.start({ byAnswer } satisfies RecordedAnswers, file);
  let bareResult: MixMeasurement;
  try {
    log(`  mixed: warm-up and ${options.duration} s against the bare server`);
    bareResult = await warmAndMix([bare.port], 'bare');
  } finally {
    await bare.stop();
  }
  let twoProcesses: MixMeasurement | undefined;
  if (engine === 'postgres') {
    const second = await ServerProcess.start(databaseUrl, {});
    try {
      log(`  mixed: warm-up and ${options.duration} s over two server processes`);
      twoProcesses = await warmAndMix([server.port, second.port], 'ours');
    } finally {
      await second.stop();
    }
  }
  return { connections, ours, bare: bareResult, twoProcesses, baseline, samples };
}

interface StreamsResult {
  streams: number;
  writers: number;
  result: Awaited<ReturnType<typeof measureChangeStreams>>;
}

async function runStreams(server: ServerProcess, data: SeededData, options: Options): Promise<StreamsResult> {
  const bodies = patchBodies();
  const writers = options.connections;
  // The big project's last notebooks: no other scenario edits them, so their versions are the seeded ones.
  const perWriter = 5;
  const first = data.shortIds.length - writers * perWriter;
  const notebooks = Array.from({ length: writers }, (_, w) =>
    Array.from({ length: perWriter }, (_, k) => {
      const index = first + w * perWriter + k;
      return { shortId: data.shortIds[index], version: data.versions[index] };
    }),
  );
  log(`  streams: ${options.duration} s of PATCHes alone, then with ${options.streams} open streams`);
  const result = await measureChangeStreams({
    port: server.port,
    projectId: data.bigProjectId,
    streamKeys: data.streamKeys,
    writerKey: data.apiKey,
    notebooks,
    patchBody: (version) => bodies[version % 2](version),
    streams: options.streams,
    seconds: options.duration,
  });
  return { streams: options.streams, writers, result };
}

const ms = (value: number) => fmt(value, value < 10 ? 2 : 1);

function mixedReport(engine: Engine, mixed: MixedResult): string {
  const { ours, bare } = mixed;
  const lines: string[] = [];
  lines.push(
    `### Mixed scenario (${engine}): ${mixed.connections} people in ${TEAM_PROJECTS} projects, 35% list / 45% GET / 20% PATCH`,
  );
  lines.push('');
  lines.push(
    '| kind | ours req/s | bare req/s | ours ÷ bare | ours p50 / p99 ms | bare p50 / p99 ms | answers (ours) |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---|');
  const row = (label: string, o: MixMeasurement['total'], b: MixMeasurement['total']) =>
    `| ${label} | ${fmt(o.rps)} | ${fmt(b.rps)} | ${(b.rps > 0 ? o.rps / b.rps : 0).toFixed(2)} | ${ms(o.p50)} / ${ms(o.p99)} | ${ms(b.p50)} / ${ms(b.p99)} | ${o.statuses} |`;
  lines.push(row('the whole mix', ours.total, bare.total));
  for (const kind of MIX_KINDS) lines.push(row(kind, ours.kinds[kind], bare.kinds[kind]));
  lines.push('');
  const hitRate = ours.listAnswers > 0 ? ours.listHits / ours.listAnswers : 0;
  lines.push(
    `- list cache hit rate (Cache-Status): ${(hitRate * 100).toFixed(1)}% of ${fmt(ours.listAnswers)} list answers`,
  );
  lines.push(
    `- version conflicts (409, then the person opens the notebook again): ${fmt(ours.conflicts)}; socket errors and timeouts: ${ours.errors}`,
  );
  lines.push(
    `- the bare server's recorded answers: ${Object.entries(mixed.samples)
      .map(([name, sample]) => `${name} ${sample.status} ${fmt(sample.bytes)} B`)
      .join(', ')}`,
  );
  if (engine === 'sqlite') {
    const ratio = bare.total.rps > 0 ? ours.total.rps / bare.total.rps : 0;
    lines.push(`- targets: mix ≥ 0.25× bare: ${ratio.toFixed(2)} (${verdict(ratio >= 0.25)})`);
    if (mixed.connections === 32)
      lines.push(
        `- list p99 in the mix ≤ 25 ms at 32 connections: ${ms(ours.kinds.list.p99)} ms (${verdict(ours.kinds.list.p99 <= 25)})`,
      );
  }
  if (mixed.baseline) {
    const before = mixed.baseline.measurement;
    lines.push('');
    lines.push(
      `Baseline (commit ${mixed.baseline.commit}) and ours on the same database, in turns: req/s of the whole mix / PATCH, list p99 ms. The tables above and below are round 1.`,
    );
    lines.push('');
    lines.push(
      '| round | baseline mix / PATCH req/s | baseline list p99 | ours mix / PATCH req/s | ours list p99 | ours ÷ baseline (mix / PATCH) |',
    );
    lines.push('|---|---:|---:|---:|---:|---:|');
    for (const [index, round] of mixed.baseline.rounds.entries()) {
      const b = round.baseline;
      const o = round.ours;
      lines.push(
        `| ${index + 1} | ${fmt(b.total.rps)} / ${fmt(b.kinds.patch.rps)} | ${ms(b.kinds.list.p99)} | ${fmt(o.total.rps)} / ${fmt(o.kinds.patch.rps)} | ${ms(o.kinds.list.p99)} | ${(o.total.rps / Math.max(1e-9, b.total.rps)).toFixed(2)} / ${(o.kinds.patch.rps / Math.max(1e-9, b.kinds.patch.rps)).toFixed(2)} |`,
      );
    }
    lines.push('');
    lines.push(
      `The same mix against the baseline server (commit ${mixed.baseline.commit}, same database, measured just before ours; peak RSS ${mb(mixed.baseline.peakRssKb)}):`,
    );
    lines.push('');
    lines.push('| kind | baseline req/s | ÷ bare | p50 / p99 ms | ours ÷ baseline (req/s) | answers |');
    lines.push('|---|---:|---:|---:|---:|---|');
    const beforeRow = (
      label: string,
      b: MixMeasurement['total'],
      o: MixMeasurement['total'],
      bare: MixMeasurement['total'],
    ) =>
      `| ${label} | ${fmt(b.rps)} | ${(bare.rps > 0 ? b.rps / bare.rps : 0).toFixed(2)} | ${ms(b.p50)} / ${ms(b.p99)} | ${(b.rps > 0 ? o.rps / b.rps : 0).toFixed(2)} | ${b.statuses} |`;
    lines.push(beforeRow('the whole mix', before.total, ours.total, bare.total));
    for (const kind of MIX_KINDS) lines.push(beforeRow(kind, before.kinds[kind], ours.kinds[kind], bare.kinds[kind]));
    lines.push('');
    const beforeHits = before.listAnswers > 0 ? before.listHits / before.listAnswers : 0;
    lines.push(`- baseline list cache hit rate: ${(beforeHits * 100).toFixed(1)}%; conflicts ${fmt(before.conflicts)}`);
    if (engine === 'sqlite') {
      const gain = before.kinds.patch.rps > 0 ? ours.kinds.patch.rps / before.kinds.patch.rps : 0;
      lines.push(`- target: PATCH in the mix ≥ 2× the baseline's: ${gain.toFixed(2)}× (${verdict(gain >= 2)})`);
    }
  }
  if (mixed.twoProcesses) {
    const two = mixed.twoProcesses;
    lines.push('');
    lines.push('Two server processes on the one database, the people split between them:');
    lines.push('');
    lines.push('| kind | req/s | p50 / p99 ms | ÷ bare (one process) | answers |');
    lines.push('|---|---:|---:|---:|---|');
    const twoRow = (label: string, o: MixMeasurement['total'], b: MixMeasurement['total']) =>
      `| ${label} | ${fmt(o.rps)} | ${ms(o.p50)} / ${ms(o.p99)} | ${(b.rps > 0 ? o.rps / b.rps : 0).toFixed(2)} | ${o.statuses} |`;
    lines.push(twoRow('the whole mix', two.total, bare.total));
    for (const kind of MIX_KINDS) lines.push(twoRow(kind, two.kinds[kind], bare.kinds[kind]));
    lines.push('');
    const twoHits = two.listAnswers > 0 ? two.listHits / two.listAnswers : 0;
    lines.push(`- list cache hit rate: ${(twoHits * 100).toFixed(1)}%; conflicts ${fmt(two.conflicts)}`);
  }
  lines.push('');
  return lines.join('\n');
}

function streamsReport(engine: Engine, streams: StreamsResult): string {
  const r = streams.result;
  const cost = r.patchesPerSecondAlone > 0 ? r.patchesPerSecondWithStreams / r.patchesPerSecondAlone : 0;
  return [
    `### Change streams (${engine}): ${streams.streams} open streams on one project while ${streams.writers} connections PATCH`,
    '',
    '| PATCH/s alone | PATCH/s with the streams | ratio | write → event p50 / p99 ms | events received / expected |',
    '|---:|---:|---:|---:|---:|',
    `| ${fmt(r.patchesPerSecondAlone)} | ${fmt(r.patchesPerSecondWithStreams)} | ${cost.toFixed(2)} | ${ms(r.delayP50)} / ${ms(r.delayP99)} | ${fmt(r.eventsReceived)} / ${fmt(r.eventsExpected)} |`,
    '',
    "The delay runs from the PATCH's 2xx at the client to the event's arrival on each stream (0 when the event came first).",
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function withSeededServer<T>(
  engine: Engine,
  options: Options,
  notebooks: number,
  teamNotebooks: number,
  serverOptions: { cpuProfDir?: string; env?: Record<string, string> },
  fn: (data: SeededData, server: ServerProcess, databaseUrl: string) => Promise<T>,
): Promise<T> {
  const database = await createDatabase(engine, options);
  try {
    log(
      `seeding ${engine} (${database.describe}): ${fmt(notebooks)} notebooks in the big project and as many again in other projects${teamNotebooks > 0 ? `, ${TEAM_PROJECTS} × ${fmt(teamNotebooks)} in the mixed scenario's` : ''}`,
    );
    const data = await seed(engine, database, notebooks, teamNotebooks);
    log(`  ${seedLine(data, notebooks)}`);
    const running = await ServerProcess.start(database.url, serverOptions);
    log(`server up on port ${running.port} in ${fmt(running.coldStartMs)} ms`);
    try {
      return await fn(data, running, database.url);
    } catch (error) {
      log(`the server's last output:\n${running.output}`);
      throw error;
    } finally {
      await running.stop();
    }
  } finally {
    if (options.keep) log(`kept the database: ${database.url}`);
    await database.drop();
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const engine = options.engine;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  mkdirSync(OUT_DIR, { recursive: true });
  const scratch = mkdtempSync(join(os.tmpdir(), 'notebooks-bench-bare-'));
  checkGeneratedSearchText({ notebooks: options.notebooks, seed: SEED }, 50);
  const machineText = await machine(engine, options);
  const cpuProfDir = options.cpuProf ? join(OUT_DIR, `prof-${engine}-${stamp}`) : undefined;
  const sections: string[] = [
    `# Notebooks benchmark (${engine})`,
    '',
    `Command: \`npm run bench -- ${process.argv.slice(2).join(' ')}\``,
    '',
  ];
  try {
    const selected = (key: string) => options.only === null || options.only.has(key);
    const main = await withSeededServer(
      engine,
      options,
      options.notebooks,
      selected('mixed') ? options.teamNotebooks : 0,
      { cpuProfDir },
      async (data, server, databaseUrl) => {
        const scenarios = buildScenarios(engine, data, options.connections).filter(
          (s) => options.only === null || options.only.has(s.key),
        );
        // First, on the data exactly as seeded (writes come last), a second server with the list
        // cache off: latency at light load and the list scenarios as the indexes answer them. The
        // server under test waits idle meanwhile.
        let latency: LatencyResult[] = [];
        let secondStartMs: number | undefined;
        const uncached = new Map<string, Measurement>();
        const listScenarios = scenarios.filter((s) => LIST_SCENARIOS.includes(s.key));
        if (listScenarios.length > 0) {
          const plain = await ServerProcess.start(databaseUrl, { env: UNCACHED });
          secondStartMs = plain.coldStartMs;
          try {
            if (options.only === null) latency = await lightLoad(plain, data, engine, options.duration, scratch);
            for (const scenario of listScenarios) {
              log(`  ${scenario.key}: warm-up and ${options.duration} s against the server with LIST_CACHE_MB=0`);
              uncached.set(scenario.key, await warmAndMeasure(plain.port, data, scenario, 'ours', options));
            }
          } finally {
            await plain.stop();
          }
        }
        const results: ScenarioResult[] = [];
        for (const scenario of scenarios)
          results.push({
            ...(await runScenario(server, data, scenario, options, scratch)),
            uncached: uncached.get(scenario.key),
          });
        const mixed = selected('mixed')
          ? await runMixed(engine, server, data, databaseUrl, options, scratch)
          : undefined;
        const streams = selected('streams') ? await runStreams(server, data, options) : undefined;
        return { data, results, latency, server, secondStartMs, mixed, streams };
      },
    );
    sections.push(
      engineReport(
        engine,
        options,
        machineText,
        main.data,
        main.server,
        main.results,
        main.latency,
        main.secondStartMs,
      ),
    );
    if (main.mixed) sections.push(mixedReport(engine, main.mixed));
    if (main.streams) sections.push(streamsReport(engine, main.streams));
    sections.push(`Peak RSS (VmHWM) of the server under test over all of the above: ${mb(main.server.peakRssKb)}.\n`);
    if (cpuProfDir) sections.push(`CPU profile of the server: ${cpuProfDir}\n`);
    if (options.scale) {
      const points: ScalePoint[] = [];
      for (const notebooks of options.scale) {
        log(`scale point: ${fmt(notebooks)} notebooks`);
        const point = await withSeededServer(engine, options, notebooks, 0, { env: UNCACHED }, async (data, server) => {
          const latency = await lightLoad(server, data, engine, options.duration);
          return { notebooks, data, coldStartMs: server.coldStartMs, peakRssKb: 0, latency, server };
        });
        points.push({ ...point, peakRssKb: point.server.peakRssKb });
        log(scaleReport(engine, points));
      }
      sections.push(scaleReport(engine, points));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const markdown = sections.join('\n');
  const file = join(OUT_DIR, `${engine}-${stamp}.md`);
  writeFileSync(file, markdown);
  process.stdout.write(`${markdown}\n`);
  log(`written to ${file}`);
}

await main();
