import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeEachEngine, json, type TestEnv } from '../support/harness.ts';

// GET /api/projects/:project_id/notebooks/: PostHog's filters, order, pagination and relative
// dates, with the README's deviations 3, 4 and 6. Every test works in a project of its own, so
// the notebooks of one test never show up in another's list.

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

interface NestedUser {
  id: number;
  uuid: string;
  email: string;
}

interface ListItem {
  id: string;
  short_id: string;
  title: string | null;
  deleted: boolean;
  created_at: string;
  created_by: NestedUser | null;
  last_modified_at: string;
  last_modified_by: NestedUser | null;
  user_access_level: string;
}

interface ListPage {
  count: number;
  next: string | null;
  previous: string | null;
  results: ListItem[];
}

interface ErrorBody {
  type: string;
  code: string;
  detail: string;
  attr: string | null;
}

interface NotebookBody {
  title?: string | null;
  content?: JsonValue;
  text_content?: string | null;
  deleted?: boolean;
  version?: number;
}

interface Created {
  id: string;
  short_id: string;
  title: string | null;
}

const LIST_ITEM_KEYS = [
  'id',
  'short_id',
  'title',
  'deleted',
  'created_at',
  'created_by',
  'last_modified_at',
  'last_modified_by',
  'user_access_level',
];

let projectCounter = 0;

/** A project of its own in the test organization (the owner reaches every project of it). */
async function freshProject(env: TestEnv, timezone?: string) {
  projectCounter += 1;
  const project = await env.accounts.createProject({
    name: `List project ${projectCounter}`,
    organizationId: env.org.id,
    timezone,
  });
  return notebooksOf(env, project.id);
}

/** Small factories and readers for one project's notebooks, through HTTP. */
function notebooksOf(env: TestEnv, projectId: number) {
  const url = (suffix = '') => env.url(suffix, projectId);
  const notebooks = {
    projectId,
    url,
    /** The absolute URL the server builds its links from: app.inject's host is localhost:80. */
    link: (query: string) => `http://localhost:80/api/projects/${projectId}/notebooks/${query}`,
    async create(body: NotebookBody = {}, key?: string): Promise<Created> {
      const response = await env.request({ method: 'POST', url: url(), payload: body, key });
      assert.equal(response.statusCode, 201, response.body);
      return json<Created>(response);
    },
    async patch(shortId: string, body: NotebookBody, key?: string): Promise<void> {
      const response = await env.request({ method: 'PATCH', url: url(`${shortId}/`), payload: body, key });
      assert.equal(response.statusCode, 200, response.body);
    },
    /** Sets the stored timestamps directly: the API never lets a client choose them. */
    async setTimes(shortId: string, times: { lastModifiedAt?: Date; createdAt?: Date }): Promise<void> {
      const d = env.db.dialect;
      await env.db.kysely
        .updateTable('notebooks')
        .set({
          ...(times.lastModifiedAt !== undefined && { last_modified_at: d.timestamp(times.lastModifiedAt) }),
          ...(times.createdAt !== undefined && { created_at: d.timestamp(times.createdAt) }),
        })
        .where('team_id', '=', projectId)
        .where('short_id', '=', shortId)
        .execute();
    },
    async get(query = '', key?: string) {
      return env.request({ method: 'GET', url: url(query), key });
    },
    async list(query = '', key?: string): Promise<ListPage> {
      const response = await notebooks.get(query, key);
      assert.equal(response.statusCode, 200, response.body);
      return json<ListPage>(response);
    },
    /** The titles of the first page, in response order. */
    async titles(query = '', key?: string): Promise<Array<string | null>> {
      return (await notebooks.list(query, key)).results.map((item) => item.title);
    },
    /** The titles of the first page, sorted: for filters whose order is not the point. */
    async titleSet(query = '', key?: string): Promise<Array<string | null>> {
      return sortTitles(await notebooks.titles(query, key));
    },
    async error(query: string, key?: string): Promise<ErrorBody> {
      const response = await notebooks.get(query, key);
      assert.equal(response.statusCode, 400, response.body);
      return json<ErrorBody>(response);
    },
  };
  return notebooks;
}

const sortTitles = (titles: ReadonlyArray<string | null>): Array<string | null> =>
  [...titles].sort((a, b) => String(a).localeCompare(String(b)));

const at = (iso: string) => new Date(iso);
const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);

/** [title, text_content] of the search parity corpus. */
const SEARCH_CORPUS: ReadonlyArray<readonly [string, string | null]> = [
  ['Ponies of the valley', 'Wild ponies graze near the river every morning.'],
  ['Pony rides', 'Children love riding a pony at the summer fair.'],
  ['Running notes', 'She runs every day and ran a marathon last year.'],
  ["Runner's diary", 'The runner was running late to the race.'],
  ['Connection issues', 'Users reported connecting to the database failed repeatedly.'],
  ['Connected devices', 'Each device connects over bluetooth.'],
  ['Hobby projects', 'My hobbies include woodworking and painting.'],
  ['Weekend plans', 'Painting the fence, then a hike in the hills.'],
  ['Organization chart', 'The organizational structure was reorganized in spring.'],
  ['Organ music', 'A concert for organ and choir.'],
  ['Happy customers', 'Customers were happily surprised by the new release.'],
  ['Release checklist', 'Verify the release notes and tag the build.'],
  ['Studies on retention', 'Studying retention cohorts across quarters.'],
  ['Quarterly review', 'Revenue grew in the second quarter.'],
  ['Flying lessons', 'Pilots fly small planes on calm days.'],
  ['Fruit flies', 'The flies gathered around the ripe bananas.'],
  ['Caresses', 'A gentle caress soothed the horse.'],
  ['Horse riding', 'Riding horses requires patience.'],
  ['Database migration', 'Migrating the tables to PostgreSQL took two nights.'],
  ['SQLite tips', 'Use WAL mode for better concurrency in SQLite.'],
  ['Session recordings', 'Watch recordings of user sessions to find bugs.'],
  ['Recording comments', 'Comments on a recording appear in the notebook.'],
  ['Funnel analysis', 'The signup funnel shows a drop at the second step.'],
  ['Signup flow', 'New users sign up with email or Google.'],
  ['Feature flags', 'Roll out the feature flag to ten percent of users.'],
  ['Flagged issues', 'Support flagged three issues with billing.'],
  ['Billing', 'Invoices are generated on the first day of each month.'],
  ['Monthly report 2024', 'Numbers for 2024 look strong compared to 2023.'],
  ["Don't panic", 'Keep calm and carry on.'],
  ['Calm waters', 'The lake was calm at dawn.'],
  ['Generous donors', 'Donations were given generously this winter.'],
  ['Winter sports', 'Skiing and skating in the winter months.'],
  ['Cats and dogs', 'The cat chased the dog around the garden.'],
  ['Garden party', 'Gardening tips for a party in the garden.'],
  ['Untitled analysis', null],
  ['Experiments', ''],
  ['A/B experiments', 'Experiment results were significant.'],
  ['Significance testing', 'Statistical significance requires enough samples.'],
  ['Sample size', 'Sampling more users reduces variance.'],
  ['Variance and bias', 'Bias and variance trade off.'],
  ['Self-hosted deploys', 'Deploy the self-hosted stack with Docker.'],
  ['Café meetup', 'We met at the café downtown.'],
];

