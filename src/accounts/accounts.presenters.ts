import { formatDateTime } from '../http/datetime.ts';
import type { Member, PersonalApiKey, Project, User } from './accounts.repository.ts';
import type { InviteDescription, InviteView } from './invites.service.ts';
import type { OrganizationOverview } from './members.service.ts';
import type { Me } from './users.service.ts';

/** PostHog's UserBasicSerializer. */
export function presentUserBasic(user: User) {
  return {
    id: user.id,
    uuid: user.uuid,
    distinct_id: user.distinctId,
    first_name: user.firstName,
    last_name: user.lastName,
    email: user.email,
    is_email_verified: user.isEmailVerified,
    hedgehog_config: null,
    role_at_organization: user.roleAtOrganization,
  };
}

/** The fields every project serializer ends with (PostHog's team settings; fixed values here). */
function projectSettings(project: Project) {
  return {
    completed_snippet_onboarding: false,
    has_completed_onboarding_for: null,
    ingested_event: false,
    is_demo: false,
    timezone: project.timezone,
    access_control: false,
  };
}

/** PostHog's ProjectBackwardCompatBasicSerializer (items of GET /api/projects/). */
export function presentProjectBasic(project: Project) {
  return {
    id: project.id,
    uuid: project.uuid,
    organization: project.organizationId,
    api_token: project.apiToken,
    name: project.name,
    ...projectSettings(project),
  };
}

const EFFECTIVE_LEVELS = new Set([1, 8, 15]);

/** The basic project fields plus name, created_at and effective_membership_level. */
export function presentProject(project: Project, membershipLevel: number | undefined) {
  return {
    id: project.id,
    organization: project.organizationId,
    name: project.name,
    created_at: formatDateTime(project.createdAt),
    effective_membership_level:
      membershipLevel !== undefined && EFFECTIVE_LEVELS.has(membershipLevel) ? membershipLevel : null,
    uuid: project.uuid,
    api_token: project.apiToken,
    ...projectSettings(project),
  };
}

/** PostHog's TeamBasicSerializer: the current project in /api/users/@me/. */
function presentTeamBasic(project: Project) {
  return {
    id: project.id,
    uuid: project.uuid,
    organization: project.organizationId,
    project_id: project.id,
    api_token: project.apiToken,
    name: project.name,
    ...projectSettings(project),
  };
}

/** GET /api/users/@me/: the fields a client reads, in PostHog's order. */
export function presentMe(me: Me) {
  const { user, currentProject, organizations } = me;
  const current = organizations.find((org) => org.id === currentProject?.organizationId) ?? organizations[0];
  return {
    date_joined: formatDateTime(user.dateJoined),
    uuid: user.uuid,
    distinct_id: user.distinctId,
    first_name: user.firstName,
    last_name: user.lastName,
    email: user.email,
    pending_email: null,
    is_email_verified: user.isEmailVerified,
    has_password: user.hasPassword,
    id: user.id,
    is_staff: false,
    is_impersonated: false,
    team: currentProject ? presentTeamBasic(currentProject) : null,
    organization: current ? { id: current.id, name: current.name, membership_level: current.level } : null,
    organizations: organizations.map((org) => ({ id: org.id, name: org.name, membership_level: org.level })),
    hedgehog_config: null,
    role_at_organization: user.roleAtOrganization,
  };
}

/** PostHog's PersonalAPIKeySerializer; `value` is the raw key only in the answers to create and roll. */
export function presentPersonalApiKey(key: PersonalApiKey, value: string | null = null) {
  return {
    id: key.id,
    label: key.label,
    value,
    mask_value: key.maskValue,
    created_at: formatDateTime(key.createdAt),
    last_used_at: key.lastUsedAt === null ? null : formatDateTime(key.lastUsedAt),
    user_id: key.userId,
    scopes: key.scopes,
    scoped_teams: key.scopedTeams,
    scoped_organizations: key.scopedOrganizations,
    last_rolled_at: key.lastRolledAt === null ? null : formatDateTime(key.lastRolledAt),
  };
}

/** Django's slugify, for an organization's slug (this server stores none). */
function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[-\s]+/g, '-');
}

/** PostHog's OrganizationSerializer, with the values of an organization without billing or plugins. */
export function presentOrganization(overview: OrganizationOverview) {
  const { organization, level, projects, memberCount } = overview;
  return {
    id: organization.id,
    name: organization.name,
    slug: slugify(organization.name),
    logo_media_id: null,
    created_at: formatDateTime(organization.createdAt),
    updated_at: formatDateTime(organization.createdAt),
    membership_level: level,
    plugins_access_level: 9,
    teams: projects.map(presentTeamBasic),
    projects: projects.map((project) => ({
      id: project.id,
      organization_id: project.organizationId,
      name: project.name,
    })),
    available_product_features: [],
    is_member_join_email_enabled: false,
    metadata: {},
    customer_id: null,
    enforce_2fa: null,
    members_can_invite: false,
    members_can_use_personal_api_keys: true,
    allow_publicly_shared_resources: true,
    member_count: memberCount,
    is_ai_data_processing_approved: null,
    default_experiment_stats_method: 'bayesian',
    default_role_id: null,
  };
}

/** PostHog's OrganizationMemberSerializer. */
export function presentMember(member: Member) {
  return {
    id: member.id,
    user: presentUserBasic(member.user),
    level: member.level,
    joined_at: formatDateTime(member.joinedAt),
    updated_at: formatDateTime(member.updatedAt),
    is_2fa_enabled: false,
    has_social_auth: false,
    last_login: member.user.lastLogin === null ? null : formatDateTime(member.user.lastLogin),
  };
}

/**
 * PostHog's OrganizationInviteSerializer, and the link that accepts the invite: with no mail
 * server, the inviter passes it on.
 */
export function presentInvite(invite: InviteView, origin: string) {
  return {
    id: invite.id,
    target_email: invite.targetEmail,
    first_name: invite.firstName,
    emailing_attempt_made: false,
    level: invite.level,
    is_expired: invite.isExpired,
    created_by: invite.createdBy === null ? null : presentUserBasic(invite.createdBy),
    created_at: formatDateTime(invite.createdAt),
    updated_at: formatDateTime(invite.updatedAt),
    accept_url: `${origin}/signup/${invite.id}`,
  };
}

/** GET /api/signup/:id/: what the visitor is invited to. */
export function presentInviteDescription({ invite, organization }: InviteDescription) {
  return {
    id: invite.id,
    target_email: invite.targetEmail,
    first_name: invite.firstName,
    organization_name: organization.name,
  };
}

/** POST /api/signup/:id/: PostHog's UserBasic of the new member and where to go next. */
export function presentSignedUp(user: User) {
  return { ...presentUserBasic(user), redirect_url: '/' };
}
