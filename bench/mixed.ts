import autocannon, { type AutocannonClient, type AutocannonRequest } from 'autocannon';
import { MIX_SEARCH_WORDS, mulberry32, type TeamProject } from './seed.ts';

// The mixed scenario: each connection is a person in one of the team projects (assigned round
// robin), who opens the list (35%), opens a notebook (45%) and saves the one they hold (20%),
// the way the web app's editor autosaves: a PATCH of content with the version they hold, and on
// a 409 they open the notebook again for its current version and go on.

/** The kinds of request in the mix; a list is one kind whatever its filters. */
export const MIX_KINDS = ['list', 'get', 'patch'] as const;
export type MixKind = (typeof MIX_KINDS)[number];

export interface MixPlan {
  teams: TeamProject[];
  /** One key per user, and the users' uuids (for ?created_by=). */
  userKeys: string[];
  userUuids: string[];
  /** A PATCH body holding `version`; alternate bodies so that every save changes the notebook. */
  patchBodies: Array<(version: number) => string>;
  /** Each notebook's version as the bench last learnt it, per team (shared by runs against ours). */
  versions: Map<number, number[]>;
}

export interface MixRequest {
  kind: MixKind;
  method: string;
  path: string;
  body?: string;
}

/** One person's requests: deterministic for a given connection index and run. */
export function person(plan: MixPlan, index: number, run: number, target: 'ours' | 'bare') {
  const team = plan.teams[index % plan.teams.length];
  const key = plan.userKeys[index % plan.userKeys.length];
  const rng = mulberry32(0x31_7a5e ^ (index * 7919) ^ (run * 104_729));
  const base = `/api/projects/${team.projectId}/notebooks/`;
  // The bare server changes nothing: its people count versions on a copy.
  const shared = plan.versions.get(team.projectId) as number[];
  const versions = target === 'ours' ? shared : Array.from(shared);
  let held = Math.floor(rng() * team.shortIds.length);
  let refresh = false;
  let saves = 0;
  let pending: { kind: MixKind; notebook: number } = { kind: 'get', notebook: held };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)];
  const listQuery = (): string => {
    const roll = rng();
    const pageRoll = rng();
    const page = pageRoll < 0.6 ? 1 : pageRoll < 0.85 ? 2 : 3;
    const offset = page === 1 ? '' : `offset=${(page - 1) * 100}`;
    let filter = '';
    if (roll >= 0.6 && roll < 0.8) filter = `search=${pick(MIX_SEARCH_WORDS)}`;
    else if (roll >= 0.8 && roll < 0.9) filter = 'contains=recording:true';
    else if (roll >= 0.9) filter = `created_by=${pick(plan.userUuids)}`;
    const query = [filter, offset].filter((part) => part !== '').join('&');
    return query === '' ? '' : `?${query}`;
  };
  return {
    key,
    next(): MixRequest {
      if (refresh) {
        refresh = false;
        pending = { kind: 'get', notebook: held };
        return { kind: 'get', method: 'GET', path: `${base}${team.shortIds[held]}/` };
      }
      const roll = rng();
      if (roll < 0.35) {
        pending = { kind: 'list', notebook: -1 };
        return { kind: 'list', method: 'GET', path: `${base}${listQuery()}` };
      }
      if (roll < 0.8) {
        held = Math.floor(rng() * team.shortIds.length);
        pending = { kind: 'get', notebook: held };
        return { kind: 'get', method: 'GET', path: `${base}${team.shortIds[held]}/` };
      }
      pending = { kind: 'patch', notebook: held };
      const body = plan.patchBodies[saves++ % plan.patchBodies.length](versions[held]);
      return { kind: 'patch', method: 'PATCH', path: `${base}${team.shortIds[held]}/`, body };
    },
    /** The answer to the last request: what the person learns from it. */
    answered(status: number, body: string): void {
      if (pending.kind === 'patch') {
        if (status === 200) versions[pending.notebook] += 1;
        else if (status === 409) refresh = true;
      } else if (pending.kind === 'get' && status === 200) {
        // "version" follows "content" in the answer, so the last one is the notebook's own.
        const at = body.lastIndexOf('"version":');
        if (at !== -1) versions[pending.notebook] = Number.parseInt(body.slice(at + 10, at + 22), 10);
      }
    },
  };
}

