import { Type } from '@sinclair/typebox';

export const UserBasicSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Integer id of the user.' }),
    uuid: Type.String({ format: 'uuid', description: 'UUID of the user.' }),
    distinct_id: Type.Union([Type.String(), Type.Null()], { description: 'Analytics identity of the user.' }),
    first_name: Type.String({ description: 'First name, may be empty.' }),
    last_name: Type.String({ description: 'Last name, may be empty.' }),
    email: Type.String({ description: 'Email address.' }),
    is_email_verified: Type.Union([Type.Boolean(), Type.Null()], {
      description: 'Whether the email address is verified.',
    }),
    hedgehog_config: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
      description: 'Avatar settings; always null here.',
    }),
    role_at_organization: Type.Union([Type.String(), Type.Null()], {
      description: 'Role at the organization, or null.',
    }),
  },
  { $id: 'UserBasic', description: "PostHog's UserBasic: the nested user of created_by / last_modified_by." },
);

const projectBasicProperties = {
  id: Type.Integer({ description: 'Project id.' }),
  uuid: Type.String({ description: 'UUID of the project.' }),
  organization: Type.String({ description: 'UUID of the organization.' }),
  api_token: Type.String({ description: 'Project API token (phc_…).' }),
  name: Type.String({ description: 'Project name.' }),
  completed_snippet_onboarding: Type.Boolean({ description: 'Always false here.' }),
  has_completed_onboarding_for: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
    description: 'Always null here.',
  }),
  ingested_event: Type.Boolean({ description: 'Always false here.' }),
  is_demo: Type.Boolean({ description: 'Always false here.' }),
  timezone: Type.String({ description: 'IANA time zone used by relative date filters.' }),
  access_control: Type.Boolean({ description: 'Always false here.' }),
};

export const ProjectBasicSchema = Type.Object(projectBasicProperties, {
  $id: 'ProjectBasic',
  description: 'A project in the projects list.',
});

export const ProjectSchema = Type.Object(
  {
    id: projectBasicProperties.id,
    organization: projectBasicProperties.organization,
    name: projectBasicProperties.name,
    created_at: Type.String({ format: 'date-time', description: 'When the project was created.' }),
    effective_membership_level: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Caller membership level: 1 member, 8 admin, 15 owner.',
    }),
    uuid: projectBasicProperties.uuid,
    api_token: projectBasicProperties.api_token,
    completed_snippet_onboarding: projectBasicProperties.completed_snippet_onboarding,
    has_completed_onboarding_for: projectBasicProperties.has_completed_onboarding_for,
    ingested_event: projectBasicProperties.ingested_event,
    is_demo: projectBasicProperties.is_demo,
    timezone: projectBasicProperties.timezone,
    access_control: projectBasicProperties.access_control,
  },
  { $id: 'Project', description: 'One project.' },
);

export const PaginatedProjectListSchema = Type.Object(
  {
    count: Type.Integer({ description: 'Total number of projects.' }),
    next: Type.Union([Type.String(), Type.Null()], { description: 'URL of the next page, or null.' }),
    previous: Type.Union([Type.String(), Type.Null()], { description: 'URL of the previous page, or null.' }),
    results: Type.Array(Type.Ref('ProjectBasic'), { description: 'The projects of this page.' }),
  },
  { $id: 'PaginatedProjectList', description: 'Projects the caller can reach.' },
);

const organizationBasic = Type.Object({
  id: Type.String({ description: 'Organization UUID.' }),
  name: Type.String({ description: 'Organization name.' }),
  membership_level: Type.Integer({ description: 'Caller membership level: 1 member, 8 admin, 15 owner.' }),
});

export const MeSchema = Type.Object(
  {
    date_joined: Type.String({ format: 'date-time', description: 'When the user joined.' }),
    uuid: Type.String({ description: 'UUID of the user.' }),
    distinct_id: Type.Union([Type.String(), Type.Null()], { description: 'Analytics identity.' }),
    first_name: Type.String({ description: 'First name.' }),
    last_name: Type.String({ description: 'Last name.' }),
    email: Type.String({ description: 'Email address.' }),
    pending_email: Type.Null({ description: 'Always null here.' }),
    is_email_verified: Type.Union([Type.Boolean(), Type.Null()], { description: 'Whether the email is verified.' }),
    has_password: Type.Boolean({ description: 'Whether the user has a password to sign in with.' }),
    id: Type.Integer({ description: 'Integer id of the user.' }),
    is_staff: Type.Boolean({ description: 'Always false.' }),
    is_impersonated: Type.Boolean({ description: 'Always false.' }),
    team: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
      description: 'The current project (TeamBasic).',
    }),
    organization: Type.Union([organizationBasic, Type.Null()], { description: 'The current organization.' }),
    organizations: Type.Array(organizationBasic, { description: 'Every organization the user belongs to.' }),
    hedgehog_config: Type.Null({ description: 'Always null here.' }),
    role_at_organization: Type.Union([Type.String(), Type.Null()], { description: 'Role at the organization.' }),
  },
  { $id: 'Me', description: 'The authenticated user.' },
);

