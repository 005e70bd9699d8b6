import { once } from 'node:events';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import pg from 'pg';
import { renderJsonbText } from '../src/compat/python-json-text.ts';
import { type DatabaseTarget, openDatabase } from '../src/db/database.ts';
import type { JsonObject, JsonValue } from '../src/json/json-value.ts';
import { toJsonbOrder, toJsonbText } from '../src/json/jsonb-text.ts';
import { containsFacts } from '../src/notebooks/contains/contains-facts.ts';
import { lexemes } from '../src/notebooks/search/search-text.ts';
import { FILL_CONTENT_FACT_ROWS } from '../src/notebooks/storage/postgres-notebook-storage.ts';
import { LIST_KEY_SLOTS, listKeyBucket, searchTerm } from '../src/notebooks/storage/sqlite-notebook-storage.ts';
import { createServices, migrateDatabase } from '../src/services.ts';

// A deterministic data set for the benchmark: the same seed gives the same notebooks, ids and
// all, so two runs (or two engines) measure the same data.

/** mulberry32: a small, fast 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Product-analytics prose: common English (stop words included, as in real text) and domain words.
const WORDS = (
  'the the the the a a a an of of of to to to and and and in in is is it that for on with as was be by this are or from at ' +
  'we our you they users user team teams product products feature features funnel funnels conversion retention cohort cohorts ' +
  'event events pageview pageviews session sessions recording recordings replay replays insight insights dashboard dashboards ' +
  'metric metrics trend trends signup signups checkout onboarding pricing page pages button click clicks flag flags experiment ' +
  'experiments variant variants control test tests rollout release releases mobile desktop browser android ios web app apps ' +
  'api query queries filter filters breakdown property properties person persons group groups organization account accounts ' +
  'billing plan plans upgrade downgrade churn revenue growth activation engagement weekly daily monthly quarter quarterly ' +
  'goal goals target targets baseline improvement regression drop spike increase decrease week month year today yesterday ' +
  'customer customers interview interviews feedback survey surveys note notes summary findings hypothesis result results ' +
  'analysis analyze analyzed compare compared against baseline segment segments path paths journey journeys step steps ' +
  'error errors exception exceptions latency performance slow fast load loading time duration median average percentile ' +
  'search searched navigation menu settings profile invite invited member members admin permission permissions access ' +
  'data warehouse pipeline export import sync synced source sources destination schema table tables column columns ' +
  'launch launched shipped ship shipping plan planning roadmap priority priorities sprint backlog ticket tickets bug bugs ' +
  'fix fixed broken confusing clear unclear easy hard simple complex new old first last next previous early late ' +
  'because however therefore also still only just about around between during after before while since until ' +
  'should could would might will can may must need needs needed want wants wanted see saw seen look looked looking ' +
  'think thought believe expect expected suggest suggests suggested show shows showed shown find found make made ' +
  'users dropped off at the pricing step most people never returned after their first session we should rerun this ' +
  'hesitated scrolled rage clicked dead clicks form field email password address country currency discount coupon ' +
  'trial trials free paid enterprise startup scale team seat seats usage limit limits quota invoice invoices'
).split(' ');

/** The planted search word: in about 1% of notebooks, and nowhere else. */
export const SEARCH_WORD = 'quokka';
const SEARCH_RATE = 0.01;
const RECORDING_RATE = 0.12;
const QUERY_RATE = 0.08;
const FLAG_RATE = 0.05;
const DELETED_RATE = 0.02;
const INTERNAL_RATE = 0.01;
const USERS = 8;
const OTHER_PROJECTS = 4;
const YEAR_MS = 365 * 24 * 3600 * 1000;
// Edits are spread over the year before this fixed instant, so the data does not depend on the clock.
const END_MS = Date.UTC(2026, 0, 1);
const NON_ALNUM = /[^A-Za-z0-9]+/;
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SHORT_ID_SPACE = 62n ** 8n;
// An affine bijection of [0, 62^8): distinct notebooks get distinct, random-looking short ids.
const SHORT_ID_MULTIPLIER = 137_438_953_471n; // odd and not a multiple of 31, so coprime to 62^8
const SHORT_ID_OFFSET = 91_234_567_890_123n;

export interface GeneratedNotebook {
  id: string;
  shortId: string;
  teamId: number;
  title: string;
  contentJson: string;
  textContent: string;
  deleted: boolean;
  visibility: string;
  version: number;
  createdAt: Date;
  createdById: number;
  lastModifiedAt: Date;
  lastModifiedById: number;
  /** notebook_search's columns, as dialect.indexNotebook writes them. */
  searchTitle: string;
  searchText: string;
  facts: string[];
}

export interface SeedPlan {
  /** Notebooks in the big project; the other projects get as many again between them. */
  notebooks: number;
  seed: number;
  /** Projects of the mixed scenario, after all the others: how many, and notebooks in each. */
  teamProjects?: number;
  teamNotebooks?: number;
}

/** One project of the mixed scenario: its notebooks that are not deleted, with their versions. */
export interface TeamProject {
  projectId: number;
  shortIds: string[];
  versions: number[];
}

