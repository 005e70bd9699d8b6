/** The API's shapes the app reads (PostHog's field names; only the fields the app uses). */

export interface UserBasic {
  id: number;
  uuid: string;
  distinct_id: string | null;
  first_name: string;
  last_name: string;
  email: string;
}

export interface OrganizationBasic {
  id: string;
  name: string;
  membership_level: number | null;
}

/** GET /api/users/@me/ */
export interface Me extends UserBasic {
  team: { id: number; name: string; organization: string } | null;
  organization: OrganizationBasic | null;
  organizations: OrganizationBasic[];
}

export interface Project {
  id: number;
  name: string;
  organization: string;
}

export interface Paginated<T> {
  count?: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** TipTap / ProseMirror JSON, as stored. */
export interface JsonNode {
  type: string;
  attrs?: Record<string, unknown>;
  content?: JsonNode[];
  marks?: Array<{ type: string; attrs?: Record<string, unknown> }>;
  text?: string;
  [key: string]: unknown;
}

export interface NotebookListItem {
  id: string;
  short_id: string;
  title: string | null;
  deleted: boolean;
  created_at: string;
  created_by: UserBasic | null;
  last_modified_at: string;
  last_modified_by: UserBasic | null;
}

export interface Notebook extends NotebookListItem {
  content: JsonNode | null;
  text_content: string | null;
  version: number;
}

export interface Member {
  id: string;
  user: UserBasic;
  level: number;
}

export interface ActivityEntry {
  user: { first_name: string; email: string } | null;
  activity: string;
  scope: string;
  item_id: string;
  detail: {
    short_id?: string;
    name?: string | null;
    changes: Array<{ type: string; action: string; field: string; before: unknown; after: unknown }> | null;
  };
  created_at: string;
}

export interface PersonalApiKey {
  id: string;
  label: string;
  value?: string;
  mask_value: string;
  created_at: string;
  last_used_at: string | null;
  scopes: string[];
  scoped_teams: number[] | null;
  scoped_organizations: string[] | null;
  last_rolled_at: string | null;
}
