import { type Db, writeTransaction } from '../db/database.ts';
import { randomToken, uuidv7 } from '../db/ids.ts';
import { objectBody, stringField } from '../http/drf-fields.ts';
import { notFound, permissionDenied, validationFailed } from '../http/errors.ts';
import type { AccountsRepository, Project } from './accounts.repository.ts';
import { isValidTimezone, MEMBERSHIP_LEVELS } from './accounts.service.ts';
import type { Caller } from './caller.ts';
import {
  checkOrganizationKeyLimits,
  checkOrganizationMembership,
  type ProjectAccess,
  resolveOrganization,
} from './project-access.ts';

/** A project and the caller's level in its organization, as the project answers show them. */
export interface ProjectView {
  project: Project;
  level: number;
}

/** PostHog's project serializer fields this server writes: name (≤200, not blank) and timezone. */
function parseProjectFields(body: unknown, options: { required: boolean }): { name?: string; timezone?: string } {
  const input = objectBody(body);
  const name = stringField(input, 'name', { required: options.required, maxLength: 200 });
  const timezone = stringField(input, 'timezone', { required: false });
  if (timezone !== undefined && !isValidTimezone(timezone))
    throw validationFailed('timezone', `"${timezone}" is not a valid choice.`, 'invalid_choice');
  return { name, timezone };
}

/** Creating projects in the current organization, and renaming them or setting their time zone. */
export class ProjectsService {
  readonly #db: Db;
  readonly #repo: AccountsRepository;
  readonly #access: ProjectAccess;

  constructor(db: Db, repo: AccountsRepository, access: ProjectAccess) {
    this.#db = db;
    this.#repo = repo;
    this.#access = access;
  }

  /** POST /api/projects/: a project in the caller's current organization, by its admins and owners. */
  async create(caller: Caller, body: unknown): Promise<ProjectView> {
    const organization = await resolveOrganization(this.#access, this.#repo, caller, '@current');
    checkOrganizationKeyLimits(caller, organization);
    const level = checkOrganizationMembership(caller, organization);
    if (level < MEMBERSHIP_LEVELS.admin) throw permissionDenied('Your organization access level is insufficient.');
    const fields = parseProjectFields(body, { required: true });
    const project = await writeTransaction(this.#db, async (trx) => {
      const repo = this.#repo.within(trx);
      return repo.insertProject({
        uuid: uuidv7(),
        organizationId: organization.id,
        name: fields.name as string,
        timezone: fields.timezone ?? 'UTC',
        apiToken: `phc_${randomToken(32)}`,
        createdAt: new Date(),
      });
    });
    return { project, level };
  }

  /** PATCH /api/projects/:id/: any member renames it or sets its time zone (PostHog's light management). */
  async update(project: Project, level: number, body: unknown): Promise<ProjectView> {
    const fields = parseProjectFields(body, { required: false });
    await writeTransaction(this.#db, (trx) => this.#repo.within(trx).updateProject(project.id, fields));
    this.#access.forget(project.id);
    const updated = await this.#repo.findProject(project.id);
    if (!updated) throw notFound();
    return { project: updated, level };
  }
}