/** Words the mixed scenario searches for: common ones, rarer ones, and the planted one. */
export const MIX_SEARCH_WORDS = [
  'funnel',
  'retention',
  'checkout',
  'onboarding',
  'churn',
  'coupon',
  'hesitated',
  SEARCH_WORD,
];
const STREAM_KEYS = 10;

export interface SeededData {
  bigProjectId: number;
  apiKey: string;
  /** Every notebook written, all projects. */
  total: number;
  /** Big project, not deleted: what GET and PATCH may address. */
  shortIds: string[];
  versions: Int32Array;
  /** Index in shortIds of a notebook whose content has the data set's mean size (the GET sample). */
  typicalIndex: number;
  searchWord: string;
  /** Notebooks of the big project (visible, not deleted) that carry the search word / the recording. */
  searchMatches: number;
  recordingId: string;
  recordingMatches: number;
  recordingAny: number;
  seconds: number;
  contentBytes: number;
  /** The mixed scenario's projects (empty unless the plan asks for them). */
  teamProjects: TeamProject[];
  /** One key (scope *) per user, in user order, and the users' uuids. */
  userKeys: string[];
  userUuids: string[];
  /** Keys for the change-stream scenario (each may hold 20 streams), spread over the users. */
  streamKeys: string[];
}

function uuidFrom(rng: () => number, ms: number): string {
  const hex = (n: number, width: number) => Math.floor(n).toString(16).padStart(width, '0');
  const time = ms.toString(16).padStart(12, '0');
  const a = hex(rng() * 0x1000, 3);
  const b = hex(0x8000 + rng() * 0x4000, 4);
  const c = hex(rng() * 0x1000000, 6) + hex(rng() * 0x1000000, 6);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${a}-${b}-${c}`;
}

function shortIdOf(index: number): string {
  let value = (BigInt(index) * SHORT_ID_MULTIPLIER + SHORT_ID_OFFSET) % SHORT_ID_SPACE;
  let out = '';
  for (let i = 0; i < 8; i++) {
    out = BASE62[Number(value % 62n)] + out;
    value /= 62n;
  }
  return out;
}

/** Where the generated notebooks go: projects, users, and the recording ids to plant. */
interface Layout {
  bigProjectId: number;
  otherProjectIds: number[];
  teamProjectIds: number[];
  teamNotebooks: number;
  userIds: number[];
  recordingPool: string[];
  targetRecording: string;
  /** One notebook in this many (of the big project) embeds the target recording. */
  targetEvery: number;
}

/** A stored top-level node with what the derived indexes need from it. */
interface Block {
  node: JsonValue;
  json: string;
  /** Its texts as text_content shows them, one per paragraph or list item. */
  texts: string[];
  lexemes: string[];
}

// Prose blocks are drawn from a pool made once per run: notebooks then cost little more than
// the database writes, which keeps seeding fast. The pool is big enough that notebooks differ.
const POOL_BLOCKS = 20_000;
const POOL_PLANTED = 500;

class NotebookGenerator {
  readonly #rng: () => number;
  readonly #layout: Layout;
  readonly #lexemeCache = new Map<string, string[]>();
  readonly #pool: Block[] = [];
  readonly #planted: Block[] = [];

  constructor(seed: number, layout: Layout, poolBlocks = POOL_BLOCKS) {
    this.#rng = mulberry32(seed);
    this.#layout = layout;
    for (let i = 0; i < poolBlocks; i++) this.#pool.push(this.#proseBlock(false));
    for (let i = 0; i < Math.min(POOL_PLANTED, poolBlocks); i++) this.#planted.push(this.#proseBlock(true));
  }

  #block(node: JsonObject, texts: string[]): Block {
    const stored = toJsonbOrder(node);
    const found = new Set<string>();
    for (const text of texts) this.#addLexemes(text, found);
    return { node: stored, json: JSON.stringify(stored), texts, lexemes: [...found] };
  }

  /** A paragraph (with the search word if `plant`), a heading or a list. */
  #proseBlock(plant: boolean): Block {
    const roll = plant ? 1 : this.#rng();
    if (roll < 0.2) {
      const text = this.#sentence(2, 6).slice(0, -1);
      return this.#block({ type: 'heading', attrs: { level: this.#int(2, 3) }, content: [{ type: 'text', text }] }, [
        text,
      ]);
    }
    if (roll < 0.45) {
      const items: JsonObject[] = [];
      const texts: string[] = [];
      const count = this.#int(2, 6);
      for (let i = 0; i < count; i++) {
        const text = this.#sentence(3, 14);
        texts.push(text);
        items.push({ type: 'listItem', content: [{ type: 'paragraph', content: this.#inline(text) }] });
      }
      return this.#block(
        {
          type: this.#rng() < 0.7 ? 'bulletList' : 'orderedList',
          ...(this.#rng() < 0.5 ? {} : { attrs: { start: 1 } }),
          content: items,
        },
        texts,
      );
    }
    const text = this.#paragraphText(plant);
    return this.#block({ type: 'paragraph', content: this.#inline(text) }, [text]);
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#rng() * items.length)];
  }

  #int(min: number, max: number): number {
    return min + Math.floor(this.#rng() * (max - min + 1));
  }

  #words(count: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(this.#pick(WORDS));
    return out;
  }

  #sentence(min: number, max: number): string {
    const words = this.#words(this.#int(min, max));
    words[0] = words[0][0].toUpperCase() + words[0].slice(1);
    return `${words.join(' ')}.`;
  }

  /** Text nodes for a run of prose, some words bold or italic or a link, as an editor makes them. */
  #inline(text: string): JsonObject[] {
    if (this.#rng() < 0.7) return [{ type: 'text', text }];
    const cut = text.indexOf(' ', Math.floor(text.length / 3));
    const end = text.indexOf(' ', cut + 1 + Math.floor(this.#rng() * 20));
    if (cut < 0 || end < 0) return [{ type: 'text', text }];
    const mark = this.#pick(['bold', 'italic', 'code', 'link']);
    const marks: JsonValue =
      mark === 'link'
        ? [{ type: 'link', attrs: { href: 'https://example.com/docs', target: '_blank', class: null } }]
        : [{ type: mark }];
    return [
      { type: 'text', text: text.slice(0, cut + 1) },
      { type: 'text', text: text.slice(cut + 1, end), marks },
      { type: 'text', text: text.slice(end) },
    ];
  }

  #paragraphText(plant: boolean): string {
    const sentences: string[] = [];
    const count = this.#int(1, 5);
    for (let i = 0; i < count; i++) sentences.push(this.#sentence(5, 18));
    if (plant) sentences.splice(this.#int(0, sentences.length), 0, `The ${SEARCH_WORD} cohort behaves differently.`);
    return sentences.join(' ');
  }

  #nodeAttrs(extra: JsonObject): JsonObject {
    return {
      ...extra,
      nodeId: uuidFrom(this.#rng, END_MS - YEAR_MS),
      height: null,
      title: null,
      __init: null,
      children: null,
    };
  }

  /**
   * lexemes(text) for our ASCII prose: its tokens are the runs of ASCII letters and digits, and a
   * token's lexeme does not depend on its neighbours, so each distinct token is stemmed once.
   * checkGeneratedSearchText compares the result with lexemes() of the whole text.
   */
  #addLexemes(text: string, into: Set<string>): void {
    for (const token of text.split(NON_ALNUM)) {
      if (token === '') continue;
      let found = this.#lexemeCache.get(token);
      if (found === undefined) {
        found = lexemes(token);
        this.#lexemeCache.set(token, found);
      }
      for (const lexeme of found) into.add(lexeme);
    }
  }

  /** One notebook; `index` is its position in the whole data set (it decides the short id). */
  next(index: number, teamId: number): GeneratedNotebook {
    const rng = this.#rng;
    const layout = this.#layout;
    // Sizes are log-uniform over 1–20 KB: many short notes, a long tail of long ones.
    const target = Math.round(1024 * Math.exp(rng() * Math.log(20)));
    const inBig = teamId === layout.bigProjectId;
    const plantSearch = rng() < SEARCH_RATE;
    const recordings: string[] = [];
    if (inBig && index % layout.targetEvery === 0) recordings.push(layout.targetRecording);
    if (rng() < RECORDING_RATE) {
      const count = this.#int(1, 3);
      for (let i = 0; i < count; i++) recordings.push(this.#pick(layout.recordingPool));
    }
    const hasQuery = rng() < QUERY_RATE;
    const hasFlag = rng() < FLAG_RATE;

    const title = this.#sentence(2, 7).slice(0, -1);
    const blocks: Block[] = [];
    let size = 30;
    const push = (block: Block) => {
      blocks.push(block);
      size += block.json.length + 1;
    };
    push(this.#block({ type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: title }] }, []));

    const specials: Array<() => Block> = [];
    for (const recording of recordings) {
      specials.push(() =>
        this.#block({ type: 'ph-recording', attrs: this.#nodeAttrs({ id: recording, noInspector: false }) }, []),
      );
      const comments = rng() < 0.6 ? this.#int(1, 4) : 0;
      for (let i = 0; i < comments; i++) {
        specials.push(() => {
          const playbackTime = this.#int(1_000, 1_800_000);
          const seconds = Math.floor(playbackTime / 1000);
          const stamp = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
          const comment = ` ${this.#sentence(4, 12)}`;
          return this.#block(
            {
              type: 'paragraph',
              content: [
                { type: 'ph-replay-timestamp', attrs: { playbackTime, sessionRecordingId: recording } },
                { type: 'text', text: comment },
              ],
            },
            [`${stamp}${comment}`],
          );
        });
      }
    }
    if (hasQuery) {
      specials.push(() =>
        this.#block(
          {
            type: 'ph-query',
            attrs: this.#nodeAttrs({
              query: { kind: 'SavedInsightNode', shortId: shortIdOf(this.#int(0, 5000) + 7_000_000_000) },
            }),
          },
          [],
        ),
      );
    }
    if (hasFlag)
      specials.push(() =>
        this.#block({ type: 'ph-feature-flag', attrs: this.#nodeAttrs({ id: this.#int(1, 400) }) }, []),
      );

    let planted = !plantSearch;
    while (size < target || specials.length > 0 || !planted) {
      const roll = rng();
      if (specials.length > 0 && (roll < 0.2 || size >= target)) {
        push(specials.splice(Math.floor(rng() * specials.length), 1)[0]());
      } else if (!planted && (roll < 0.5 || size >= target)) {
        push(this.#pick(this.#planted));
        planted = true;
      } else {
        push(this.#pick(this.#pool));
      }
    }

    const contentJson = `{"type":"doc","content":[${blocks.map((b) => b.json).join(',')}]}`;
    const texts = [title];
    const searchText = new Set<string>();
    const searchTitle = new Set<string>();
    this.#addLexemes(title, searchTitle);
    for (const lexeme of searchTitle) searchText.add(lexeme);
    for (const block of blocks) {
      for (const text of block.texts) texts.push(text);
      for (const lexeme of block.lexemes) searchText.add(lexeme);
    }
    const textContent = texts.join('\n\n');

    const createdMs = END_MS - Math.floor(rng() * YEAR_MS);
    const version = Math.floor(rng() ** 3 * 40);
    const modifiedMs = version === 0 ? createdMs : createdMs + Math.floor(rng() * (END_MS - createdMs));
    const creator = layout.userIds[Math.floor(rng() ** 2 * layout.userIds.length)];
    const modifier = rng() < 0.6 ? creator : this.#pick(layout.userIds);
    return {
      id: uuidFrom(rng, createdMs),
      shortId: shortIdOf(index),
      teamId,
      title,
      contentJson,
      textContent,
      deleted: rng() < DELETED_RATE,
      visibility: rng() < INTERNAL_RATE ? 'internal' : 'default',
      version,
      createdAt: new Date(createdMs),
      createdById: creator,
      lastModifiedAt: new Date(modifiedMs),
      lastModifiedById: modifier,
      searchTitle: [...searchTitle].join(' '),
      searchText: [...searchText].join(' '),
      facts: containsFacts({ type: 'doc', content: blocks.map((b) => b.node) }),
    };
  }
}

