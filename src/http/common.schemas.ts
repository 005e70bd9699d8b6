import { type Static, Type } from '@sinclair/typebox';

export const ErrorEnvelopeSchema = Type.Object(
  {
    type: Type.String({
      description:
        'Error class: validation_error, authentication_error, invalid_request, throttled_error or server_error.',
    }),
    code: Type.String({ description: 'Machine-readable error code, e.g. not_found, permission_denied, conflict.' }),
    detail: Type.String({ description: 'Human-readable message.' }),
    attr: Type.Union([Type.String(), Type.Null()], {
      description: 'The field or parameter the error is about, or null.',
    }),
  },
  { $id: 'ErrorEnvelope', description: "PostHog's error envelope: one error per response." },
);
export type ErrorEnvelope = Static<typeof ErrorEnvelopeSchema>;

export const ProjectIdParamSchema = Type.String({
  description:
    'Project id (an integer), or "@current" for the project the key is limited to, else the lowest-id project the caller can reach.',
});

/** The error responses every authenticated route can give. */
export const errorResponses = {
  400: Type.Ref('ErrorEnvelope', { description: 'Invalid input.' }),
  401: Type.Ref('ErrorEnvelope', { description: 'No or invalid credentials.' }),
  403: Type.Ref('ErrorEnvelope', { description: 'Missing scope, key limits, or no access to the project.' }),
  404: Type.Ref('ErrorEnvelope', { description: 'Project or object not found.' }),
  429: Type.Ref('ErrorEnvelope', { description: 'Rate limited; see Retry-After.' }),
};
