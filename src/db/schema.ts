import type { Generated, GeneratedAlways } from 'kysely';

// Row types as both engines return them after dialect conversion in the repositories:
// timestamps arrive as Date (PostgreSQL) or ISO text (SQLite), booleans as boolean or 0/1,
// JSON as parsed values (PostgreSQL) or text (SQLite). Repositories normalise through dialect.ts;
// notebook content through the notebooks' storage (notebooks/storage/).
export type DbTimestamp = Date | string;
export type DbBoolean = boolean | number;

export interface OrganizationTable {
  id: string;
  name: string;
  created_at: DbTimestamp;
}

export interface ProjectTable {
  id: Generated<number>;
  uuid: string;
  organization_id: string;
  name: string;
  timezone: string;
  api_token: string;
  created_at: DbTimestamp;
}

export interface UserTable {
  id: Generated<number>;
  uuid: string;
  distinct_id: string | null;
  email: string;
  first_name: string;
  last_name: string;
  is_active: DbBoolean;
  is_email_verified: DbBoolean | null;
  role_at_organization: string | null;
  date_joined: DbTimestamp;
  /** argon2id PHC string; null when the user has no password. */
  password: string | null;
  last_login: DbTimestamp | null;
  /** The email lowercased, for case-insensitive lookups. */
  email_key: string;
}

export interface MembershipTable {
  id: string;
  organization_id: string;
  user_id: number;
  level: number;
  joined_at: DbTimestamp;
  updated_at: DbTimestamp;
}

/** A signed-in browser: the cookie holds a random id, the row its SHA-256 only. */
export interface SessionTable {
  id_hash: string;
  user_id: number;
  created_at: DbTimestamp;
  /** When its user signed in (sensitive actions need a recent one). */
  authenticated_at: DbTimestamp;
  expires_at: DbTimestamp;
}

export interface OrganizationInviteTable {
  id: string;
  organization_id: string;
  target_email: string;
  first_name: string;
  level: number;
  created_by_id: number | null;
  created_at: DbTimestamp;
  updated_at: DbTimestamp;
}

export interface PersonalApiKeyTable {
  id: string;
  user_id: number;
  label: string;
  mask_value: string | null;
  secure_value: string;
  scopes: string;
  scoped_teams: string | null;
  scoped_organizations: string | null;
  created_at: DbTimestamp;
  last_used_at: DbTimestamp | null;
  last_rolled_at: DbTimestamp | null;
}

export interface NotebookTable {
  /** SQLite only: the row key (rowid) the derived tables refer to. */
  seq: GeneratedAlways<number>;
  id: string;
  short_id: string;
  team_id: number;
  title: string | null;
  content: unknown;
  text_content: string | null;
  deleted: DbBoolean;
  visibility: string;
  version: number;
  folder: string;
  created_at: DbTimestamp;
  created_by_id: number | null;
  last_modified_at: DbTimestamp;
  last_modified_by_id: number | null;
  /** The project's change count at the notebook's last write (notebook_counts.changes). */
  change_seq: Generated<number>;
  /** SQLite only: orders like last_modified_at, keys notebook_search. */
  list_key: number | null;
  /** PostgreSQL only, derived by the database: never written, read by the filters. */
  search_title: GeneratedAlways<unknown>;
  search_text: GeneratedAlways<unknown>;
  content_facts: GeneratedAlways<unknown>;
}

export interface ActivityLogTable {
  id: string;
  team_id: number;
  organization_id: string;
  user_id: number | null;
  is_system: DbBoolean;
  activity: string;
  scope: string;
  item_id: string;
  detail: unknown;
  created_at: DbTimestamp;
}

/** Listed notebooks (not deleted, default visibility) per project, kept by every write. */
export interface NotebookCountTable {
  team_id: number;
  visible: number;
  /** Writes to the project's notebooks so far: the project's change sequence. */
  changes: number;
}

/** One notebook write, by its place in the project's change sequence (kept for a while). */
export interface NotebookChangeTable {
  team_id: number;
  seq: number;
  kind: string;
  short_id: string;
  version: number;
  title: string | null;
  last_modified_at: DbTimestamp;
  last_modified_by_id: number | null;
  changed_fields: unknown;
}

// The notebooks' derived tables, each kept by one engine (notebooks/storage/).

/** SQLite: FTS5 over the listed notebooks' scoped lexemes, keyed (rowid) by list key. */
export interface NotebookSearchTable {
  rowid: number;
  title: string;
  text_content: string;
}

/** SQLite: one row per (project, contains fact, notebook), with the notebook's listed flag. */
export interface NotebookContentFactTable {
  team_id: number;
  fact: string;
  seq: number;
  listed: number;
}

/** SQLite: the number of listed notebooks of a project holding a fact, kept by triggers. */
export interface NotebookFactCountTable {
  team_id: number;
  fact: string;
  listed: number;
}

/** PostgreSQL: one row per (project, fact, listed, notebook), kept by a trigger from content_facts. */
export interface NotebookContentFactRowTable {
  team_id: number;
  fact: string;
  listed: boolean;
  notebook_id: string;
}

export interface Database {
  organizations: OrganizationTable;
  projects: ProjectTable;
  users: UserTable;
  memberships: MembershipTable;
  sessions: SessionTable;
  organization_invites: OrganizationInviteTable;
  personal_api_keys: PersonalApiKeyTable;
  notebooks: NotebookTable;
  notebook_counts: NotebookCountTable;
  notebook_changes: NotebookChangeTable;
  notebook_search: NotebookSearchTable;
  notebook_content_facts: NotebookContentFactTable;
  notebook_fact_counts: NotebookFactCountTable;
  notebook_content_fact_rows: NotebookContentFactRowTable;
  activity_logs: ActivityLogTable;
}