/** A fresh content body for PATCH/POST, from the same generator. */
export function sampleNotebookBody(seed: number): { title: string; content: JsonValue; text_content: string } {
  const generator = new NotebookGenerator(
    seed,
    {
      bigProjectId: 0,
      otherProjectIds: [],
      teamProjectIds: [],
      teamNotebooks: 0,
      userIds: [1],
      recordingPool: ['01900000-0000-7000-8000-000000000000'],
      targetRecording: '',
      targetEvery: Number.MAX_SAFE_INTEGER,
    },
    500,
  );
  let notebook = generator.next(1, 1);
  // Keep the write bodies at a typical size (2–6 KB).
  while (notebook.contentJson.length < 2048 || notebook.contentJson.length > 6144) notebook = generator.next(1, 1);
  return {
    title: notebook.title,
    content: JSON.parse(notebook.contentJson) as JsonValue,
    text_content: notebook.textContent,
  };
}

interface UserKeys {
  userKeys: string[];
  userUuids: string[];
  streamKeys: string[];
}

/** The accounts through the service (its rules, hashed key), then the layout of the data set. */
async function createAccounts(
  target: DatabaseTarget,
  plan: SeedPlan,
): Promise<{ layout: Layout; apiKey: string; organizationId: string; keys: UserKeys }> {
  const db = await openDatabase(target, { poolSize: 2 });
  try {
    await migrateDatabase(db);
    const { accounts } = createServices(db, { listCacheBytes: 0, rateLimits: { windows: [] } });
    const org = await accounts.createOrganization('Bench organization');
    const big = await accounts.createProject({ name: 'Big project', organizationId: org.id });
    const others = [];
    for (let i = 0; i < OTHER_PROJECTS; i++)
      others.push(await accounts.createProject({ name: `Project ${i + 2}`, organizationId: org.id }));
    const userIds: number[] = [];
    const userUuids: string[] = [];
    for (let i = 0; i < USERS; i++) {
      const user = await accounts.createUser({
        email: `user${i}@bench.local`,
        firstName: `User${i}`,
        lastName: 'Bench',
        organizationId: org.id,
        level: i === 0 ? 'owner' : 'member',
      });
      userIds.push(user.id);
      userUuids.push(user.uuid);
    }
    const key = await accounts.createKey({ email: 'user0@bench.local', label: 'bench', scopes: ['*'] });
    // After every account the data set had before, so that its ids and notebooks stay the same.
    const teams = [];
    for (let i = 0; i < (plan.teamProjects ?? 0); i++)
      teams.push(await accounts.createProject({ name: `Team ${i + 1}`, organizationId: org.id }));
    const keys: UserKeys = { userKeys: [], userUuids: [], streamKeys: [] };
    for (let i = 0; i < USERS; i++) {
      const email = `user${i}@bench.local`;
      keys.userKeys.push((await accounts.createKey({ email, label: 'bench person', scopes: ['*'] })).value);
    }
    for (let i = 0; i < STREAM_KEYS; i++) {
      const email = `user${i % USERS}@bench.local`;
      keys.streamKeys.push((await accounts.createKey({ email, label: `bench stream ${i}`, scopes: ['*'] })).value);
    }
    const rng = mulberry32(plan.seed ^ 0x5eed);
    const recordingPool: string[] = [];
    for (let i = 0; i < Math.max(50, Math.floor(plan.notebooks / 50)); i++)
      recordingPool.push(uuidFrom(rng, END_MS - Math.floor(rng() * YEAR_MS)));
    const layout: Layout = {
      bigProjectId: big.id,
      otherProjectIds: others.map((p) => p.id),
      teamProjectIds: teams.map((p) => p.id),
      teamNotebooks: plan.teamNotebooks ?? 0,
      userIds,
      recordingPool,
      targetRecording: uuidFrom(rng, END_MS - 1000),
      targetEvery: Math.max(1, Math.floor(plan.notebooks / 20)),
    };
    keys.userUuids = userUuids;
    return { layout, apiKey: key.value, organizationId: org.id, keys };
  } finally {
    await db.close();
  }
}

