import type { Database } from '../db/schema.ts';

// Every table of the schema, and what a backup does with it: copied row by row, derived again
// from the copied rows on import, or left behind. Copied tables are exported and imported in the
// order written here, each after the tables it refers to. A new table in db/schema.ts does not
// type-check until it is named here (test/backup/backup-tables.test.ts also compares the tables
// the migrations create).

/**
 * How a column travels in the file: `text`, `integer`; `boolean` as true/false; `timestamp` as
 * ISO 8601 UTC text; `json` as the JSON value itself, its keys in jsonb order; `content` (the
 * notebooks' content) as PostgreSQL's jsonb text, which the notebooks' storage turns into each
 * engine's stored form.
 */
export type ColumnKind = 'text' | 'integer' | 'boolean' | 'timestamp' | 'json' | 'content';

export interface CopiedTable {
  readonly rule: 'copied';
  readonly name: keyof Database;
  /** Every column the file carries, in file order, and its kind. */
  readonly columns: Readonly<Record<string, ColumnKind>>;
  /** Columns one engine keeps for itself, rebuilt on import, never carried. */
  readonly internal: readonly string[];
  /** The primary key: rows are exported in its order, and an import that merges reports skipped rows by it. */
  readonly key: readonly string[];
  /** The column naming a row's project: `export --project N` keeps only the tables that have one. */
  readonly project?: string;
  /** Columns pointing at users.id that may be cleared when the user is not in the database imported into. */
  readonly users?: readonly string[];
  /** Whether the id is an identity column whose sequence must move past the imported ids. */
  readonly identity?: boolean;
}

export interface LeftTable {
  /** `derived`: rebuilt from the copied rows on import; `excluded`: must not travel. */
  readonly rule: 'derived' | 'excluded';
  readonly reason: string;
}

export type TableRule = CopiedTable | LeftTable;

function copied<T extends keyof Database, Internal extends keyof Database[T] & string = never>(
  name: T,
  spec: {
    /** Every column of the table but the engine-internal ones, with its kind. */
    columns: { readonly [C in Exclude<keyof Database[T] & string, Internal>]-?: ColumnKind };
    /** Columns one engine keeps for itself (row keys, generated columns): rebuilt, never carried. */
    internal?: readonly Internal[];
    key: ReadonlyArray<keyof Database[T] & string>;
    project?: keyof Database[T] & string;
    users?: ReadonlyArray<keyof Database[T] & string>;
    identity?: boolean;
  },
): CopiedTable {
  return {
    rule: 'copied',
    name,
    columns: spec.columns,
    internal: spec.internal ?? [],
    key: spec.key,
    project: spec.project,
    users: spec.users,
    identity: spec.identity,
  };
}

const derived = (reason: string): LeftTable => ({ rule: 'derived', reason });

