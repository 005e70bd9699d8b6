import { Type } from '@sinclair/typebox';

const nullableUser = (description: string) => Type.Union([Type.Ref('UserBasic'), Type.Null()], { description });

const listItemProperties = {
  id: Type.String({ format: 'uuid', description: 'UUID of the notebook.' }),
  short_id: Type.String({ description: 'Short alphanumeric identifier used in URLs and API lookups.' }),
  title: Type.Union([Type.String(), Type.Null()], { description: 'Title of the notebook.' }),
  deleted: Type.Boolean({ description: 'Whether the notebook has been soft-deleted.' }),
  created_at: Type.String({ format: 'date-time', description: 'When the notebook was created (UTC).' }),
  created_by: nullableUser('The user who created the notebook.'),
  last_modified_at: Type.String({ format: 'date-time', description: 'When the notebook was last modified (UTC).' }),
  last_modified_by: nullableUser('The user who last modified the notebook.'),
  user_access_level: Type.Union([Type.String(), Type.Null()], {
    description: 'The effective access level the user has for this object.',
  }),
};

export const NotebookMinimalSchema = Type.Object(listItemProperties, {
  $id: 'NotebookMinimal',
  description: 'A notebook in a list (no content).',
});

export const NotebookSchema = Type.Object(
  {
    id: listItemProperties.id,
    short_id: listItemProperties.short_id,
    title: listItemProperties.title,
    content: Type.Unknown({ description: 'Notebook content as a ProseMirror JSON document structure.' }),
    text_content: Type.Union([Type.String(), Type.Null()], {
      description: 'Plain text representation of the notebook content for search.',
    }),
    version: Type.Integer({
      description:
        'Version number for optimistic concurrency control. Must match the current version when updating content.',
    }),
    deleted: listItemProperties.deleted,
    created_at: listItemProperties.created_at,
    created_by: listItemProperties.created_by,
    last_modified_at: listItemProperties.last_modified_at,
    last_modified_by: listItemProperties.last_modified_by,
    user_access_level: listItemProperties.user_access_level,
  },
  { $id: 'Notebook', description: 'A notebook with its content.' },
);

export const NotebookWriteSchema = Type.Object(
  {
    title: Type.Optional(
      Type.Union([Type.String({ maxLength: 256 }), Type.Null()], {
        description: 'Title of the notebook (trimmed, at most 256 characters).',
      }),
    ),
    content: Type.Optional(
      Type.Unknown({
        description: 'ProseMirror/TipTap JSON. When truthy on an update, `version` must equal the stored version.',
      }),
    ),
    text_content: Type.Optional(
      Type.Union([Type.String(), Type.Null()], { description: 'Plain text used by `search`.' }),
    ),
    version: Type.Optional(
      Type.Integer({ minimum: -2147483648, maximum: 2147483647, description: 'The version the update is based on.' }),
    ),
    deleted: Type.Optional(Type.Boolean({ description: 'Soft delete (true) or restore (false).' })),
    _create_in_folder: Type.Optional(
      Type.String({
        description: 'Folder of the project-tree entry on create (default Unfiled/Notebooks); write-only.',
      }),
    ),
  },
  { $id: 'NotebookWrite', description: 'Writable notebook fields; read-only and unknown keys are ignored.' },
);

export const PaginatedNotebookMinimalListSchema = Type.Object(
  {
    count: Type.Integer({ description: 'Number of notebooks matching the filters.' }),
    next: Type.Union([Type.String(), Type.Null()], { description: 'Absolute URL of the next page, or null.' }),
    previous: Type.Union([Type.String(), Type.Null()], { description: 'Absolute URL of the previous page, or null.' }),
    results: Type.Array(Type.Ref('NotebookMinimal'), { description: 'The notebooks of this page.' }),
  },
  { $id: 'PaginatedNotebookMinimalList', description: 'A page of notebooks.' },
);

const ChangeSchema = Type.Object({
  type: Type.Unknown({ description: 'Always "Notebook".' }),
  action: Type.Unknown({ description: 'created, changed or deleted.' }),
  field: Type.Unknown({ description: 'The changed field.' }),
  before: Type.Unknown({ description: 'Value before the change.' }),
  after: Type.Unknown({ description: 'Value after the change.' }),
});