const nullableDateTime = (description: string) =>
  Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description });

export const PersonalApiKeySchema = Type.Object(
  {
    id: Type.String({ description: 'Id of the key (a random token).' }),
    label: Type.String({ description: 'Label, at most 40 characters.' }),
    value: Type.Union([Type.String(), Type.Null()], {
      description: 'The key itself (phx_…): only in the answers to create and roll, otherwise null.',
    }),
    mask_value: Type.Union([Type.String(), Type.Null()], { description: 'The key masked: phx_...abcd.' }),
    created_at: Type.String({ format: 'date-time', description: 'When the key was created.' }),
    last_used_at: nullableDateTime('When the key last authenticated a request (to the hour), or null.'),
    user_id: Type.Integer({ description: 'Integer id of the key’s owner.' }),
    scopes: Type.Array(Type.String(), { description: 'Scopes: "*" or "<object>:<read|write>".' }),
    scoped_teams: Type.Union([Type.Array(Type.Integer()), Type.Null()], {
      description: 'Project ids the key is limited to; empty or null: none.',
    }),
    scoped_organizations: Type.Union([Type.Array(Type.String()), Type.Null()], {
      description: 'Organization UUIDs the key is limited to; empty or null: none.',
    }),
    last_rolled_at: nullableDateTime('When the key was last rolled (given a new value), or null.'),
  },
  { $id: 'PersonalAPIKey', description: 'A personal API key.' },
);

export const PersonalApiKeyWriteSchema = Type.Object(
  {
    label: Type.Optional(Type.String({ description: 'Label, at most 40 characters (required on create).' })),
    scopes: Type.Optional(
      Type.Array(Type.String(), {
        description: 'At least one scope: "*" or "<object>:<read|write>" (required on create).',
      }),
    ),
    scoped_teams: Type.Optional(
      Type.Array(Type.Integer(), { description: 'Project ids to limit the key to, [] for none (required on create).' }),
    ),
    scoped_organizations: Type.Optional(
      Type.Array(Type.String(), {
        description: 'Organization UUIDs to limit the key to, [] for none (required on create).',
      }),
    ),
  },
  { $id: 'PersonalAPIKeyWrite', description: 'The writable fields of a personal API key.' },
);

export const MeWriteSchema = Type.Object(
  {
    first_name: Type.Optional(Type.String({ description: 'First name (at most 150 characters).' })),
    last_name: Type.Optional(Type.String({ description: 'Last name (at most 150 characters).' })),
    email: Type.Optional(Type.String({ description: 'Email address, unique whatever its case (sensitive action).' })),
    password: Type.Optional(
      Type.String({ description: 'New password: 8 characters or more, not weak (sensitive action).' }),
    ),
    current_password: Type.Optional(
      Type.String({ description: 'The current password, required with password when the user has one.' }),
    ),
  },
  { $id: 'MeWrite', description: 'The fields of the authenticated user that PATCH changes.' },
);

const levelSchema = (description: string) =>
  Type.Integer({ description: `${description} 1 member, 8 admin, 15 owner.` });