/** Expected titles per search, worked out by hand from PostgreSQL's english configuration. */
const SEARCH_EXPECTATIONS: ReadonlyArray<readonly [string, ReadonlyArray<string> | 'everything']> = [
  ['pony', ['Ponies of the valley', 'Pony rides']],
  ['ponies', ['Ponies of the valley', 'Pony rides']],
  ['PONY rides', ['Pony rides']],
  ['pon', []],
  ['run', ['Running notes', "Runner's diary"]],
  ['ran', ['Running notes']],
  ['runner', ["Runner's diary"]],
  ['connect', ['Connection issues', 'Connected devices']],
  ['connections failed', ['Connection issues']],
  ['hobby', ['Hobby projects']],
  ['painting', ['Hobby projects', 'Weekend plans']],
  ['organization', ['Organization chart', 'Organ music']],
  ['organ music', ['Organ music']],
  ['happy', ['Happy customers']],
  ['release', ['Happy customers', 'Release checklist']],
  ['study', ['Studies on retention']],
  ['quarter', ['Studies on retention', 'Quarterly review']],
  ['fly', ['Flying lessons', 'Fruit flies']],
  ['caress', ['Caresses']],
  ['horses riding', ['Horse riding']],
  ['postgresql migration', ['Database migration']],
  ['sqlite', ['SQLite tips']],
  ['recording', ['Session recordings', 'Recording comments']],
  ['session recordings', ['Session recordings']],
  ['comment notebook', ['Recording comments']],
  ['signup', ['Funnel analysis', 'Signup flow']],
  ['sign up', ['Signup flow']],
  ['flag', ['Feature flags', 'Flagged issues']],
  ['2024', ['Monthly report 2024']],
  ['2023 numbers', ['Monthly report 2024']],
  ["don't", 'everything'],
  ['panic', ["Don't panic"]],
  ['calm', ["Don't panic", 'Calm waters', 'Flying lessons']],
  ['generous', ['Generous donors']],
  ['winter', ['Generous donors', 'Winter sports']],
  ['cats dogs', ['Cats and dogs']],
  ['garden', ['Cats and dogs', 'Garden party']],
  ['the', 'everything'],
  ['', 'everything'],
  ['experiment', ['Experiments', 'A/B experiments']],
  ['significant', ['A/B experiments', 'Significance testing']],
  ['samples', ['Significance testing', 'Sample size']],
  ['variance bias', ['Variance and bias']],
  ['ponies valley river', []],
  ['analysis', ['Funnel analysis', 'Untitled analysis']],
  ['users', ['Connection issues', 'Session recordings', 'Signup flow', 'Feature flags', 'Sample size']],
  ['self-hosted', ['Self-hosted deploys']],
  ['hosted deploy', ['Self-hosted deploys']],
  ['café', ['Café meetup']],
  ['CAFÉ downtown', ['Café meetup']],
  ['cafe', []],
];

/** Today's 00:00 in America/New_York, as an instant. */
function newYorkMidnightToday(): Date {
  const day = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'America/New_York',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());
  const hour = new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', hour: '2-digit', hourCycle: 'h23' });
  for (const offset of ['-05:00', '-04:00']) {
    const candidate = new Date(`${day}T00:00:00${offset}`);
    if (hour.format(candidate) === '00') return candidate;
  }
  throw new Error(`no New York midnight found for ${day}`);
}