export const ActivityLogSchema = Type.Object(
  {
    user: Type.Object(
      {
        first_name: Type.String({ description: 'First name of the acting user.' }),
        email: Type.Union([Type.String(), Type.Null()], { description: 'Email of the acting user.' }),
        is_system: Type.Optional(Type.Boolean({ description: 'Present and true for system activity.' })),
      },
      { description: 'The acting user.' },
    ),
    activity: Type.String({ description: 'created, updated, deleted or restored.' }),
    scope: Type.String({ description: 'Always "Notebook".' }),
    item_id: Type.String({ description: 'short_id of the notebook.' }),
    detail: Type.Object(
      {
        changes: Type.Union([Type.Array(ChangeSchema), Type.Null()], {
          description: 'Field-level changes, or null for created.',
        }),
        trigger: Type.Unknown({ description: 'Always null.' }),
        name: Type.Union([Type.String(), Type.Null()], { description: 'Title after the change.' }),
        short_id: Type.Union([Type.String(), Type.Null()], { description: 'short_id of the notebook.' }),
        type: Type.Unknown({ description: 'Always null.' }),
      },
      { description: 'What changed.' },
    ),
    created_at: Type.String({ format: 'date-time', description: 'When it happened (UTC).' }),
  },
  { $id: 'ActivityLog', description: 'One activity-log item.' },
);

export const ActivityPageSchema = Type.Object(
  {
    results: Type.Array(Type.Ref('ActivityLog'), { description: 'Items of this page, newest first.' }),
    next: Type.Union([Type.String(), Type.Null()], { description: 'URL of the next page, or null.' }),
    previous: Type.Union([Type.String(), Type.Null()], { description: 'URL of the previous page, or null.' }),
    total_count: Type.Integer({ description: 'Number of items across all pages.' }),
  },
  { $id: 'ActivityPage', description: 'A page of the activity log.' },
);

export const RecordingCommentsSchema = Type.Object(
  {
    results: Type.Array(
      Type.Object({
        timeInRecording: Type.Unknown({ description: 'playbackTime of the comment, as stored.' }),
        comment: Type.Unknown({ description: 'Text of the comment, or null.' }),
        notebookShortId: Type.String({ description: 'short_id of the notebook holding the comment.' }),
        notebookTitle: Type.Union([Type.String(), Type.Null()], { description: 'Title of that notebook.' }),
        id: Type.String({ description: 'SHA-256 hex of "<short_id>-<title>-<text>-<playbackTime>".' }),
      }),
      { description: 'Comments in notebook order, then node order.' },
    ),
  },
  { $id: 'RecordingComments', description: 'Replay-timestamp comments on one recording.' },
);

const filterText = (description: string) => Type.Optional(Type.String({ description }));

export const NotebookListQuerySchema = Type.Object({
  limit: filterText('Page size (default 100, no maximum); invalid values mean 100.'),
  offset: filterText('Items to skip (default 0).'),
  user: filterText('Present with any value: only notebooks created by the caller.'),
  created_by: filterText('UUID of the creating user.'),
  last_modified_by: filterText('UUID of the user who last modified the notebook.'),
  date_from: filterText(
    'Modified after this date: ISO date/time or relative (-7d, dStart, -1mStart…), in the project time zone.',
  ),
  date_to: filterText('Modified before this date, same grammar as date_from.'),
  search: filterText('Stemmed English full text over title OR text_content.'),
  contains: filterText(
    'Node filters, e.g. recording:true, recording:false, recording:<id>, query:<short id>; pairs separated by commas or spaces are ANDed.',
  ),
  order: filterText('title, created_at or last_modified_at, optionally prefixed with "-" (default -last_modified_at).'),
  short_id: filterText('Exact short_id.'),
  deleted: filterText(
    'Our extension: true lists the soft-deleted notebooks instead (newest first; with every filter but search). PostHog has no such parameter.',
  ),
});

export const ActivityQuerySchema = Type.Object({
  limit: filterText('Items per page (default 10).'),
  page: filterText('Page number, from 1 (default 1).'),
});

export const RecordingCommentsQuerySchema = Type.Object({
  recording_id: Type.String({ description: 'The session recording id.' }),
  order: filterText('Notebook order, as for the list.'),
});
