import type { Kysely } from 'kysely';
import type { Dialect, Executor } from '../db/dialect.ts';
import type { Database } from '../db/schema.ts';
import type { JsonValue } from '../json/json-value.ts';

export interface ActivityEntry {
  id: string;
  teamId: number;
  organizationId: string;
  userId: number | null;
  isSystem: boolean;
  activity: string;
  scope: string;
  itemId: string;
  detail: JsonValue;
  createdAt: Date;
}

export class ActivityRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: Dialect;

  constructor(db: Kysely<Database>, dialect: Dialect) {
    this.#db = db;
    this.#dialect = dialect;
  }

  async insert(db: Executor, entry: ActivityEntry): Promise<void> {
    const d = this.#dialect;
    await db
      .insertInto('activity_logs')
      .values({
        id: entry.id,
        team_id: entry.teamId,
        organization_id: entry.organizationId,
        user_id: entry.userId,
        is_system: entry.isSystem,
        activity: entry.activity,
        scope: entry.scope,
        item_id: entry.itemId,
        detail: d.json(entry.detail),
        created_at: d.timestamp(entry.createdAt),
      })
      .execute();
  }

  /** One page of a project's activity for a scope, newest first, optionally for some item ids. */
  async page(
    teamId: number,
    scope: string,
    itemIds: string[] | null,
    limit: number,
    offset: number,
  ): Promise<{ total: number; entries: ActivityEntry[] }> {
    const d = this.#dialect;
    const base = this.#db
      .selectFrom('activity_logs')
      .where('team_id', '=', teamId)
      .where('scope', '=', scope)
      .$if(itemIds !== null, (qb) => qb.where('item_id', 'in', itemIds as string[]));
    const countRow = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const total = Number(countRow.n);
    if (offset >= total) return { total, entries: [] };
    const rows = await base
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
    return {
      total,
      entries: rows.map((row) => ({
        id: row.id,
        teamId: row.team_id,
        organizationId: row.organization_id,
        userId: row.user_id,
        isSystem: d.readBoolean(row.is_system),
        activity: row.activity,
        scope: row.scope,
        itemId: row.item_id,
        detail: d.readJson(row.detail) ?? null,
        createdAt: d.readTimestamp(row.created_at),
      })),
    };
  }
}