/** Batches of generated notebooks: the big project first, then the others. */
function* batches(plan: SeedPlan, layout: Layout, size: number): Generator<GeneratedNotebook[]> {
  const generator = new NotebookGenerator(plan.seed, layout);
  const teams: Array<[number, number]> = [[layout.bigProjectId, plan.notebooks]];
  const perOther = Math.ceil(plan.notebooks / layout.otherProjectIds.length);
  for (const id of layout.otherProjectIds) teams.push([id, perOther]);
  for (const id of layout.teamProjectIds) teams.push([id, layout.teamNotebooks]);
  let index = 0;
  for (const [teamId, count] of teams) {
    for (let start = 0; start < count; start += size) {
      const batch: GeneratedNotebook[] = [];
      for (let i = start; i < Math.min(count, start + size); i++) batch.push(generator.next(index++, teamId));
      yield batch;
    }
  }
}

const WORKER_ROLE = 'bench-seed-generator';
const IN_FLIGHT = 4;

/**
 * The same batches, generated on a worker thread so that generating the next batch overlaps
 * writing this one (the database writes stay on this thread, in order: still deterministic).
 */
async function* generatedBatches(plan: SeedPlan, layout: Layout, size: number): AsyncGenerator<GeneratedNotebook[]> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { role: WORKER_ROLE, plan, layout, size } });
  const queue: Array<GeneratedNotebook[] | null> = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  worker.on('message', (message: GeneratedNotebook[] | null) => {
    queue.push(message);
    wake?.();
  });
  worker.on('error', (error) => {
    failure = error;
    wake?.();
  });
  try {
    for (;;) {
      while (queue.length === 0 && failure === undefined) await new Promise<void>((resolve) => (wake = resolve));
      if (failure !== undefined) throw failure;
      const batch = queue.shift() as GeneratedNotebook[] | null;
      if (batch === null) return;
      worker.postMessage('ack');
      yield batch;
    }
  } finally {
    await worker.terminate();
  }
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === WORKER_ROLE && parentPort !== null) {
  const { plan, layout, size } = workerData as { plan: SeedPlan; layout: Layout; size: number };
  const port = parentPort;
  let credits = IN_FLIGHT;
  port.on('message', () => (credits += 1));
  for (const batch of batches(plan, layout, size)) {
    while (credits === 0) await once(port, 'message');
    credits -= 1;
    port.postMessage(batch);
  }
  port.postMessage(null);
}