export const BACKUP_TABLES = {
  organizations: copied('organizations', {
    columns: { id: 'text', name: 'text', created_at: 'timestamp' },
    key: ['id'],
  }),
  projects: copied('projects', {
    columns: {
      id: 'integer',
      uuid: 'text',
      organization_id: 'text',
      name: 'text',
      timezone: 'text',
      api_token: 'text',
      created_at: 'timestamp',
    },
    key: ['id'],
    identity: true,
  }),
  users: copied('users', {
    columns: {
      id: 'integer',
      uuid: 'text',
      distinct_id: 'text',
      email: 'text',
      first_name: 'text',
      last_name: 'text',
      is_active: 'boolean',
      is_email_verified: 'boolean',
      role_at_organization: 'text',
      date_joined: 'timestamp',
      // The argon2id hash: a user signs in with the same password after a move.
      password: 'text',
      last_login: 'timestamp',
      email_key: 'text',
    },
    key: ['id'],
    identity: true,
  }),
  memberships: copied('memberships', {
    columns: {
      organization_id: 'text',
      user_id: 'integer',
      level: 'integer',
      joined_at: 'timestamp',
      id: 'text',
      updated_at: 'timestamp',
    },
    key: ['organization_id', 'user_id'],
  }),
  // Signed-in browsers stay with the server they signed in to: people sign in again after a move.
  sessions: { rule: 'excluded', reason: 'sessions are signed-in browsers of this server' },
  organization_invites: copied('organization_invites', {
    columns: {
      id: 'text',
      organization_id: 'text',
      target_email: 'text',
      first_name: 'text',
      level: 'integer',
      created_by_id: 'integer',
      created_at: 'timestamp',
      updated_at: 'timestamp',
    },
    key: ['id'],
    users: ['created_by_id'],
  }),
  personal_api_keys: copied('personal_api_keys', {
    columns: {
      id: 'text',
      user_id: 'integer',
      label: 'text',
      mask_value: 'text',
      secure_value: 'text',
      scopes: 'json',
      scoped_teams: 'json',
      scoped_organizations: 'json',
      created_at: 'timestamp',
      last_used_at: 'timestamp',
      last_rolled_at: 'timestamp',
    },
    key: ['id'],
  }),
  notebooks: copied('notebooks', {
    columns: {
      id: 'text',
      short_id: 'text',
      team_id: 'integer',
      title: 'text',
      content: 'content',
      text_content: 'text',
      deleted: 'boolean',
      visibility: 'text',
      version: 'integer',
      folder: 'text',
      created_at: 'timestamp',
      created_by_id: 'integer',
      last_modified_at: 'timestamp',
      last_modified_by_id: 'integer',
      change_seq: 'integer',
    },
    internal: ['seq', 'list_key', 'search_title', 'search_text', 'content_facts'],
    key: ['id'],
    project: 'team_id',
    users: ['created_by_id', 'last_modified_by_id'],
  }),
  // `changes` numbers each project's writes (ETags, the change stream) and must travel; `visible`
  // is recounted from the notebooks after an import.
  notebook_counts: copied('notebook_counts', {
    columns: { team_id: 'integer', visible: 'integer', changes: 'integer' },
    key: ['team_id'],
    project: 'team_id',
  }),
  notebook_changes: copied('notebook_changes', {
    columns: {
      team_id: 'integer',
      seq: 'integer',
      kind: 'text',
      short_id: 'text',
      version: 'integer',
      title: 'text',
      last_modified_at: 'timestamp',
      last_modified_by_id: 'integer',
      changed_fields: 'json',
    },
    key: ['team_id', 'seq'],
    project: 'team_id',
    users: ['last_modified_by_id'],
  }),
  notebook_search: derived('SQLite: rebuilt from the imported notebooks by their storage'),
  notebook_content_facts: derived('SQLite: rebuilt from the imported notebooks by their storage'),
  notebook_fact_counts: derived('SQLite: kept by triggers as the facts are rebuilt'),
  notebook_content_fact_rows: derived('PostgreSQL: written by a trigger as each notebook is inserted'),
  activity_logs: copied('activity_logs', {
    columns: {
      id: 'text',
      team_id: 'integer',
      organization_id: 'text',
      user_id: 'integer',
      is_system: 'boolean',
      activity: 'text',
      scope: 'text',
      item_id: 'text',
      detail: 'json',
      created_at: 'timestamp',
    },
    key: ['id'],
    project: 'team_id',
    users: ['user_id'],
  }),
} as const satisfies { readonly [T in keyof Database]: TableRule };

/** The copied tables, in the order they are exported and imported. */
export const COPIED_TABLES: readonly CopiedTable[] = Object.values(BACKUP_TABLES).filter(
  (rule): rule is CopiedTable => rule.rule === 'copied',
);

/** The copied table of this name, if the file may carry it. */
export function copiedTable(name: string): CopiedTable | undefined {
  return COPIED_TABLES.find((table) => table.name === name);
}
