import {
  MeSchema,
  MeWriteSchema,
  OrganizationMemberSchema,
  OrganizationSchema,
  PaginatedOrganizationMemberListSchema,
  PaginatedProjectListSchema,
  PersonalApiKeySchema,
  PersonalApiKeyWriteSchema,
  ProjectBasicSchema,
  ProjectSchema,
  UserBasicSchema,
} from '../accounts/accounts.schemas.ts';
import { ErrorEnvelopeSchema } from '../http/common.schemas.ts';
import {
  ActivityLogSchema,
  ActivityPageSchema,
  NotebookMinimalSchema,
  NotebookSchema,
  NotebookWriteSchema,
  PaginatedNotebookMinimalListSchema,
  RecordingCommentsSchema,
} from '../notebooks/notebooks.schemas.ts';

/** The schemas the API's routes refer to by `$id`: the OpenAPI document's components. */
export const API_SCHEMAS = [
  ErrorEnvelopeSchema,
  UserBasicSchema,
  ProjectBasicSchema,
  ProjectSchema,
  PaginatedProjectListSchema,
  MeSchema,
  MeWriteSchema,
  PersonalApiKeySchema,
  PersonalApiKeyWriteSchema,
  OrganizationSchema,
  OrganizationMemberSchema,
  PaginatedOrganizationMemberListSchema,
  NotebookMinimalSchema,
  NotebookSchema,
  NotebookWriteSchema,
  PaginatedNotebookMinimalListSchema,
  ActivityLogSchema,
  ActivityPageSchema,
  RecordingCommentsSchema,
] as const;