export interface KindFigures {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  statuses: string;
}

export interface MixMeasurement {
  seconds: number;
  total: KindFigures;
  kinds: Record<MixKind, KindFigures>;
  /** List answers with `Cache-Status: …; hit`, of all list answers. */
  listHits: number;
  listAnswers: number;
  conflicts: number;
  errors: number;
}

function figures(samples: number[], statuses: Map<number, number>, seconds: number): KindFigures {
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    samples.length === 0 ? 0 : samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  let non2xx = 0;
  for (const [status, count] of statuses) if (status < 200 || status >= 300) non2xx += count;
  return {
    requests: samples.length,
    rps: samples.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
    non2xx,
    statuses: [...statuses]
      .sort((a, b) => a[0] - b[0])
      .map(([status, count]) => `${status}×${count}`)
      .join(' '),
  };
}

/**
 * Runs the mix for `seconds` with `connections` people spread over `ports` (one autocannon per
 * server process, the people split evenly), timing every answer by its kind.
 */
export async function measureMix(
  plan: MixPlan,
  ports: number[],
  connections: number,
  seconds: number,
  run: number,
  target: 'ours' | 'bare',
): Promise<MixMeasurement> {
  const samples = new Map<MixKind, number[]>(MIX_KINDS.map((kind) => [kind, []]));
  const statuses = new Map<MixKind, Map<number, number>>(MIX_KINDS.map((kind) => [kind, new Map()]));
  let listHits = 0;
  let listAnswers = 0;
  let conflicts = 0;
  let errors = 0;
  let nextPerson = 0;
  const perPort = Math.ceil(connections / ports.length);
  const runs = ports.map((port, p) => {
    const count = Math.min(perPort, connections - p * perPort);
    return autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: count,
      duration: seconds,
      timeout: 30,
      setupClient: (client: AutocannonClient) => {
        const someone = person(plan, nextPerson++, run, target);
        const headers = { authorization: `Bearer ${someone.key}`, 'content-type': 'application/json' };
        let kind: MixKind = 'get';
        const request: AutocannonRequest = {
          setupRequest: (req) => {
            const spec = someone.next();
            kind = spec.kind;
            // A copy: autocannon writes Content-Length into the headers object it is given.
            return {
              ...req,
              method: spec.method,
              path: spec.path,
              headers: { ...headers },
              ...(spec.body === undefined ? {} : { body: spec.body }),
            };
          },
          onResponse: (status, body, _context, responseHeaders) => {
            someone.answered(status, body);
            const byStatus = statuses.get(kind) as Map<number, number>;
            byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
            if (status === 409) conflicts += 1;
            if (kind === 'list') {
              listAnswers += 1;
              const cacheStatus = responseHeaders['cache-status'] ?? responseHeaders['Cache-Status'];
              if (typeof cacheStatus === 'string' && /;\s*hit\b/.test(cacheStatus)) listHits += 1;
            }
          },
        };
        client.setRequests([request]);
        // Emitted after onResponse for the same answer, before the next request is built.
        (client as unknown as NodeJS.EventEmitter).on('response', (_status: number, _bytes: number, ms: number) => {
          (samples.get(kind) as number[]).push(ms);
        });
      },
    });
  });
  const results = await Promise.all(runs);
  for (const result of results) errors += result.errors + result.timeouts;
  const all: number[] = [];
  const allStatuses = new Map<number, number>();
  const kinds = {} as Record<MixKind, KindFigures>;
  for (const kind of MIX_KINDS) {
    const kindSamples = samples.get(kind) as number[];
    // A loop, not push(...): a long run against the bare server records more samples than a
    // call's arguments may hold.
    for (const sample of kindSamples) all.push(sample);
    for (const [status, count] of statuses.get(kind) as Map<number, number>)
      allStatuses.set(status, (allStatuses.get(status) ?? 0) + count);
    kinds[kind] = figures(kindSamples, statuses.get(kind) as Map<number, number>, seconds);
  }
  return { seconds, total: figures(all, allStatuses, seconds), kinds, listHits, listAnswers, conflicts, errors };
}