class SeedTally {
  readonly shortIds: string[] = [];
  readonly versions: number[] = [];
  readonly #sizes: number[] = [];
  total = 0;
  contentBytes = 0;
  searchMatches = 0;
  recordingMatches = 0;
  recordingAny = 0;

  readonly layout: Layout;
  readonly #teams = new Map<number, TeamProject>();

  constructor(layout: Layout) {
    this.layout = layout;
    for (const projectId of layout.teamProjectIds)
      this.#teams.set(projectId, { projectId, shortIds: [], versions: [] });
  }

  add(notebook: GeneratedNotebook): void {
    this.total += 1;
    this.contentBytes += notebook.contentJson.length;
    const team = this.#teams.get(notebook.teamId);
    if (team !== undefined && !notebook.deleted) {
      team.shortIds.push(notebook.shortId);
      team.versions.push(notebook.version);
    }
    if (notebook.teamId !== this.layout.bigProjectId || notebook.deleted) return;
    this.shortIds.push(notebook.shortId);
    this.versions.push(notebook.version);
    this.#sizes.push(notebook.contentJson.length);
    if (notebook.visibility !== 'default') return;
    if (notebook.searchText.includes(SEARCH_WORD)) this.searchMatches += 1;
    if (notebook.facts.includes('t:ph-recording')) this.recordingAny += 1;
    if (notebook.facts.includes(`i:s:${this.layout.targetRecording}`)) this.recordingMatches += 1;
  }