describeEachEngine('GET /notebooks/ (list)', (env) => {
  describe('response shape', () => {
    it('answers an empty project with exactly {"count":0,"next":null,"previous":null,"results":[]}', async () => {
      const notebooks = await freshProject(env());
      const response = await notebooks.get();
      assert.equal(response.statusCode, 200);
      assert.equal(response.body, '{"count":0,"next":null,"previous":null,"results":[]}');
    });

    it('returns count, next, previous and results, in that order', async () => {
      const notebooks = await freshProject(env());
      await notebooks.create({ title: 'one' });
      assert.deepEqual(Object.keys(await notebooks.list()), ['count', 'next', 'previous', 'results']);
    });

    it('lists each notebook with exactly the minimal serializer fields, in order, and never its content', async () => {
      const notebooks = await freshProject(env());
      const created = await notebooks.create({
        title: 'Minimal',
        content: { type: 'doc', content: [] },
        text_content: 'secret text',
      });
      const page = await notebooks.list();
      assert.equal(page.count, 1);
      const [item] = page.results;
      assert.deepEqual(Object.keys(item), LIST_ITEM_KEYS);
      assert.equal(item.id, created.id);
      assert.equal(item.short_id, created.short_id);
      assert.equal(item.title, 'Minimal');
      assert.equal(item.deleted, false);
      assert.equal(item.created_by?.uuid, env().owner.uuid);
      assert.equal(item.last_modified_by?.uuid, env().owner.uuid);
      assert.equal(item.user_access_level, 'manager');
      assert.match(item.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      assert.match(item.last_modified_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    });

    it('never lists soft-deleted notebooks, and lists them again once restored', async () => {
      const notebooks = await freshProject(env());
      await notebooks.create({ title: 'kept' });
      await notebooks.create({ title: 'created deleted', deleted: true });
      const deletedLater = await notebooks.create({ title: 'deleted later' });
      await notebooks.patch(deletedLater.short_id, { deleted: true });
      const page = await notebooks.list();
      assert.equal(page.count, 1);
      assert.deepEqual(
        page.results.map((item) => item.title),
        ['kept'],
      );

      await notebooks.patch(deletedLater.short_id, { deleted: false });
      assert.deepEqual(await notebooks.titleSet(), ['deleted later', 'kept']);
    });

    it('orders by last_modified_at, newest first, when no order is given', async () => {
      const notebooks = await freshProject(env());
      const middle = await notebooks.create({ title: 'middle' });
      const newest = await notebooks.create({ title: 'newest' });
      const oldest = await notebooks.create({ title: 'oldest' });
      await notebooks.setTimes(oldest.short_id, {
        lastModifiedAt: at('2024-01-01T00:00:00Z'),
        createdAt: at('2024-03-01T00:00:00Z'),
      });
      await notebooks.setTimes(middle.short_id, {
        lastModifiedAt: at('2024-02-01T00:00:00Z'),
        createdAt: at('2024-01-01T00:00:00Z'),
      });
      await notebooks.setTimes(newest.short_id, {
        lastModifiedAt: at('2024-03-01T00:00:00Z'),
        createdAt: at('2024-02-01T00:00:00Z'),
      });
      assert.deepEqual(await notebooks.titles(), ['newest', 'middle', 'oldest']);
    });

    it('filters on an exact short_id (the undocumented short_id filter)', async () => {
      const notebooks = await freshProject(env());
      const wanted = await notebooks.create({ title: 'wanted' });
      await notebooks.create({ title: 'other' });
      assert.deepEqual(await notebooks.titles(`?short_id=${wanted.short_id}`), ['wanted']);
      assert.deepEqual(await notebooks.titles('?short_id=nope'), []);
    });

    it('never lists the notebooks of another project of the same organization', async () => {
      const here = await freshProject(env());
      const elsewhere = await freshProject(env());
      const recording = { type: 'doc', content: [{ type: 'ph-recording', attrs: { id: 'shared-recording' } }] };
      await here.create({ title: 'here pony', content: recording, text_content: 'pony' });
      await elsewhere.create({ title: 'elsewhere pony', content: recording, text_content: 'pony' });
      for (const query of [
        '',
        '?user',
        '?search=pony',
        '?contains=recording:shared-recording',
        `?created_by=${env().owner.uuid}`,
        '?date_from=-1d',
      ]) {
        const page = await here.list(query);
        assert.equal(page.count, 1, query);
        assert.deepEqual(
          page.results.map((item) => item.title),
          ['here pony'],
          query,
        );
      }
      assert.deepEqual(await elsewhere.titles(), ['elsewhere pony']);
    });
  });

  describe('limit/offset pagination', () => {
    let hundredAndOne: Promise<ReturnType<typeof notebooksOf>> | undefined;
    /** One project with 101 notebooks, shared by the tests of the default page size. */
    const projectWith101Notebooks = () =>
      (hundredAndOne ??= (async () => {
        const notebooks = await freshProject(env());
        for (let i = 0; i < 101; i += 1) await notebooks.create({ title: `notebook ${i}` });
        return notebooks;
      })());

    it('returns 100 notebooks per page by default, with a next link and no cap on limit', async () => {
      const notebooks = await projectWith101Notebooks();
      const page = await notebooks.list();
      assert.equal(page.count, 101);
      assert.equal(page.results.length, 100);
      assert.equal(page.next, notebooks.link('?limit=100&offset=100'));
      assert.equal(page.previous, null);

      const all = await notebooks.list('?limit=1000');
      assert.equal(all.results.length, 101);
      assert.equal(all.next, null);
    });

    it('falls back to a limit of 100 for a zero, negative or non-integer limit', async () => {
      const notebooks = await projectWith101Notebooks();
      for (const limit of ['0', '-1', 'abc', '1.5', '']) {
        const page = await notebooks.list(`?limit=${limit}`);
        assert.equal(page.results.length, 100, `limit=${limit}`);
        assert.equal(page.next, notebooks.link('?limit=100&offset=100'), `limit=${limit}`);
      }
    });

    it('builds absolute next and previous links exactly like the spec examples with limit=1', async () => {
      const notebooks = await freshProject(env());
      for (const title of ['a', 'b', 'c']) await notebooks.create({ title });

      const first = await notebooks.list('?limit=1');
      assert.equal(first.count, 3);
      assert.equal(first.results.length, 1);
      assert.equal(first.next, notebooks.link('?limit=1&offset=1'));
      assert.equal(first.previous, null);

      const second = await notebooks.list('?limit=1&offset=1');
      assert.equal(second.next, notebooks.link('?limit=1&offset=2'));
      assert.equal(second.previous, notebooks.link('?limit=1'));

      const third = await notebooks.list('?limit=1&offset=2');
      assert.equal(third.next, null);
      assert.equal(third.previous, notebooks.link('?limit=1&offset=1'));

      const pages = [first, second, third].map((page) => page.results[0].short_id);
      assert.equal(new Set(pages).size, 3);
    });

    it('drops offset from previous whenever offset - limit <= 0', async () => {
      const notebooks = await freshProject(env());
      for (const title of ['a', 'b', 'c', 'd', 'e']) await notebooks.create({ title });
      assert.equal((await notebooks.list('?limit=2&offset=1')).previous, notebooks.link('?limit=2'));
      assert.equal((await notebooks.list('?limit=2&offset=2')).previous, notebooks.link('?limit=2'));
      assert.equal((await notebooks.list('?limit=2&offset=3')).previous, notebooks.link('?limit=2&offset=1'));
    });

    it('carries every other parameter into the links, sorted by key and re-encoded', async () => {
      const notebooks = await freshProject(env());
      const content = { type: 'doc', content: [{ type: 'ph-recording', attrs: { id: 'r1' } }] };
      for (let i = 0; i < 5; i += 1) await notebooks.create({ title: `pony ride ${i}`, content });
      await notebooks.create({ title: 'no pony here' });

      const first = await notebooks.list('?search=pony%20ride&limit=2&contains=recording:true&zeta=last&alpha=first');
      assert.equal(first.count, 5);
      assert.equal(
        first.next,
        notebooks.link('?alpha=first&contains=recording%3Atrue&limit=2&offset=2&search=pony+ride&zeta=last'),
      );
      assert.equal(first.previous, null);

      const second = await notebooks.list(
        '?search=pony+ride&offset=2&limit=2&contains=recording%3Atrue&zeta=last&alpha=first',
      );
      assert.equal(
        second.next,
        notebooks.link('?alpha=first&contains=recording%3Atrue&limit=2&offset=4&search=pony+ride&zeta=last'),
      );
      assert.equal(
        second.previous,
        notebooks.link('?alpha=first&contains=recording%3Atrue&limit=2&search=pony+ride&zeta=last'),
      );
    });

    it("follows PostHog's links: search=x carried, offset removed from previous", async () => {
      const notebooks = await freshProject(env());
      for (let i = 0; i < 5; i += 1) await notebooks.create({ title: `x ${i}` });
      const first = await notebooks.list('?search=x&limit=2');
      assert.equal(first.count, 5);
      assert.equal(first.next, notebooks.link('?limit=2&offset=2&search=x'));
      assert.equal(first.previous, null);
      const second = await notebooks.list('?search=x&limit=2&offset=2');
      assert.equal(second.previous, notebooks.link('?limit=2&search=x'));
    });

    it('keeps blank parameters and repeated keys in the links', async () => {
      const notebooks = await freshProject(env());
      for (const title of ['a', 'b']) await notebooks.create({ title });
      const page = await notebooks.list('?limit=1&user=&tag=b&tag=a');
      assert.equal(page.next, notebooks.link('?limit=1&offset=1&tag=a&tag=b&user='));
    });

    it('treats a negative or non-integer offset as 0', async () => {
      const notebooks = await freshProject(env());
      for (const title of ['a', 'b', 'c']) await notebooks.create({ title });
      const firstId = (await notebooks.list('?limit=1')).results[0].short_id;
      for (const offset of ['-1', 'abc', '1.5', '']) {
        const page = await notebooks.list(`?limit=1&offset=${offset}`);
        assert.equal(page.results[0].short_id, firstId, `offset=${offset}`);
        assert.equal(page.previous, null, `offset=${offset}`);
        assert.equal(page.next, notebooks.link('?limit=1&offset=1'), `offset=${offset}`);
      }
    });

    it('returns empty results with the full count for an offset at or past the end', async () => {
      const notebooks = await freshProject(env());
      for (const title of ['a', 'b', 'c']) await notebooks.create({ title });
      const atEnd = await notebooks.list('?limit=1&offset=3');
      assert.deepEqual(atEnd, { count: 3, next: null, previous: notebooks.link('?limit=1&offset=2'), results: [] });
      const pastEnd = await notebooks.list('?limit=1&offset=10');
      assert.deepEqual(pastEnd, { count: 3, next: null, previous: notebooks.link('?limit=1&offset=9'), results: [] });
    });
  });

  describe('user filters', () => {
    async function twoAuthors() {
      const notebooks = await freshProject(env());
      const member = await env().createUser();
      const mine = await notebooks.create({ title: 'mine' });
      const theirs = await notebooks.create({ title: 'theirs' }, member.key);
      return { notebooks, member, mine, theirs };
    }

    it("lists only the caller's notebooks when user is present, whatever its value", async () => {
      const { notebooks, member } = await twoAuthors();
      assert.deepEqual(await notebooks.titleSet(), ['mine', 'theirs']);
      for (const query of ['?user', '?user=', '?user=true', '?user=false', `?user=${member.uuid}`]) {
        assert.deepEqual(await notebooks.titles(query), ['mine'], query);
        assert.deepEqual(await notebooks.titles(query, member.key), ['theirs'], `${query} as the member`);
      }
    });

    it("filters on the creator's uuid with created_by", async () => {
      const { notebooks, member } = await twoAuthors();
      assert.deepEqual(await notebooks.titles(`?created_by=${member.uuid}`), ['theirs']);
      assert.deepEqual(await notebooks.titles(`?created_by=${env().owner.uuid}`), ['mine']);
      assert.deepEqual(await notebooks.titles('?created_by=00000000-0000-0000-0000-000000000000'), []);
    });

    it("filters on the last editor's uuid with last_modified_by", async () => {
      const { notebooks, member, mine } = await twoAuthors();
      await notebooks.create({ title: 'untouched' });
      await notebooks.patch(mine.short_id, { title: 'mine, edited by the member' }, member.key);
      assert.deepEqual(await notebooks.titleSet(`?last_modified_by=${member.uuid}`), [
        'mine, edited by the member',
        'theirs',
      ]);
      assert.deepEqual(await notebooks.titles(`?last_modified_by=${env().owner.uuid}`), ['untouched']);
      assert.deepEqual(await notebooks.titles(`?created_by=${env().owner.uuid}&last_modified_by=${member.uuid}`), [
        'mine, edited by the member',
      ]);
    });

    it('accepts a uuid without hyphens, in braces or in upper case', async () => {
      const { notebooks, member } = await twoAuthors();
      const hex = member.uuid.replaceAll('-', '');
      for (const value of [hex, `{${member.uuid}}`, member.uuid.toUpperCase(), `urn:uuid:${member.uuid}`]) {
        assert.deepEqual(await notebooks.titles(`?created_by=${encodeURIComponent(value)}`), ['theirs'], value);
        assert.deepEqual(await notebooks.titles(`?last_modified_by=${encodeURIComponent(value)}`), ['theirs'], value);
      }
    });

    it('answers 400 validation_error with attr created_by or last_modified_by for an invalid uuid', async () => {
      const notebooks = await freshProject(env());
      for (const attr of ['created_by', 'last_modified_by']) {
        for (const value of ['not-a-uuid', '', '1234', `${env().owner.uuid}0`]) {
          const body = await notebooks.error(`?${attr}=${encodeURIComponent(value)}`);
          assert.equal(body.type, 'validation_error', `${attr}=${value}`);
          assert.equal(body.attr, attr, `${attr}=${value}`);
          assert.equal(typeof body.code, 'string');
          assert.equal(typeof body.detail, 'string');
          assert.deepEqual(Object.keys(body), ['type', 'code', 'detail', 'attr']);
        }
      }
    });
  });

  describe('date_from and date_to', () => {
    /** Three notebooks modified on Jan 1st, 2nd and 3rd 2024 at midnight UTC, created in reverse. */
    async function threeDays(timezone?: string) {
      const notebooks = await freshProject(env(), timezone);
      const days = ['2024-01-01', '2024-01-02', '2024-01-03'];
      for (const [index, day] of days.entries()) {
        const created = await notebooks.create({ title: day });
        await notebooks.setTimes(created.short_id, {
          lastModifiedAt: at(`${day}T00:00:00Z`),
          createdAt: at(`${days[2 - index]}T00:00:00Z`),
        });
      }
      return notebooks;
    }

    it('keeps notebooks modified strictly after date_from', async () => {
      const notebooks = await threeDays();
      assert.deepEqual(await notebooks.titles('?date_from=2024-01-02'), ['2024-01-03']);
      assert.deepEqual(await notebooks.titles('?date_from=2024-01-01T23:59:59Z'), ['2024-01-03', '2024-01-02']);
      assert.deepEqual(await notebooks.titles('?date_from=2024-01-03T00:00:00Z'), []);
    });

    it('keeps notebooks modified strictly before date_to', async () => {
      const notebooks = await threeDays();
      assert.deepEqual(await notebooks.titles('?date_to=2024-01-02'), ['2024-01-01']);
      assert.deepEqual(await notebooks.titles('?date_to=2024-01-02T00:00:00.001Z'), ['2024-01-02', '2024-01-01']);
      assert.deepEqual(await notebooks.titles('?date_to=2024-01-01'), []);
    });

    it('combines date_from and date_to', async () => {
      const notebooks = await threeDays();
      assert.deepEqual(await notebooks.titles('?date_from=2024-01-01T12:00:00Z&date_to=2024-01-03'), ['2024-01-02']);
      assert.deepEqual(await notebooks.titles('?date_from=2024-01-02&date_to=2024-01-02'), []);
    });

    it('filters on last_modified_at, not on created_at', async () => {
      const notebooks = await threeDays();
      // 2024-01-01 was created on the 3rd, 2024-01-03 on the 1st.
      assert.deepEqual(await notebooks.titles('?date_from=2024-01-02T12:00:00Z'), ['2024-01-03']);
      assert.deepEqual(await notebooks.titles('?date_to=2024-01-01T12:00:00Z'), ['2024-01-01']);
    });

    it('understands relative dates such as -7d', async () => {
      const notebooks = await freshProject(env());
      for (const [title, hours] of [
        ['eight days ago', 192],
        ['six days ago', 144],
        ['an hour ago', 1],
      ] as const) {
        const created = await notebooks.create({ title });
        await notebooks.setTimes(created.short_id, { lastModifiedAt: hoursAgo(hours) });
      }
      assert.deepEqual(await notebooks.titles('?date_from=-7d'), ['an hour ago', 'six days ago']);
      assert.deepEqual(await notebooks.titles('?date_from=7d'), ['an hour ago', 'six days ago']);
      assert.deepEqual(await notebooks.titles('?date_to=-7d'), ['eight days ago']);
      assert.deepEqual(await notebooks.titles('?date_from=-7d&date_to=-2d'), ['six days ago']);
    });

    it('understands -1mStart as the first of last month at the current time of day', async () => {
      const notebooks = await freshProject(env());
      const now = new Date();
      const bound = new Date(
        Date.UTC(
          now.getUTCFullYear(),
          now.getUTCMonth() - 1,
          1,
          now.getUTCHours(),
          now.getUTCMinutes(),
          now.getUTCSeconds(),
        ),
      );
      for (const [title, offsetHours] of [
        ['just before', -1],
        ['just after', 1],
      ] as const) {
        const created = await notebooks.create({ title });
        await notebooks.setTimes(created.short_id, {
          lastModifiedAt: new Date(bound.getTime() + offsetHours * 3_600_000),
        });
      }
      assert.deepEqual(await notebooks.titles('?date_from=-1mStart'), ['just after']);
      assert.deepEqual(await notebooks.titles('?date_to=-1mStart'), ['just before']);
    });

    it('treats a value that is no date at all as now', async () => {
      const notebooks = await threeDays();
      assert.deepEqual(await notebooks.titles('?date_from=foo'), []);
      assert.deepEqual(await notebooks.titles('?date_to=all'), ['2024-01-03', '2024-01-02', '2024-01-01']);
    });

    it('reads a naive date in the project time zone and converts an aware one to it', async () => {
      // 03:00Z is Dec 31st 22:00 in New York; 06:00Z is Jan 1st 01:00 there.
      const newYork = await freshProject(env(), 'America/New_York');
      const utc = await freshProject(env());
      for (const notebooks of [newYork, utc]) {
        for (const [title, iso] of [
          ["late on new year's eve in New York", '2024-01-01T03:00:00Z'],
          ["early on new year's day in New York", '2024-01-01T06:00:00Z'],
        ] as const) {
          const created = await notebooks.create({ title });
          await notebooks.setTimes(created.short_id, { lastModifiedAt: at(iso) });
        }
      }
      assert.deepEqual(await newYork.titles('?date_from=2024-01-01'), ["early on new year's day in New York"]);
      assert.deepEqual(await newYork.titles('?date_to=2024-01-01'), ["late on new year's eve in New York"]);
      assert.deepEqual(await newYork.titles('?date_from=2024-01-01T00:00:00Z'), [
        "early on new year's day in New York",
        "late on new year's eve in New York",
      ]);
      assert.deepEqual(await newYork.titles('?date_from=2024-01-01T04:00:00%2B00:00'), [
        "early on new year's day in New York",
      ]);
      assert.deepEqual(await utc.titles('?date_from=2024-01-01'), [
        "early on new year's day in New York",
        "late on new year's eve in New York",
      ]);
      assert.deepEqual(await utc.titles('?date_to=2024-01-01'), []);
    });

    it("computes relative dates on the project's wall clock (dStart is midnight in New York)", async () => {
      const notebooks = await freshProject(env(), 'America/New_York');
      const midnight = newYorkMidnightToday();
      for (const [title, offsetHours] of [
        ['before midnight in New York', -2],
        ['after midnight in New York', 2],
      ] as const) {
        const created = await notebooks.create({ title });
        await notebooks.setTimes(created.short_id, {
          lastModifiedAt: new Date(midnight.getTime() + offsetHours * 3_600_000),
        });
      }
      assert.deepEqual(await notebooks.titles('?date_from=dStart'), ['after midnight in New York']);
      assert.deepEqual(await notebooks.titles('?date_to=dStart'), ['before midnight in New York']);
    });
  });

  describe('search', () => {
    it('matches stemmed words in either direction, case-insensitively', async () => {
      const notebooks = await freshProject(env());
      await notebooks.create({ title: 'Ponies in the field' });
      await notebooks.create({ title: 'Horses', text_content: 'One pony and many horses' });
      await notebooks.create({ title: 'Cattle' });
      for (const search of ['pony', 'ponies', 'PONY', 'Ponies']) {
        assert.deepEqual(await notebooks.titleSet(`?search=${search}`), ['Horses', 'Ponies in the field'], search);
      }
      assert.deepEqual(await notebooks.titles('?search=hobby'), []);
    });

    it('pages through the matches with their full count, also at and past the end', async () => {
      const notebooks = await freshProject(env());
      for (const title of ['pony one', 'pony two', 'horse', 'pony three']) await notebooks.create({ title });
      const first = await notebooks.list('?search=pony&limit=2');
      const second = await notebooks.list('?search=pony&limit=2&offset=2');
      assert.deepEqual([first.count, first.results.length, second.count, second.results.length], [3, 2, 3, 1]);
      assert.deepEqual([...first.results, ...second.results].map((n) => n.title).sort(), [
        'pony one',
        'pony three',
        'pony two',
      ]);
      for (const offset of [3, 10]) {
        const past = await notebooks.list(`?search=pony&limit=2&offset=${offset}`);
        assert.deepEqual([past.count, past.results], [3, []], `offset ${offset}`);
      }
    });

    it('does not match prefixes', async () => {
      const notebooks = await freshProject(env());
      await notebooks.create({ title: 'pony' });
      assert.deepEqual(await notebooks.titles('?search=pon'), []);
      assert.deepEqual(await notebooks.titles('?search=pon%3A*'), []);
    });

    it('matches the title or text_content, but every word must be in the same field', async () => {
      const notebooks = await freshProject(env());
      await notebooks.create({ title: 'alpha', text_content: 'beta' });
      await notebooks.create({ title: 'gamma', text_content: 'alpha beta' });
      await notebooks.create({ title: 'alpha beta' });
      assert.deepEqual(await notebooks.titleSet('?search=alpha'), ['alpha', 'alpha beta', 'gamma']);
      assert.deepEqual(await notebooks.titleSet('?search=beta'), ['alpha', 'alpha beta', 'gamma']);
      assert.deepEqual(await notebooks.titleSet('?search=alpha%20beta'), ['alpha beta', 'gamma']);
      assert.deepEqual(await notebooks.titleSet('?search=beta+gamma'), []);
    });

    it('applies no search filter for an empty or stop-word-only search (Deviation 6)', async () => {
      const notebooks = await freshProject(env());
      await notebooks.create({ title: 'one', text_content: 'the' });
      await notebooks.create({ title: 'two' });
      await notebooks.create({});
      for (const search of ['', 'the', 'the%20a%20is', "don't", '%20', '!!!']) {
        const page = await notebooks.list(`?search=${search}`);
        assert.equal(page.count, 3, `search=${search}`);
      }
    });

    it('never searches the content, not even a text_content key inside it', async () => {
      const notebooks = await freshProject(env());
      await notebooks.create({
        title: 'Plain',
        content: {
          type: 'doc',
          text_content: 'zebra',
          content: [{ type: 'paragraph', content: [{ type: 'text', text: 'zebra' }] }],
        },
        text_content: 'nothing striped',
      });
      assert.deepEqual(await notebooks.titles('?search=zebra'), []);
      assert.deepEqual(await notebooks.titles('?search=striped'), ['Plain']);
    });

    it('combines search with the other filters', async () => {
      const notebooks = await freshProject(env());
      const member = await env().createUser();
      await notebooks.create({ title: 'pony by the owner' });
      await notebooks.create({ title: 'pony by the member' }, member.key);
      await notebooks.create({ title: 'horse by the owner' });
      assert.deepEqual(await notebooks.titles('?search=pony&user'), ['pony by the owner']);
      assert.deepEqual(await notebooks.titles(`?search=pony&created_by=${member.uuid}`), ['pony by the member']);
    });

    it('gives the same answers on both engines for a varied English corpus', async () => {
      const notebooks = await freshProject(env());
      for (const [title, text] of SEARCH_CORPUS) await notebooks.create({ title, text_content: text });
      const everything = sortTitles(SEARCH_CORPUS.map(([title]) => title));
      for (const [search, expected] of SEARCH_EXPECTATIONS) {
        const page = await notebooks.list(`?search=${encodeURIComponent(search)}`);
        const wanted = expected === 'everything' ? everything : sortTitles(expected);
        assert.deepEqual(sortTitles(page.results.map((item) => item.title)), wanted, `search=${search}`);
        assert.equal(page.count, wanted.length, `search=${search}`);
      }
    });
  });

  describe('contains', () => {
    const doc = (...nodes: JsonValue[]): JsonValue => ({ type: 'doc', content: nodes });
    const recordingNode = (id: JsonValue): JsonValue => ({ type: 'ph-recording', attrs: { id, noInspector: false } });
    const paragraph = (text: string): JsonValue => ({ type: 'paragraph', content: [{ type: 'text', text }] });
    const timestampParagraph = (sessionRecordingId: string, playbackTime: number, text: string): JsonValue => ({
      type: 'paragraph',
      content: [
        { type: 'ph-replay-timestamp', attrs: { playbackTime, sessionRecordingId } },
        { type: 'text', text },
      ],
    });

    /** One project holding every shape of document the grammar distinguishes, by title. */
    const FIXTURES: ReadonlyArray<readonly [string, JsonValue]> = [
      [
        'recording one',
        doc(
          { type: 'heading', content: [{ type: 'text', text: 'Recording one' }] },
          recordingNode('recording-one'),
          timestampParagraph('recording-one', 42, 'a comment'),
        ),
      ],
      ['recording two', doc(recordingNode('recording-two'), paragraph('notes'))],
      [
        'recording and person',
        doc(recordingNode('recording-zzz'), { type: 'ph-person', attrs: { id: 'recording-x' } }),
      ],
      ['numeric recording id', doc(recordingNode(12345))],
      ['digit string recording id', doc(recordingNode('67890'))],
      ['playlist', doc({ type: 'ph-recording-playlist', attrs: { id: 'recording-one' } })],
      ['timestamp only', doc(timestampParagraph('recording-one', 7, 'seen in the replay'))],
      ['nested recording', doc({ type: 'blockquote', content: [recordingNode('recording-one')] })],
      [
        'saved insight',
        doc({ type: 'ph-query', attrs: { id: 'node-1', query: { kind: 'SavedInsightNode', shortId: 'abc123' } } }),
      ],
      ['data table query', doc({ type: 'ph-query', attrs: { query: { kind: 'DataTableNode', shortId: 'abc123' } } })],
      ['numeric flag', doc({ type: 'ph-feature-flag', attrs: { id: 1 } })],
      ['string flag', doc({ type: 'ph-feature-flag', attrs: { id: '1' } })],
      ['plain text', doc(paragraph('just words'))],
      ['empty document', doc()],
      ['content key null', { type: 'doc', content: null }],
      ['no content key', { type: 'doc' }],
      ['null content', null],
    ];
    const ALL = FIXTURES.map(([title]) => title);
    const WITH_RECORDING = [
      'recording one',
      'recording two',
      'recording and person',
      'numeric recording id',
      'digit string recording id',
    ];
    const without = (...titles: string[]) => ALL.filter((title) => !titles.includes(title));

    let fixtures: ReturnType<typeof notebooksOf> | undefined;
    async function contains(value: string): Promise<Array<string | null>> {
      if (fixtures === undefined) {
        fixtures = await freshProject(env());
        for (const [title, content] of FIXTURES) await fixtures.create({ title, content });
      }
      return fixtures.titleSet(`?contains=${value}`);
    }
    const expect = async (value: string, titles: string[]) =>
      assert.deepEqual(await contains(value), sortTitles(titles), `contains=${value}`);

    it('keeps notebooks with a top-level ph-recording node for a bare target or :true, plural or not', async () => {
      for (const value of ['recording', 'recording:true', 'recordings', 'recordings:true'])
        await expect(value, WITH_RECORDING);
    });

    it('matches the node type exactly: ph-recording-playlist is not a recording, and has its own target', async () => {
      await expect('recording-playlist', ['playlist']);
      await expect('recording-playlists:true', ['playlist']);
    });

    it('always adds the ph- prefix, so ph-recording:true matches nothing', async () => {
      await expect('ph-recording:true', []);
      await expect('ph-recording', []);
    });

    it('drops notebooks with a recording for :false, keeping null content but not content without a content key', async () => {
      await expect('recording:false', without(...WITH_RECORDING, 'no content key'));
    });

    it('keeps notebooks with a recording node and a node with that id for recording:<id>, plural or not', async () => {
      await expect('recording:recording-one', ['recording one']);
      await expect('recordings:recording-one', ['recording one']);
      await expect('recording:recording-two', ['recording two']);
      await expect('recording:unknown', []);
    });

    it('treats True and TRUE as ids, not as presence tests', async () => {
      await expect('recording:True', []);
      await expect('recording:TRUE', []);
    });

    it('tests presence and id independently: a ph-person node with the id satisfies recording:<id>', async () => {
      await expect('recording:recording-x', ['recording and person']);
    });

    it('examines top-level nodes only, so a nested recording node never matches', async () => {
      await expect('recording:recording-one', ['recording one']);
      assert.ok(!(await contains('recording')).includes('nested recording'));
      assert.ok((await contains('recording:false')).includes('nested recording'));
    });

    it('turns digit-only ids into numbers: a numeric id matches and a digit string never does', async () => {
      await expect('recording:12345', ['numeric recording id']);
      await expect('recording:67890', []);
      await expect('feature-flag:1', ['numeric flag']);
      await expect('feature-flags:1', ['numeric flag']);
      await expect('feature-flag:%2B1', ['numeric flag']);
      await expect('feature-flag:01', ['numeric flag']);
      await expect('feature-flag', ['numeric flag', 'string flag']);
    });

    it('matches queries:<shortId> on a SavedInsightNode query only', async () => {
      await expect('queries:abc123', ['saved insight']);
      await expect('query:abc123', ['saved insight']);
      await expect('query', ['saved insight', 'data table query']);
      await expect('queries:true', ['saved insight', 'data table query']);
      await expect('queries:node-1', []);
      await expect('query:false', without('saved insight', 'data table query', 'no content key'));
    });

    it('looks one level down for replay-timestamp:<sessionRecordingId>', async () => {
      await expect('replay-timestamp:recording-one', ['recording one', 'timestamp only']);
      await expect('replay-timestamps:recording-one', ['recording one', 'timestamp only']);
      await expect('replay-timestamp', ['recording one', 'timestamp only']);
      await expect('replay-timestamp:recording-two', []);
    });

    it('ANDs pairs separated by a comma or by an encoded space', async () => {
      for (const separator of [',', '%20', '+', '%2C']) {
        await expect(`recording:recording-one${separator}replay-timestamp:recording-one`, ['recording one']);
        await expect(`recording${separator}replay-timestamp`, ['recording one']);
        await expect(`recording:true${separator}recording:recording-two`, ['recording two']);
        await expect(`recording:false${separator}replay-timestamp`, ['timestamp only']);
      }
    });

    it('is always empty for recording:false together with recording:<id>', async () => {
      await expect('recording:false,recording:recording-two', []);
      await expect('recording:recording-two,recording:false', []);
    });

    it('skips empty tokens and empty targets, and ignores anything after a second colon', async () => {
      await expect('', ALL);
      await expect(',,', ALL);
      await expect(':recording-one', ALL);
      await expect(',recording:recording-one,,', ['recording one']);
      await expect('recording:recording-one:ignored', ['recording one']);
    });

    it('ANDs contains with the other filters', async () => {
      const notebooks = await freshProject(env());
      const member = await env().createUser();
      const content = doc(recordingNode('shared'));
      await notebooks.create({ title: 'owner recording', content });
      await notebooks.create({ title: 'member recording', content }, member.key);
      await notebooks.create({ title: 'owner text' });
      assert.deepEqual(await notebooks.titles('?contains=recording:shared&user'), ['owner recording']);
      assert.deepEqual(await notebooks.titles(`?contains=recording:false&created_by=${env().owner.uuid}`), [
        'owner text',
      ]);
    });

    it('follows updates of the content', async () => {
      const notebooks = await freshProject(env());
      const created = await notebooks.create({ title: 'changing', content: doc(recordingNode('before')) });
      assert.deepEqual(await notebooks.titles('?contains=recording:before'), ['changing']);
      await notebooks.patch(created.short_id, { content: doc(recordingNode('after')), version: 0 });
      assert.deepEqual(await notebooks.titles('?contains=recording:before'), []);
      assert.deepEqual(await notebooks.titles('?contains=recording:after'), ['changing']);
    });

    it('counts only listed notebooks: a soft delete leaves the count and a restore, with new content or not, comes back', async () => {
      const notebooks = await freshProject(env());
      const kept = await notebooks.create({
        title: 'kept',
        content: doc(recordingNode('shared'), timestampParagraph('shared', 1, 'seen')),
      });
      const gone = await notebooks.create({
        title: 'gone',
        content: doc(recordingNode('shared'), timestampParagraph('shared', 2, 'seen')),
      });
      await notebooks.create({ title: 'other', content: doc(recordingNode('other')) });
      const page = async (query: string) => {
        const body = await notebooks.list(query);
        return { count: body.count, titles: sortTitles(body.results.map((item) => item.title)) };
      };
      assert.deepEqual(await page('?contains=recording'), { count: 3, titles: ['gone', 'kept', 'other'] });
      await notebooks.patch(gone.short_id, { deleted: true });
      assert.deepEqual(await page('?contains=recording'), { count: 2, titles: ['kept', 'other'] });
      assert.deepEqual(await page('?contains=recording:shared'), { count: 1, titles: ['kept'] });
      assert.deepEqual(await page('?contains=recording,replay-timestamp:shared'), { count: 1, titles: ['kept'] });
      await notebooks.patch(gone.short_id, { deleted: false });
      assert.deepEqual(await page('?contains=recording:shared'), { count: 2, titles: ['gone', 'kept'] });
      await notebooks.patch(gone.short_id, { deleted: true });
      await notebooks.patch(gone.short_id, { deleted: false, content: doc(recordingNode('moved')), version: 0 });
      assert.deepEqual(await page('?contains=recording'), { count: 3, titles: ['gone', 'kept', 'other'] });
      assert.deepEqual(await page('?contains=recording:shared'), { count: 1, titles: ['kept'] });
      assert.deepEqual(await page('?contains=recording:moved'), { count: 1, titles: ['gone'] });
      await notebooks.patch(kept.short_id, { content: doc(paragraph('no recording now')), version: 0 });
      assert.deepEqual(await page('?contains=recording'), { count: 2, titles: ['gone', 'other'] });
    });
  });

  describe('order', () => {
    /** b: created first, modified last; a: created second, modified first; c: created last, modified second. */
    async function threeTitles() {
      const notebooks = await freshProject(env());
      const times: ReadonlyArray<readonly [string, string, string]> = [
        ['b', '2024-01-01T00:00:00Z', '2024-03-03T00:00:00Z'],
        ['a', '2024-01-02T00:00:00Z', '2024-03-01T00:00:00Z'],
        ['c', '2024-01-03T00:00:00Z', '2024-03-02T00:00:00Z'],
      ];
      for (const [title, createdAt, lastModifiedAt] of times) {
        const created = await notebooks.create({ title });
        await notebooks.setTimes(created.short_id, { createdAt: at(createdAt), lastModifiedAt: at(lastModifiedAt) });
      }
      return notebooks;
    }

    it('orders by each allowed field, ascending or with "-" descending', async () => {
      const notebooks = await threeTitles();
      const expectations: ReadonlyArray<readonly [string, string[]]> = [
        ['title', ['a', 'b', 'c']],
        ['-title', ['c', 'b', 'a']],
        ['created_at', ['b', 'a', 'c']],
        ['-created_at', ['c', 'a', 'b']],
        ['last_modified_at', ['a', 'c', 'b']],
        ['-last_modified_at', ['b', 'c', 'a']],
      ];
      for (const [order, titles] of expectations)
        assert.deepEqual(await notebooks.titles(`?order=${order}`), titles, `order=${order}`);
    });

    it('uses the default -last_modified_at order for an empty order', async () => {
      const notebooks = await threeTitles();
      assert.deepEqual(await notebooks.titles('?order='), ['b', 'c', 'a']);
    });

    it('uses the order for paging too', async () => {
      const notebooks = await threeTitles();
      const page = await notebooks.list('?order=title&limit=1&offset=1');
      assert.deepEqual(
        page.results.map((item) => item.title),
        ['b'],
      );
      assert.equal(page.next, notebooks.link('?limit=1&offset=2&order=title'));
      assert.equal(page.previous, notebooks.link('?limit=1&order=title'));
    });

    it('puts untitled notebooks last in title order and first in -title order, as PostgreSQL does', async () => {
      const notebooks = await threeTitles();
      await notebooks.create({});
      assert.deepEqual(await notebooks.titles('?order=title'), ['a', 'b', 'c', null]);
      assert.deepEqual(await notebooks.titles('?order=-title'), [null, 'c', 'b', 'a']);
    });

    it('answers 400 validation_error with attr order for anything outside the allow-list (Deviation 3)', async () => {
      const notebooks = await threeTitles();
      for (const order of [
        'foo',
        '-id',
        'id',
        'deleted',
        'short_id',
        '--title',
        'Title',
        'title,created_at',
        '?',
        'created_by__email',
        '-',
      ]) {
        const body = await notebooks.error(`?order=${encodeURIComponent(order)}`);
        assert.equal(body.type, 'validation_error', `order=${order}`);
        assert.equal(body.attr, 'order', `order=${order}`);
      }
    });
  });
});
