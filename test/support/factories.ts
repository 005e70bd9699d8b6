import assert from 'node:assert/strict';
import type { Project } from '../../src/accounts/accounts.repository.ts';
import type { MembershipLevelName } from '../../src/accounts/accounts.service.ts';
import { json, type TestEnv, type TestUser } from './harness.ts';

/** PostHog's UserBasic, as nested in a notebook. */
export interface UserBasic {
  id: number;
  uuid: string;
  distinct_id: string | null;
  first_name: string;
  last_name: string;
  email: string;
  is_email_verified: boolean | null;
  hedgehog_config: unknown;
  role_at_organization: string | null;
}

/** A notebook as the API answers it (NotebookSerializer). */
export interface NotebookDetail {
  id: string;
  short_id: string;
  title: string | null;
  content: unknown;
  text_content: string | null;
  version: number;
  deleted: boolean;
  created_at: string;
  created_by: UserBasic | null;
  last_modified_at: string;
  last_modified_by: UserBasic | null;
  user_access_level: string | null;
}

/**
 * Creates a notebook through the API, as the owner unless `key` names another caller, in the
 * test project unless `project` names another. Asserts the 201.
 */
export async function createNotebook(
  env: TestEnv,
  payload: Record<string, unknown> = {},
  options: { project?: Project | number; key?: string } = {},
): Promise<NotebookDetail> {
  const projectId = typeof options.project === 'number' ? options.project : (options.project?.id ?? env.project.id);
  const response = await env.request({ method: 'POST', url: env.url('', projectId), payload, key: options.key });
  assert.equal(response.statusCode, 201, response.body);
  return json<NotebookDetail>(response);
}

/** A project of its own in the test organization (or `organizationId`'s). */
export function createProject(env: TestEnv, name = 'Another project', organizationId = env.org.id): Promise<Project> {
  return env.accounts.createProject({ name, organizationId });
}

/** A user in the test organization (or another), with a personal API key of the given scopes. */
export function createUser(
  env: TestEnv,
  options: { org?: string; level?: MembershipLevelName; scopes?: string[]; firstName?: string } = {},
): Promise<TestUser> {
  return env.createUser(options);
}