  result(apiKey: string, keys: UserKeys, seconds: number): SeededData {
    const mean = this.#sizes.reduce((a, b) => a + b, 0) / Math.max(1, this.#sizes.length);
    let typicalIndex = 0;
    this.#sizes.forEach((size, i) => {
      if (Math.abs(size - mean) < Math.abs(this.#sizes[typicalIndex] - mean)) typicalIndex = i;
    });
    return {
      typicalIndex,
      bigProjectId: this.layout.bigProjectId,
      apiKey,
      total: this.total,
      shortIds: this.shortIds,
      versions: Int32Array.from(this.versions),
      searchWord: SEARCH_WORD,
      searchMatches: this.searchMatches,
      recordingId: this.layout.targetRecording,
      recordingMatches: this.recordingMatches,
      recordingAny: this.recordingAny,
      seconds,
      contentBytes: this.contentBytes,
      teamProjects: [...this.#teams.values()],
      ...keys,
    };
  }
}

function activityDetail(notebook: GeneratedNotebook): string {
  return JSON.stringify({
    name: notebook.title,
    short_id: notebook.shortId,
    type: null,
    changes: null,
    trigger: null,
    context: null,
  });
}

/** Prepared multi-row INSERTs: one for a full batch, one made on demand for a shorter tail. */
class SqliteBulkInsert {
  readonly #statements = new Map<number, StatementSync>();
  readonly #db: DatabaseSync;
  readonly #head: string;
  readonly #width: number;

  constructor(db: DatabaseSync, head: string, width: number) {
    this.#db = db;
    this.#head = head;
    this.#width = width;
  }