export const OrganizationSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'UUID of the organization.' }),
    name: Type.String({ description: 'Name.' }),
    slug: Type.String({ description: 'The name as a URL slug.' }),
    logo_media_id: Type.Null({ description: 'Always null here.' }),
    created_at: Type.String({ format: 'date-time', description: 'When the organization was created.' }),
    updated_at: Type.String({ format: 'date-time', description: 'When it last changed.' }),
    membership_level: levelSchema('The caller’s level:'),
    plugins_access_level: Type.Integer({ description: 'Always 9 here (no plugins).' }),
    teams: Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'Its projects (TeamBasic).' }),
    projects: Type.Array(
      Type.Object({
        id: Type.Integer({ description: 'Project id.' }),
        organization_id: Type.String({ description: 'UUID of the organization.' }),
        name: Type.String({ description: 'Project name.' }),
      }),
      { description: 'Its projects.' },
    ),
    available_product_features: Type.Array(Type.Unknown(), { description: 'Always empty here.' }),
    is_member_join_email_enabled: Type.Boolean({ description: 'Always false here (no mail server).' }),
    metadata: Type.Record(Type.String(), Type.Unknown(), { description: 'Always empty here.' }),
    customer_id: Type.Null({ description: 'Always null here.' }),
    enforce_2fa: Type.Null({ description: 'Always null here.' }),
    members_can_invite: Type.Boolean({ description: 'Always false: admins and owners invite.' }),
    members_can_use_personal_api_keys: Type.Boolean({ description: 'Always true.' }),
    allow_publicly_shared_resources: Type.Boolean({ description: 'Always true here.' }),
    member_count: Type.Integer({ description: 'Number of active members.' }),
    is_ai_data_processing_approved: Type.Null({ description: 'Always null here.' }),
    default_experiment_stats_method: Type.String({ description: 'Always "bayesian" here.' }),
    default_role_id: Type.Null({ description: 'Always null here.' }),
  },
  { $id: 'Organization', description: 'An organization the caller belongs to.' },
);

export const OrganizationMemberSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'UUID of the membership.' }),
    user: Type.Unsafe({ allOf: [Type.Ref('UserBasic')], description: 'The member (UserBasic).' }),
    level: levelSchema('The member’s level:'),
    joined_at: Type.String({ format: 'date-time', description: 'When they joined.' }),
    updated_at: Type.String({ format: 'date-time', description: 'When their membership last changed.' }),
    is_2fa_enabled: Type.Boolean({ description: 'Always false here.' }),
    has_social_auth: Type.Boolean({ description: 'Always false here.' }),
    last_login: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'When they last signed in, or null.',
    }),
  },
  { $id: 'OrganizationMember', description: 'A member of an organization.' },
);

export const PaginatedOrganizationMemberListSchema = Type.Object(
  {
    count: Type.Integer({ description: 'Total number of active members.' }),
    next: Type.Union([Type.String(), Type.Null()], { description: 'URL of the next page, or null.' }),
    previous: Type.Union([Type.String(), Type.Null()], { description: 'URL of the previous page, or null.' }),
    results: Type.Array(Type.Ref('OrganizationMember'), { description: 'The members of this page.' }),
  },
  { $id: 'PaginatedOrganizationMemberList', description: 'Members by level, then newest first.' },
);

export const OrganizationInviteSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'UUID of the invite: the id in its accept link.' }),
    target_email: Type.String({ description: 'The address invited.' }),
    first_name: Type.String({ description: 'The invitee’s first name, if the inviter gave one.' }),
    emailing_attempt_made: Type.Boolean({ description: 'Always false: this server sends no mail.' }),
    level: levelSchema('The level the invitee joins at:'),
    is_expired: Type.Boolean({ description: 'Whether its 3 days have passed.' }),
    created_by: Type.Union([Type.Ref('UserBasic'), Type.Null()], { description: 'Who invited (UserBasic).' }),
    created_at: Type.String({ format: 'date-time', description: 'When it was made.' }),
    updated_at: Type.String({ format: 'date-time', description: 'When it last changed.' }),
    accept_url: Type.String({ description: 'The absolute link that accepts the invite (/signup/<id>), to pass on.' }),
  },
  { $id: 'OrganizationInvite', description: 'A pending invite to the organization.' },
);

export const PaginatedOrganizationInviteListSchema = Type.Object(
  {
    count: Type.Integer({ description: 'Total number of invites.' }),
    next: Type.Union([Type.String(), Type.Null()], { description: 'URL of the next page, or null.' }),
    previous: Type.Union([Type.String(), Type.Null()], { description: 'URL of the previous page, or null.' }),
    results: Type.Array(Type.Ref('OrganizationInvite'), { description: 'The invites of this page, newest first.' }),
  },
  { $id: 'PaginatedOrganizationInviteList', description: 'Pending invites, newest first.' },
);

export const ProjectWriteSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ description: 'Project name, at most 200 characters (required on create).' })),
    timezone: Type.Optional(
      Type.String({ description: 'IANA time zone used by relative date filters (default UTC).' }),
    ),
  },
  { $id: 'ProjectWrite', description: 'The fields of a project this server writes.' },
);