  run(rows: SQLInputValue[][]): void {
    if (rows.length === 0) return;
    let statement = this.#statements.get(rows.length);
    if (statement === undefined) {
      const tuple = `(${new Array(this.#width).fill('?').join(',')})`;
      statement = this.#db.prepare(`${this.#head} values ${new Array(rows.length).fill(tuple).join(',')}`);
      this.#statements.set(rows.length, statement);
    }
    statement.run(...rows.flat());
  }
}

const BATCH = 200;

// The per-project count of listed notebooks (not deleted, default visibility) that the server's
// writes keep in notebook_counts, computed once from the loaded rows.
const COUNT_VISIBLE = `insert into notebook_counts (team_id, visible)
  select team_id, count(*) from notebooks where deleted = $false and visibility = 'default' group by team_id`;

export async function seedSqlite(path: string, plan: SeedPlan): Promise<SeededData> {
  const started = performance.now();
  const { layout, apiKey, organizationId, keys } = await createAccounts({ engine: 'sqlite', location: path }, plan);
  // Bulk-load settings for this connection only (the server opens its own, with its pragmas): no
  // journal (a failed seed is thrown away; node:sqlite's defensive mode would refuse OFF), no
  // fsync, no foreign-key checks (ids are ours), and back to WAL at the end, as the server
  // expects. WAL cannot go straight to OFF, hence DELETE first.
  const db = new DatabaseSync(path, { defensive: false });
  db.exec(
    'PRAGMA journal_mode = DELETE; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = -262144; PRAGMA foreign_keys = OFF',
  );
  const notebooks = new SqliteBulkInsert(
    db,
    'insert into notebooks (seq, id, short_id, team_id, title, content, text_content, deleted, visibility, version, folder, created_at, created_by_id, last_modified_at, last_modified_by_id, list_key)',
    16,
  );
  // A bulk load builds the notebooks indexes once at the end instead of row by row (by_seq
  // follows the row key and stays): dropped here and created again from their own definitions.
  // notebook_search rows go in once per transaction, sorted by list key: FTS5 flushes its pending
  // terms to a new segment whenever a rowid is not above the last one.
  const deferred = db
    .prepare(
      "select name, sql from sqlite_master where type = 'index' and tbl_name = 'notebooks' and sql is not null and name <> 'notebooks_by_seq'",
    )
    .all() as Array<{ name: string; sql: string }>;
  for (const index of deferred) db.exec(`drop index ${index.name}`);
  const search = new SqliteBulkInsert(db, 'insert into notebook_search (rowid, title, text_content)', 3);
  let pendingSearch: Array<[number, string, string]> = [];
  const flushSearch = () => {
    pendingSearch.sort((a, b) => a[0] - b[0]);
    for (let i = 0; i < pendingSearch.length; i += BATCH) search.run(pendingSearch.slice(i, i + BATCH));
    pendingSearch = [];
  };
  // The list keys the server's writes give (migration 0008): the next free slot of the bucket of
  // last_modified_at's millisecond.
  const slotsTaken = new Map<number, number>();
  const scoped = (teamId: number, document: string) =>
    document === ''
      ? ''
      : document
          .split(' ')
          .map((lexeme) => searchTerm(teamId, lexeme))
          .join(' ');
  const facts = new SqliteBulkInsert(db, 'insert into notebook_content_facts (team_id, fact, seq, listed)', 4);
  const activity = new SqliteBulkInsert(
    db,
    'insert into activity_logs (id, team_id, organization_id, user_id, is_system, activity, scope, item_id, detail, created_at)',
    10,
  );
  const tally = new SeedTally(layout);
  const activityRng = mulberry32(plan.seed ^ 0xac71);
  let seq = Number((db.prepare('select coalesce(max(seq), 0) as n from notebooks').get() as { n: number }).n);
  let inTransaction = 0;
  db.exec('begin');
  for await (const batch of generatedBatches(plan, layout, BATCH)) {
    const notebookRows: SQLInputValue[][] = [];
    const factRows: SQLInputValue[][] = [];
    const activityRows: SQLInputValue[][] = [];
    for (const n of batch) {
      seq += 1;
      tally.add(n);
      const created = n.createdAt.toISOString();
      const bucket = listKeyBucket(n.lastModifiedAt);
      const slot = slotsTaken.get(bucket) ?? 0;
      if (slot >= LIST_KEY_SLOTS) throw new Error(`seed: more than ${LIST_KEY_SLOTS} notebooks in one millisecond`);
      slotsTaken.set(bucket, slot + 1);
      const listKey = bucket + slot;
      notebookRows.push([
        seq,
        n.id,
        n.shortId,
        n.teamId,
        n.title,
        n.contentJson,
        n.textContent,
        n.deleted ? 1 : 0,
        n.visibility,
        n.version,
        'Unfiled/Notebooks',
        created,
        n.createdById,
        n.lastModifiedAt.toISOString(),
        n.lastModifiedById,
        listKey,
      ]);
      const listed = !n.deleted && n.visibility === 'default' ? 1 : 0;
      // notebook_search holds listed notebooks only, keyed by list key, their terms scoped by
      // project (migrations 0005, 0008).
      if (listed === 1) pendingSearch.push([listKey, scoped(n.teamId, n.searchTitle), scoped(n.teamId, n.searchText)]);
      for (const fact of n.facts) factRows.push([n.teamId, fact, seq, listed]);
      activityRows.push([
        uuidFrom(activityRng, n.createdAt.getTime()),
        n.teamId,
        organizationId,
        n.createdById,
        0,
        'created',
        'Notebook',
        n.shortId,
        activityDetail(n),
        created,
      ]);
    }
    notebooks.run(notebookRows);
    for (let i = 0; i < factRows.length; i += 1000) facts.run(factRows.slice(i, i + 1000));
    activity.run(activityRows);
    inTransaction += batch.length;
    if (inTransaction >= 20_000) {
      flushSearch();
      db.exec('commit; begin');
      inTransaction = 0;
    }
  }
  flushSearch();
  // As a bulk load through the server ends (sqlite-notebook-storage.ts, optimizeSearchIndex).
  db.exec("insert into notebook_search (notebook_search) values ('optimize')");
  for (const index of deferred) db.exec(index.sql);
  db.exec(COUNT_VISIBLE.replace('$false', '0'));
  db.exec('commit');
  db.exec('PRAGMA journal_mode = WAL');
  db.close();
  // synchronous = OFF left the file to the kernel's writeback: on disk before the server starts,
  // or its cold start would wait behind gigabytes of it.
  const file = openSync(path, 'r+');
  fsyncSync(file);
  closeSync(file);
  return tally.result(apiKey, keys, (performance.now() - started) / 1000);
}

export async function seedPostgres(url: string, plan: SeedPlan): Promise<SeededData> {
  const started = performance.now();
  const { layout, apiKey, organizationId, keys } = await createAccounts({ engine: 'postgres', location: url }, plan);
  // PostgreSQL's own work dominates (to_tsvector for the GIN expression indexes), so two
  // connections keep both cores busy; each batch is one transaction.
  const clients = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
  for (const client of clients) {
    await client.connect();
    await client.query('set synchronous_commit = off');
  }
  // A bulk load builds the derived indexes once at the end instead of row by row: the GIN
  // indexes over the generated columns are dropped and created again from their own
  // definitions, and the trigger that writes notebook_content_fact_rows is off while the rows
  // go in and its rows are written in one statement (the migration's) afterwards. The stored
  // rows are the ones the server's writes would leave.
  const ginIndexes = await clients[0].query<{ name: string; definition: string }>(
    `select indexrelid::regclass::text as name, pg_get_indexdef(indexrelid) as definition
       from pg_index join pg_class on pg_class.oid = indexrelid join pg_am on pg_am.oid = pg_class.relam
      where indrelid = 'notebooks'::regclass and pg_am.amname = 'gin'`,
  );
  for (const index of ginIndexes.rows) await clients[0].query(`drop index ${index.name}`);
  await clients[0].query('alter table notebooks disable trigger notebooks_content_fact_rows');
  const tally = new SeedTally(layout);
  const activityRng = mulberry32(plan.seed ^ 0xac71);
  // One parameter per column (arrays unnested server-side): few round trips, no parameter limit.
  const insertNotebooks = `insert into notebooks (id, short_id, team_id, title, content, text_content, deleted, visibility, version, folder, created_at, created_by_id, last_modified_at, last_modified_by_id)
    select * from unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::jsonb[], $6::text[], $7::boolean[], $8::text[], $9::int[], $10::text[], $11::timestamptz[], $12::int[], $13::timestamptz[], $14::int[])`;
  const insertActivity = `insert into activity_logs (id, team_id, organization_id, user_id, is_system, activity, scope, item_id, detail, created_at)
    select * from unnest($1::uuid[], $2::int[], $3::uuid[], $4::int[], $5::boolean[], $6::text[], $7::text[], $8::text[], $9::jsonb[], $10::timestamptz[])`;
  const write = async (client: pg.Client, batch: GeneratedNotebook[], activityIds: string[]) => {
    const column = <T>(fn: (n: GeneratedNotebook, i: number) => T): T[] => batch.map(fn);
    await client.query('begin');
    await client.query(insertNotebooks, [
      column((n) => n.id),
      column((n) => n.shortId),
      column((n) => n.teamId),
      column((n) => n.title),
      column((n) => n.contentJson),
      column((n) => n.textContent),
      column((n) => n.deleted),
      column((n) => n.visibility),
      column((n) => n.version),
      column(() => 'Unfiled/Notebooks'),
      column((n) => n.createdAt.toISOString()),
      column((n) => n.createdById),
      column((n) => n.lastModifiedAt.toISOString()),
      column((n) => n.lastModifiedById),
    ]);
    await client.query(insertActivity, [
      activityIds,
      column((n) => n.teamId),
      column(() => organizationId),
      column((n) => n.createdById),
      column(() => false),
      column(() => 'created'),
      column(() => 'Notebook'),
      column((n) => n.shortId),
      column((n) => activityDetail(n)),
      column((n) => n.createdAt.toISOString()),
    ]);
    await client.query('commit');
  };
  try {
    const inFlight: Array<Promise<void>> = clients.map(() => Promise.resolve());
    let turn = 0;
    for await (const batch of generatedBatches(plan, layout, 250)) {
      for (const n of batch) tally.add(n);
      const activityIds = batch.map((n) => uuidFrom(activityRng, n.createdAt.getTime()));
      const slot = turn++ % clients.length;
      await inFlight[slot];
      inFlight[slot] = write(clients[slot], batch, activityIds);
    }
    await Promise.all(inFlight);
    await clients[0].query(FILL_CONTENT_FACT_ROWS);
    await clients[0].query('alter table notebooks enable trigger notebooks_content_fact_rows');
    // One index per connection, both cores busy.
    await Promise.all(clients.map((client) => client.query("set maintenance_work_mem = '256MB'")));
    const pending = [...ginIndexes.rows];
    await Promise.all(
      clients.map(async (client) => {
        for (let index = pending.shift(); index !== undefined; index = pending.shift())
          await client.query(index.definition);
      }),
    );
    await clients[0].query(COUNT_VISIBLE.replace('$false', 'false'));
    // What autovacuum would do shortly after a bulk load: statistics and the visibility map.
    await clients[0].query('vacuum analyze');
  } finally {
    for (const client of clients) await client.end();
  }
  return tally.result(apiKey, keys, (performance.now() - started) / 1000);
}

/** For run.ts's self-check: the generator's fast lexeme path equals lexemes() of the whole text. */
export function checkGeneratedSearchText(plan: SeedPlan, count: number): void {
  const layout: Layout = {
    bigProjectId: 1,
    otherProjectIds: [2],
    teamProjectIds: [],
    teamNotebooks: 0,
    userIds: [1, 2],
    recordingPool: ['r'],
    targetRecording: 't',
    targetEvery: 7,
  };
  const generator = new NotebookGenerator(plan.seed, layout);
  for (let i = 0; i < count; i++) {
    const n = generator.next(i, 1);
    const expected = lexemes(n.textContent).join(' ');
    if (lexemes(n.title).join(' ') !== n.searchTitle)
      throw new Error(`seed: search title differs from lexemes(title) for notebook ${i}`);
    if (expected !== n.searchText)
      throw new Error(`seed: search text differs from lexemes(text_content) for notebook ${i}`);
    const expectedFacts = containsFacts(toJsonbOrder(JSON.parse(n.contentJson) as JsonValue)).join(' ');
    if (expectedFacts !== n.facts.join(' ')) throw new Error(`seed: facts differ for notebook ${i}`);
    const parsed = JSON.parse(n.contentJson) as JsonValue;
    if (JSON.stringify(toJsonbOrder(parsed)) !== n.contentJson)
      throw new Error(`seed: content not in jsonb order for notebook ${i}`);
    if (renderJsonbText(toJsonbText(parsed)) !== n.contentJson)
      throw new Error(`seed: content differs from the server's stored form for notebook ${i}`);
  }
}
